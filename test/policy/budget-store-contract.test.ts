import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryBudgetStore, PixmuxError, redisBudgetStore, type BudgetWindow, type RedisEvalClient } from 'pixmux';
import { windowFor } from '../../src/budget/windows.js';
import { budgetStoresSideBySide } from './budget-stores.js';

let serial = 0;
/** A window with a key of its own, expiring a minute from now. */
const freshWindow = (limitMicros: number): BudgetWindow => ({ key: `contract:${process.pid}:${Date.now()}:${++serial}`, limitMicros, expiresAt: Date.now() + 60_000 });

const stores = budgetStoresSideBySide();

describe.each(stores)('the BudgetStore contract: %s store', (_name, makeStore) => {
  it('counts what was reserved and adjusted, and reports it from spent()', async () => {
    const store = makeStore();
    const window = freshWindow(1_000_000);
    expect(await store.spent(window)).toBe(0);
    expect(await store.reserve([window], 250_000)).toEqual({ ok: true });
    expect(await store.spent(window)).toBe(250_000);
    await store.adjust([window], 50_000);
    expect(await store.spent(window)).toBe(300_000);
    await store.adjust([window], -100_000);
    expect(await store.spent(window)).toBe(200_000);
    await store.adjust([window], 0);
    expect(await store.spent(window)).toBe(200_000);
  });

  it('reserves up to the limit exactly, and refuses a micro-dollar more', async () => {
    const store = makeStore();
    const window = freshWindow(1_000);
    expect(await store.reserve([window], 1_000)).toEqual({ ok: true });
    expect(await store.reserve([window], 0)).toEqual({ ok: true });
    expect(await store.reserve([window], 1)).toEqual({ ok: false, key: window.key, spentMicros: 1_000, limitMicros: 1_000 });
    expect(await store.spent(window)).toBe(1_000);
  });

  it('adds to every window or to none, and names the window that refused', async () => {
    const store = makeStore();
    const roomy = freshWindow(10_000);
    const tight = freshWindow(500);
    const other = freshWindow(10_000);
    expect(await store.reserve([roomy, tight, other], 400)).toEqual({ ok: true });
    expect(await store.reserve([roomy, tight, other], 200)).toEqual({ ok: false, key: tight.key, spentMicros: 400, limitMicros: 500 });
    expect(await Promise.all([roomy, tight, other].map((w) => store.spent(w)))).toEqual([400, 400, 400]);
    await store.adjust([roomy, other], 9_700);
    expect(await store.reserve([roomy, tight, other], 50)).toEqual({ ok: false, key: roomy.key, spentMicros: 10_100, limitMicros: 10_000 });
    expect(await store.spent(tight)).toBe(400);
  });

  it('lets an adjust pass the limit (a bill above its reservation still counts)', async () => {
    const store = makeStore();
    const window = freshWindow(1_000);
    await store.adjust([window], 3_000);
    expect(await store.spent(window)).toBe(3_000);
    expect(await store.reserve([window], 0)).toEqual({ ok: false, key: window.key, spentMicros: 3_000, limitMicros: 1_000 });
  });

  it('accepts no windows at all', async () => {
    const store = makeStore();
    expect(await store.reserve([], 123)).toEqual({ ok: true });
    await expect(store.adjust([], 123)).resolves.toBeUndefined();
  });

  it('keeps amounts that would poison a counter away from it', async () => {
    const store = makeStore();
    const window = freshWindow(1_000);
    for (const bad of [Number.NaN, 1.5, Number.POSITIVE_INFINITY, -1]) {
      await expect(store.reserve([window], bad)).rejects.toThrow(new TypeError(`budget store reserve: amounts are whole micro-dollars, 0 or more (got ${bad})`));
    }
    for (const bad of [Number.NaN, 0.25, Number.NEGATIVE_INFINITY]) {
      await expect(store.adjust([window], bad)).rejects.toThrow(new TypeError(`budget store adjust: amounts are whole micro-dollars (got ${bad})`));
    }
    expect(await store.spent(window)).toBe(0);
  });
});

