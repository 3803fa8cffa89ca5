import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PixmuxError, redisBudgetStore } from 'pixmux';
import { clientWith, PNG, stub } from './stub.js';
import { dayKey, freezeDateAtNoonTomorrow, realNow } from '../helpers/clock.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from './redis-server.js';

const unavailable = redisUnavailableReason();

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.skipIf(unavailable)('redisBudgetStore against a real redis-server', () => {
  let redis: RedisHandle;
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };

  // Windows are keyed by the UTC minute and day: Date stands still at noon tomorrow (timers stay real), so a test
  // cannot straddle a boundary, and the keys' absolute expiries (PEXPIREAT) are in the future for the real server.
  let now: number;
  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => {
    now = freezeDateAtNoonTomorrow();
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    await redis?.stop();
  });

  it('two clients sharing one Redis never pass the limit together (1,000 concurrent calls)', async () => {
    const prefix = `pixmux-test:${Date.now()}:race:`;
    const api = stub('api', { priceUsd: 0.003, answer: async () => (await tick(), { images: [{ bytes: PNG }], costUsd: 0.003 }) });
    const options = (client: Redis) => ({ budget: { limits: [{ usd: 1, per: 'day' as const }], store: redisBudgetStore({ client, prefix }) }, policy: { spill: { maxQueue: 10_000 } }, circuit: false as const });
    const one = clientWith([api.provider], options(connect())).px;
    const two = clientWith([api.provider], options(connect())).px;
    const outcomes = await Promise.allSettled(Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? one : two).generate({ prompt: 'x' })));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    expect(ok).toHaveLength(333);
    expect(outcomes.every((o) => o.status === 'fulfilled' || (PixmuxError.isInstance(o.reason) && o.reason.code === 'budget_exceeded'))).toBe(true);
    expect(api.state.calls).toBe(333);
    const reader = connect();
    const [key] = await reader.keys(`${prefix}day:*`);
    expect(key).toBe(`${prefix}${dayKey(now)}`);
    expect(Number(await reader.get(key!))).toBe(999_000);
    // The key expires 10 minutes after its day ends (Redis counts in real time).
    const dayEnd = now + 12 * 3_600_000;
    const before = realNow();
    const ttl = await reader.pttl(key!);
    expect(ttl).toBeGreaterThan(dayEnd - before);
    expect(ttl).toBeLessThanOrEqual(dayEnd + 10 * 60_000 - before);
  });

  it('settles to the billed amount and gives a failed call its reservation back', async () => {
    const prefix = `pixmux-test:${Date.now()}:settle:`;
    const client = connect();
    let n = 0;
    const api = stub('api', { priceUsd: 0.5, answer: () => (++n === 1 ? Promise.reject(Object.assign(new Error('bad gateway'), { name: 'Whatever' })) : { images: [{ bytes: PNG }], costUsd: 0.2 }) });
    const { px } = clientWith([api.provider], { retry: { retries: 0 }, budget: { limits: [{ usd: 1, per: 'minute' }], store: redisBudgetStore({ client, prefix }) } });
    await px.generate({ prompt: 'x' }).catch(() => {});
    await px.generate({ prompt: 'x' });
    const [key] = await client.keys(`${prefix}minute:*`);
    expect(Number(await client.get(key!))).toBe(200_000);
    expect(key).toBe(`${prefix}minute:${new Date(now).toISOString()}`);
    // The key expires 10 minutes after its minute ends (Redis counts in real time, read after the clock here;
    // a millisecond of rounding either side).
    const before = realNow();
    expect(await client.pttl(key!)).toBeLessThanOrEqual(now + 60_000 + 10 * 60_000 - before + 1);
  });

  it('works with eval alone (no evalsha), and with a script cache that was flushed', async () => {
    const client = connect();
    const evalOnly = { eval: client.eval.bind(client) as never };
    const window = { key: `pixmux-test:${Date.now()}:w`, limitMicros: 1_000, expiresAt: Date.now() + 60_000 };
    const plain = redisBudgetStore({ client: evalOnly, prefix: '' });
    expect(await plain.reserve([window], 600)).toEqual({ ok: true });
    expect(await plain.reserve([window], 600)).toEqual({ ok: false, key: window.key, spentMicros: 600, limitMicros: 1_000 });
    await client.script('FLUSH');
    const withSha = redisBudgetStore({ client, prefix: '' });
    expect(await withSha.reserve([window], 400)).toEqual({ ok: true });
    await withSha.adjust([window], -1_000);
    expect(await withSha.spent(window)).toBe(0);
  });

  it('turns a Redis failure into a typed error, which the policy treats as a refusal', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => {});
    const store = redisBudgetStore({ client: dead });
    const error = await store.reserve([{ key: 'k', limitMicros: 1, expiresAt: Date.now() + 1_000 }], 1).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error)).toBe(true);
    dead.disconnect();
  });
});

describe('redisBudgetStore without Redis', () => {
  it('rejects a client without eval', () => {
    expect(() => redisBudgetStore({ client: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
