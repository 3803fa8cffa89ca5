import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { skipReason } from '../helpers/shared.js';

export interface RedisHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * Why no Redis is available, or false when one can be used (REDIS_URL, or a local redis-server binary): a reason for
 * `describe.skipIf`. In CI (as `.ci/run` runs) a missing Redis throws instead, so the Redis store tests fail the run
 * rather than skip.
 */
export function redisUnavailableReason(): string | false {
  if (process.env.REDIS_URL) return false;
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  const missing = probe.error || probe.status !== 0 ? 'no REDIS_URL and no redis-server binary on PATH (install it: apt-get install -y redis-server, or run scripts/ensure-redis-binary.sh)' : undefined;
  return skipReason(missing && `the Redis store tests cannot run: ${missing}`);
}

/** Uses REDIS_URL when set; otherwise starts a throwaway redis-server on a free local port (no persistence) and stops it after. */
export async function startRedis(): Promise<RedisHandle> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server did not answer at ${url}`);
}
