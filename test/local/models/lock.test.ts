import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PixmuxError, pixmuxError } from 'pixmux';
import { acquireFileLock } from '../../../providers/local/models/index.js';
import { rejectionOf as rejection } from '../../helpers/errors.js';

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pixmux-lock-'));
  lockPath = path.join(dir, 'model.onnx.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function writeForeignLock(owner: Record<string, unknown> | string, ageMs = 0) {
  await writeFile(lockPath, typeof owner === 'string' ? owner : JSON.stringify(owner));
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    await utimes(lockPath, then, then);
  }
}

describe('acquireFileLock', () => {
  it('records pid, host and a token, and removes the file on release', async () => {
    const lock = await acquireFileLock(lockPath);
    const owner = JSON.parse(await readFile(lockPath, 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(typeof owner.token).toBe('string');
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
    await lock.release(); // twice is fine
  });

  it('makes a second holder in the same process wait until the first releases', async () => {
    const first = await acquireFileLock(lockPath);
    let secondHeld = false;
    let waiting!: (holder: unknown) => void;
    const waitedFor = new Promise<unknown>((resolve) => (waiting = resolve));
    // Its next poll would be ten minutes away: only the in-process wake-up on release can hand it the lock in time.
    const second = acquireFileLock(lockPath, { onWait: (holder) => waiting(holder), minPollMs: 600_000, maxPollMs: 600_000 }).then((lock) => {
      secondHeld = true;
      return lock;
    });
    expect(await waitedFor).toMatchObject({ pid: process.pid });
    expect(secondHeld).toBe(false);
    await first.release();
    const lock = await second;
    expect(existsSync(lockPath)).toBe(true);
    await lock.release();
  });

  it('breaks a lock whose process is dead on this host', async () => {
    await writeForeignLock({ pid: deadPid(), host: hostname(), token: 'dead', createdAt: Date.now() });
    const lock = await acquireFileLock(lockPath, { signal: AbortSignal.timeout(2_000) });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('breaks a lock that was not refreshed for staleMs (another host, so its pid cannot be checked)', async () => {
    await writeForeignLock({ pid: 1, host: 'another-host', token: 'old', createdAt: 0 }, 10_000);
    const lock = await acquireFileLock(lockPath, { staleMs: 5_000, signal: AbortSignal.timeout(2_000) });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).not.toBe('old');
    await lock.release();
  });

  it('breaks an old empty lock file (a holder that crashed while creating it)', async () => {
    await writeForeignLock('', 10_000);
    const lock = await acquireFileLock(lockPath, { staleMs: 5_000, signal: AbortSignal.timeout(2_000) });
    await lock.release();
  });

  it('respects a fresh foreign lock and gives up with `aborted` when the signal aborts', async () => {
    await writeForeignLock({ pid: 1, host: 'another-host', token: 'live', createdAt: Date.now() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 80);
    const error = await rejection(acquireFileLock(lockPath, { signal: controller.signal }));
    expect(error.code).toBe('aborted');
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe('live');
  });

  it('passes a PixmuxError abort reason through (a call deadline)', async () => {
    await writeForeignLock({ pid: 1, host: 'another-host', token: 'live', createdAt: Date.now() });
    const controller = new AbortController();
    const deadline = pixmuxError('timeout', 'the call deadline passed');
    controller.abort(deadline);
    expect(await rejection(acquireFileLock(lockPath, { signal: controller.signal }))).toBe(deadline);
  });

  it('keeps a long-held lock fresh, so a waiter with the same staleMs does not break it', async () => {
    // Staleness is judged by the file's mtime against the real clock, so this cannot be faked: the margins are wide
    // (refreshed every 500 ms, stale after 2 s unrefreshed, watched for 3 × that) so that a busy machine cannot fail it.
    const holder = await acquireFileLock(lockPath, { staleMs: 2_000 });
    const error = await rejection(acquireFileLock(lockPath, { staleMs: 2_000, signal: AbortSignal.timeout(6_000) }));
    expect(error.code).toBe('timeout');
    await holder.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('does not remove a lock that now belongs to someone else', async () => {
    const lock = await acquireFileLock(lockPath);
    await writeForeignLock({ pid: 1, host: 'another-host', token: 'theirs', createdAt: Date.now() });
    await lock.release();
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe('theirs');
  });

  it('creates the lock folder when it does not exist', async () => {
    const lock = await acquireFileLock(path.join(dir, 'a', 'b', 'x.lock'));
    await lock.release();
  });
});
