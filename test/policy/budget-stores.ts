import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { memoryBudgetStore, redisBudgetStore, type BudgetStore } from 'pixmux';
import { redisUnavailableReason, startRedis, type RedisHandle } from './redis-server.js';

/**
 * The budget stores to run one suite against, side by side: memory, and Redis when a server is available (started
 * once for the file, each store with a connection and key prefix of its own). Call at the top of a test file: it
 * registers the hooks that start and stop the server.
 */
export function budgetStoresSideBySide(): Array<[string, () => BudgetStore]> {
  const unavailable = redisUnavailableReason();
  let redis: RedisHandle | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    if (!unavailable) redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    await redis?.stop();
  });
  const memory: [string, () => BudgetStore] = ['memory', () => memoryBudgetStore()];
  if (unavailable) return [memory];
  const shared: [string, () => BudgetStore] = [
    'redis',
    () => {
      const client = new Redis(redis!.url, { maxRetriesPerRequest: 1 });
      clients.push(client);
      return redisBudgetStore({ client, prefix: `pixmux-test:${Math.random().toString(36).slice(2)}:` });
    },
  ];
  return [memory, shared];
}
