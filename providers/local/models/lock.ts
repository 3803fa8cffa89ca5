import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { abortError, errnoCode, fileSystemError, throwIfAborted } from './abort.js';

/** A lock whose file was not refreshed for this long is taken to belong to a crashed process. */
export const DEFAULT_STALE_LOCK_MS = 60_000;

export interface FileLockOptions {
  /** Gives up waiting (with `aborted`, or the signal's own PixmuxError reason). */
  signal?: AbortSignal;
  /** A lock not refreshed for this long is stale and gets broken. The holder refreshes it every quarter of this. @default 60_000 */
  staleMs?: number;
  /** First wait between tries, doubled up to `maxPollMs`. @default 25 */
  minPollMs?: number;
  /** Longest wait between tries. @default 1_000 */
  maxPollMs?: number;
  /** Called once, when the lock is found held by someone else and the wait begins. */
  onWait?: (holder: LockOwner | undefined) => void;
}

/** What a lock file records about its holder. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Unique per acquisition, so a holder never removes someone else's lock. */
  token: string;
  createdAt: number;
}

export interface FileLock {
  readonly path: string;
  /** Removes the lock if it is still this holder's. Safe to call twice. */
  release(): Promise<void>;
}

/** In-process waiters, woken at once when a lock held in this process is released (others poll). */
const localWaiters = new Map<string, Set<() => void>>();

/**
 * Takes a cross-process lock: a file created with `open(path, 'wx')` holding pid, host and a token.
 * Waits with backoff while another holder has it; breaks it when stale (its pid is dead on this host,
 * or it was not refreshed for `staleMs`). The holder refreshes the file's mtime while it holds the lock.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<FileLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_LOCK_MS;
  const maxPollMs = options.maxPollMs ?? 1_000;
  let delay = options.minPollMs ?? 25;
  let waiting = false;
  for (;;) {
    throwIfAborted(options.signal, `waiting for the lock ${lockPath}`);
    const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID(), createdAt: Date.now() };
    if (await tryCreate(lockPath, owner)) return holdLock(lockPath, owner, staleMs);
    const seen = await inspectLock(lockPath);
    if (!seen) continue; // released between our try and our look
    if (isStale(seen, staleMs)) {
      await breakLock(lockPath, seen);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(seen.owner);
    }
    await waitForRelease(lockPath, delay, options.signal);
    delay = Math.min(maxPollMs, delay * 2);
  }
}

interface SeenLock {
  owner: LockOwner | undefined;
  mtimeMs: number;
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') return false;
      if (code === 'ENOENT' && tries === 0) {
        await mkdir(path.dirname(lockPath), { recursive: true }).catch((mkdirError: unknown) => {
          throw fileSystemError(mkdirError, 'create the folder', path.dirname(lockPath));
        });
        continue;
      }
      throw fileSystemError(error, 'create the lock file', lockPath);
    }
  }
}

async function inspectLock(lockPath: string): Promise<SeenLock | undefined> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    return { owner: parseOwner(text), mtimeMs: info.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fileSystemError(error, 'read the lock file', lockPath);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' && typeof value.createdAt === 'number') {
      return value as LockOwner;
    }
  } catch {
    // A lock file being written right now is empty for a moment: judged by its age alone.
  }
  return undefined;
}

function isStale(seen: SeenLock, staleMs: number): boolean {
  if (seen.owner && seen.owner.host === hostname() && !isProcessAlive(seen.owner.pid)) return true;
  return Date.now() - seen.mtimeMs > staleMs;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * Moves the stale lock aside (atomic, so only one breaker wins) and deletes it. If what was moved is not the lock
 * judged stale (a live holder took the place in between), it is linked back, which fails if yet another holder exists.
 */
async function breakLock(lockPath: string, judged: SeenLock): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw fileSystemError(error, 'break the stale lock', lockPath);
  }
  const moved = await inspectLock(aside);
  const sameLock = moved !== undefined && (moved.owner && judged.owner ? moved.owner.token === judged.owner.token : moved.mtimeMs === judged.mtimeMs);
  if (moved && !sameLock) await link(aside, lockPath).catch(() => {});
  await unlink(aside).catch(() => {});
}

function holdLock(lockPath: string, owner: LockOwner, staleMs: number): FileLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, Math.max(10, Math.floor(staleMs / 4)));
  heartbeat.unref();
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      try {
        const seen = await inspectLock(lockPath);
        if (seen?.owner?.token === owner.token) await unlink(lockPath);
      } catch {
        // Leaving a lock behind is recoverable (it goes stale); failing the caller's work over it is not.
      } finally {
        for (const wake of localWaiters.get(lockPath) ?? []) wake();
      }
    },
  };
}

function waitForRelease(lockPath: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let waiters = localWaiters.get(lockPath);
    if (!waiters) localWaiters.set(lockPath, (waiters = new Set()));
    const set = waiters;
    const cleanup = () => {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0 && localWaiters.get(lockPath) === set) localWaiters.delete(lockPath);
      signal?.removeEventListener('abort', onAbort);
    };
    const wake = () => {
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(abortError(signal!, `waiting for the lock ${lockPath}`));
    };
    const timer = setTimeout(wake, ms);
    set.add(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
