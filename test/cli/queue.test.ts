import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, jobIdFor } from '../../src/cli/queue-commands.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../policy/redis-server.js';
import { CLI, ensureBuilt, FIXTURES, runCli, tempDir, writeStubConfig } from './helpers.js';

const unavailable = redisUnavailableReason();
let redis: RedisHandle | undefined;
beforeAll(async () => {
  if (unavailable) return;
  ensureBuilt();
  redis = await startRedis();
}, 180_000);
afterAll(async () => {
  await redis?.stop();
});

describe('pixmux … --queue: names and messages', () => {
  it('job ids come from the input names, safe as BullMQ ids and as file names', () => {
    expect(jobIdFor('cats/tom')).toBe('cats/tom');
    expect(jobIdFor('holiday pics\\day 1:noon')).toBe('holiday_pics/day_1_noon');
    expect(jobIdFor('../x')).toBe('_/x');
    expect(jobIdFor('2024')).toBe('_2024');
  });

  it('the Redis is named without its password', () => {
    expect(describeRedis('redis://user:s3cret@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2');
    expect(describeRedis('not a url')).not.toContain('not a url');
  });

  it('usage errors: -o with --queue on enqueue, worker without --queue or -o', async () => {
    const dir = tempDir();
    expect((await runCli(['remove-bg', FIXTURES, '-o', 'out', '--queue', 'redis://127.0.0.1:9'], { cwd: dir })).stderr).toMatch(/drop -o here/);
    expect(await runCli(['worker', '-o', 'out'], { cwd: dir })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--queue/) });
    expect(await runCli(['worker', '--queue', 'redis://127.0.0.1:9'], { cwd: dir })).toMatchObject({ code: 2, stderr: expect.stringMatching(/-o <dir>/) });
  }, 60_000);
});

describe.skipIf(unavailable)('pixmux remove-bg --queue and pixmux worker', () => {
  it('enqueues a folder (again: nothing added twice), a worker writes each result under its input name, and SIGTERM stops it cleanly', async () => {
    const dir = tempDir();
    writeStubConfig(dir);
    mkdirSync(join(dir, 'in/sub'), { recursive: true });
    cpSync(join(FIXTURES, 'skimage_camera.png'), join(dir, 'in/camera.png'));
    cpSync(join(FIXTURES, 'skimage_rocket.jpg'), join(dir, 'in/sub/rocket.jpg'));
    const queueArgs = ['--queue', redis!.url, '--queue-name', `cli-${process.pid}`];
    const first = await runCli(['remove-bg', 'in', ...queueArgs, '--json'], { cwd: dir });
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toMatchObject({ enqueued: 2, progress: { waiting: 2, done: 0 } });
    const again = await runCli(['remove-bg', 'in', ...queueArgs], { cwd: dir });
    expect(again.stdout).toMatch(/queue now: 2 waiting, 0 active, 0 done, 0 failed/);

    const worker = spawn(process.execPath, [CLI, 'worker', ...queueArgs, '-o', 'out', '--concurrency', '2'], { cwd: dir, env: { ...process.env, PIXMUX_OFFLINE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: worker.stdout }).on('line', (line) => {
        lines.push(line);
        if (lines.filter((text) => text.startsWith('ok ')).length === 2) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(lines[0]).toMatch(/^worker on queue "cli-\d+" at redis:\/\/127\.0\.0\.1:\d+: 2 at a time/);
    expect(lines.filter((line) => line.startsWith('ok '))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ok {3}camera → .*out\/camera\.png \(picky, \$0\.0020\)$/), expect.stringMatching(/^ok {3}sub\/rocket → .*out\/sub\/rocket\.png \(stub, \$0\.0010\)$/)]),
    );
    expect(lines.at(-1)).toBe('worker stopped: 2 done, 0 failed, $0.0030 spent here');
    expect(existsSync(join(dir, 'out/camera.png')) && existsSync(join(dir, 'out/sub/rocket.png'))).toBe(true);
    const after = await runCli(['remove-bg', 'in', ...queueArgs, '--json'], { cwd: dir });
    expect(JSON.parse(after.stdout)).toMatchObject({ enqueued: 2, progress: { waiting: 0, done: 2, costUsd: 0.003 } });
  }, 180_000);

  it('worker --input-root: a job naming a file outside that folder fails typed and is not retried; one inside is worked', async () => {
    const dir = tempDir();
    writeStubConfig(dir);
    mkdirSync(join(dir, 'in'), { recursive: true });
    mkdirSync(join(dir, 'private'), { recursive: true });
    cpSync(join(FIXTURES, 'skimage_camera.png'), join(dir, 'in/camera.png'));
    cpSync(join(FIXTURES, 'skimage_rocket.jpg'), join(dir, 'private/secret.jpg'));
    const queueArgs = ['--queue', redis!.url, '--queue-name', `cli-root-${process.pid}`];
    expect((await runCli(['remove-bg', 'in', 'private', ...queueArgs], { cwd: dir })).stdout).toMatch(/enqueued 2 job/);

    const worker = spawn(process.execPath, [CLI, 'worker', ...queueArgs, '-o', 'out', '--input-root', 'in'], { cwd: dir, env: { ...process.env, PIXMUX_OFFLINE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: worker.stdout }).on('line', (line) => {
        lines.push(line);
        if (lines.filter((text) => /^(ok|FAIL) /.test(text)).length === 2) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ok {3}camera → /), expect.stringMatching(/^FAIL secret: invalid_request: The image path is outside the folder/)]));
    expect(lines.some((line) => line.startsWith('RETRY'))).toBe(false);
    expect(existsSync(join(dir, 'out/secret.png'))).toBe(false);
  }, 180_000);
});