describe('memoryBudgetStore: a window is forgotten when it expires', () => {
  it('reads 0 from the moment a window expires, and counts it afresh when reused', async () => {
    let time = 1_000_000;
    const store = memoryBudgetStore({ now: () => time });
    const window = { key: 'day:x', limitMicros: 1_000, expiresAt: 2_000_000 };
    await store.reserve([window], 800);
    time = 1_999_999;
    expect(await store.spent(window)).toBe(800);
    expect(await store.reserve([window], 300)).toMatchObject({ ok: false, spentMicros: 800 });
    time = 2_000_000;
    expect(await store.spent(window)).toBe(0);
    const renewed = { ...window, expiresAt: 3_000_000 };
    expect(await store.reserve([renewed], 300)).toEqual({ ok: true });
    expect(await store.spent(renewed)).toBe(300);
    time = 2_500_000;
    await store.adjust([renewed], 100);
    expect(await store.spent(renewed)).toBe(400);
  });

  it('an adjust on an expired counter starts a new one rather than reviving the old amount', async () => {
    let time = 0;
    const store = memoryBudgetStore({ now: () => time });
    await store.reserve([{ key: 'k', limitMicros: 10_000, expiresAt: 100 }], 5_000);
    time = 100;
    await store.adjust([{ key: 'k', limitMicros: 10_000, expiresAt: 200 }], 7);
    expect(await store.spent({ key: 'k', limitMicros: 10_000, expiresAt: 200 })).toBe(7);
  });
});

describe('budget windows: UTC periods, and a counter that outlives its period by 10 minutes', () => {
  const at = Date.UTC(2026, 10, 30, 13, 45, 30, 250);
  const grace = 10 * 60_000;
  it.each([
    ['minute', 'minute:2026-11-30T13:45:00.000Z', Date.UTC(2026, 10, 30, 13, 46)],
    ['hour', 'hour:2026-11-30T13:00:00.000Z', Date.UTC(2026, 10, 30, 14)],
    ['day', 'day:2026-11-30T00:00:00.000Z', Date.UTC(2026, 11, 1)],
    ['month', 'month:2026-11-01T00:00:00.000Z', Date.UTC(2026, 11, 1)],
  ] as const)('%s', (per, key, end) => {
    expect(windowFor({ usd: 2.5, per }, at)).toEqual({ key, limitMicros: 2_500_000, expiresAt: end + grace });
  });

  it('a month window rolls over the year', () => {
    expect(windowFor({ usd: 1, per: 'month' }, Date.UTC(2026, 11, 31, 23, 59))).toEqual({ key: 'month:2026-12-01T00:00:00.000Z', limitMicros: 1_000_000, expiresAt: Date.UTC(2027, 0, 1) + grace });
  });
});

/** A Redis stand-in that records what the store sends, with a script cache like the real server's. */
function recordingClient(options: { cached?: boolean; evalshaError?: Error; evalError?: Error; answer?: unknown } = {}) {
  const calls: Array<{ method: 'eval' | 'evalsha'; first: string; numKeys: number; rest: Array<string | number> }> = [];
  const client: Required<RedisEvalClient> = {
    async eval(script, numKeys, ...rest) {
      calls.push({ method: 'eval', first: script, numKeys, rest });
      if (options.evalError) throw options.evalError;
      return 'answer' in options ? options.answer : [1];
    },
    async evalsha(sha, numKeys, ...rest) {
      calls.push({ method: 'evalsha', first: sha, numKeys, rest });
      if (options.evalshaError) throw options.evalshaError;
      if (!options.cached) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return 'answer' in options ? options.answer : [1];
    },
  };
  return { client, calls };
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const window = { key: 'day:2026-11-30T00:00:00.000Z', limitMicros: 5_000, expiresAt: 1_900_000_000_000 };

describe('redisBudgetStore: what it sends to the client', () => {
  it('keys every window under the default prefix pixmux:{budget}: (one Cluster slot)', async () => {
    const { client, calls } = recordingClient({ cached: true });
    const store = redisBudgetStore({ client });
    await store.reserve([window, { ...window, key: 'minute:x', limitMicros: 700 }], 300);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ numKeys: 2, rest: [`pixmux:{budget}:${window.key}`, 'pixmux:{budget}:minute:x', 300, 5_000, 700, window.expiresAt, window.expiresAt] });
  });

  it('runs a cached script by its SHA-1 (the digest Redis keys its script cache by), and sends the script itself only on NOSCRIPT', async () => {
    const cached = recordingClient({ cached: true });
    await redisBudgetStore({ client: cached.client, prefix: 'p:' }).reserve([window], 1);
    expect(cached.calls.map((c) => c.method)).toEqual(['evalsha']);

    const cold = recordingClient({ cached: false });
    const store = redisBudgetStore({ client: cold.client, prefix: 'p:' });
    expect(await store.reserve([window], 1)).toEqual({ ok: true });
    expect(cold.calls.map((c) => c.method)).toEqual(['evalsha', 'eval']);
    const [byHash, byScript] = cold.calls;
    expect(byHash!.first).toBe(sha1(byScript!.first));
    expect(byHash!.first).toBe(cached.calls[0]!.first);
    expect(byHash!.rest).toEqual(byScript!.rest);
    await store.reserve([window], 1);
    expect(cold.calls[2]).toMatchObject({ method: 'evalsha', first: byHash!.first });
  });

  describe('where WebCrypto cannot hash', () => {
    afterEach(() => vi.restoreAllMocks());
    it('sends the script itself every time, never a hash', async () => {
      vi.spyOn(globalThis.crypto.subtle, 'digest').mockRejectedValue(new Error('SHA-1 is not available here'));
      const { client, calls } = recordingClient({ cached: true });
      const store = redisBudgetStore({ client });
      expect(await store.reserve([window], 1)).toEqual({ ok: true });
      await store.adjust([window], 5);
      expect(calls.map((c) => c.method)).toEqual(['eval', 'eval']);
    });
  });

  it('sends nothing for an adjust of 0 or one without windows, nor for a reserve without windows', async () => {
    const { client, calls } = recordingClient({ cached: true });
    const store = redisBudgetStore({ client });
    await store.adjust([window], 0);
    await store.adjust([], 40);
    expect(await store.reserve([], 40)).toEqual({ ok: true });
    expect(calls).toHaveLength(0);
    await store.adjust([window], -40);
    expect(calls[0]).toMatchObject({ numKeys: 1, rest: [`pixmux:{budget}:${window.key}`, -40, window.expiresAt] });
  });

  it('reads spent() from the prefixed key, 0 when Redis has none', async () => {
    const empty = recordingClient({ cached: true, answer: null as never });
    expect(await redisBudgetStore({ client: empty.client, prefix: 'q:' }).spent(window)).toBe(0);
    expect(empty.calls[0]).toMatchObject({ numKeys: 1, rest: [`q:${window.key}`] });
    const some = recordingClient({ cached: true, answer: 1234 });
    expect(await redisBudgetStore({ client: some.client }).spent(window)).toBe(1234);
  });

  it('maps a refusal to the window Redis named (1-based), with its count', async () => {
    const second = { ...window, key: 'minute:y', limitMicros: 900 };
    const { client } = recordingClient({ cached: true, answer: [0, 2, 850] });
    expect(await redisBudgetStore({ client }).reserve([window, second], 100)).toEqual({ ok: false, key: 'minute:y', spentMicros: 850, limitMicros: 900 });
  });

  it.each([
    ['evalsha', { cached: true, evalshaError: new Error('ERR connection lost') }, ['evalsha']],
    ['eval', { evalError: new Error('ERR connection lost') }, ['evalsha', 'eval']],
  ] as const)('turns a %s failure into a retryable provider_unavailable naming the cause', async (_method, options, methods) => {
    const { client, calls } = recordingClient(options);
    const error = await redisBudgetStore({ client }).reserve([window], 1).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true, message: expect.stringContaining('Budget store (Redis) failed: ERR connection lost') });
    expect((error as PixmuxError).cause).toMatchObject({ message: 'ERR connection lost' });
    expect(calls.map((c) => c.method)).toEqual(methods);
  });

  it('refuses a missing client with invalid_request, not a TypeError', () => {
    for (const options of [undefined, {}, { client: { eval: 'no' } }]) {
      expect(() => redisBudgetStore(options as never)).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringContaining('eval(script, numKeys') }));
    }
  });
});
