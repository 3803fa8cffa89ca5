import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryBudgetStore, PixmuxError, type BudgetStore } from 'pixmux';
import { clientWith, fail, PNG, stub } from './stub.js';
import { rejectionOf as failure } from '../helpers/errors.js';
import { dayKey, freezeDateAtNoonTomorrow } from '../helpers/clock.js';

afterEach(() => vi.useRealTimers());

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('per-call cap', () => {
  it('passes over a candidate whose estimate would break maxCostPerCallUsd', async () => {
    const cheap = stub('cheap', { tier: 'cheap', priceUsd: 0.01, answer: fail('provider_error', 500) });
    const premium = stub('premium', { tier: 'premium', priceUsd: 0.08 });
    const { px, events } = clientWith([cheap.provider, premium.provider], { retry: { retries: 0 }, budget: { maxCostPerCallUsd: 0.05 } });
    const error = await failure(px.generate({ prompt: 'x' }));
    // One provider was called: the call fails with its own error, the skip is in the attempts.
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(500);
    expect(error.attempts).toMatchObject([{ provider: 'cheap', error: { code: 'provider_error' } }, { provider: 'premium', skipped: 'over_budget' }]);
    expect(premium.state.calls).toBe(0);
    expect(events.find((e) => e.type === 'budget.refused')).toMatchObject({ provider: 'premium', usd: 0.08, reason: 'per-call cap' });
  });

  it('fails with budget_exceeded when every candidate is over budget, and the call can override the cap', async () => {
    const premium = stub('premium', { tier: 'premium', priceUsd: 0.08 });
    const { px } = clientWith([premium.provider], { budget: { maxCostPerCallUsd: 0.05 } });
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('budget_exceeded');
    expect(error.attempts).toEqual([expect.objectContaining({ provider: 'premium', skipped: 'over_budget' })]);
    expect((await px.generate({ prompt: 'x', maxCostUsd: 0.1 })).costUsd).toBe(0.08);
    expect((await failure(clientWith([premium.provider]).px.generate({ prompt: 'x', maxCostUsd: 0.01 }))).code).toBe('budget_exceeded');
  });

  it('counts what earlier attempts billed against the cap', async () => {
    // Bills for a chunk that succeeded, then fails on the next: the call has spent money already.
    let n = 0;
    const partial = stub('partial', { priceUsd: 0.03, maxImagesPerCall: 1, answer: () => (++n === 1 ? { images: [{ bytes: PNG }], costUsd: 0.03 } : fail('provider_unavailable')()) });
    const second = stub('second', { tier: 'premium', priceUsd: 0.03 });
    const { px } = clientWith([partial.provider, second.provider], { budget: { maxCostPerCallUsd: 0.05 } });
    const error = await failure(px.generate({ prompt: 'x', n: 2 }));
    expect(error.attempts).toMatchObject([{ provider: 'partial', costUsd: 0.03 }, { provider: 'second', skipped: 'over_budget' }]);
  });
});

describe('period limits', () => {
  // Windows are keyed by the UTC minute, hour and day: a test that crossed a boundary would split its spend over two
  // windows. Date stands still at noon (timers stay real); the turn of a day is tested on purpose below.
  let now: number;
  beforeEach(() => {
    now = freezeDateAtNoonTomorrow();
  });

  it('1,000 concurrent calls never pass a daily limit', async () => {
    const store = memoryBudgetStore();
    const provider = stub('api', { priceUsd: 0.003, answer: async () => (await tick(), { images: [{ bytes: PNG }], costUsd: 0.003 }) });
    const { px } = clientWith([provider.provider], { budget: { limits: [{ usd: 1, per: 'day' }], store }, policy: { spill: { maxQueue: 10_000 } }, circuit: false });
    const outcomes = await Promise.allSettled(Array.from({ length: 1_000 }, () => px.generate({ prompt: 'x' })));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(ok).toHaveLength(333);
    expect(refused.every((o) => PixmuxError.isInstance(o.reason) && o.reason.code === 'budget_exceeded')).toBe(true);
    expect(provider.state.calls).toBe(333);
    const spent = ok.reduce((sum, o) => sum + (o as PromiseFulfilledResult<{ costUsd: number }>).value.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(1);
    expect(await store.spent({ key: dayKey(now), limitMicros: 1_000_000, expiresAt: 0 })).toBe(999_000);
  });

  it('settles to the billed cost: a cheaper bill frees room, a failure that billed nothing gives it all back', async () => {
    const store = memoryBudgetStore();
    let n = 0;
    const provider = stub('api', { priceUsd: 0.5, answer: () => (++n === 1 ? fail('provider_unavailable')() : { images: [{ bytes: PNG }], costUsd: 0.2 }) });
    const { px, events } = clientWith([provider.provider], { budget: { limits: [{ usd: 1, per: 'hour' }], store } });
    await px.generate({ prompt: 'x' }).catch(() => {});
    for (let i = 0; i < 3; i++) await px.generate({ prompt: 'x' });
    // Each call reserves $0.5 and settles to $0.2: after 3 × $0.2 = $0.6, the next estimate ($0.5) no longer fits.
    expect((await failure(px.generate({ prompt: 'x' }))).code).toBe('budget_exceeded');
    expect(events.filter((e) => e.type === 'budget.settled').map((e) => (e as { actualUsd: number }).actualUsd)).toEqual([0, 0.2, 0.2, 0.2]);
    expect(events.filter((e) => e.type === 'budget.reserved')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'budget.refused').at(-1)).toMatchObject({ provider: 'api', usd: 0.5 });
  });

  it('skips to a cheaper provider when the dearer one no longer fits the period', async () => {
    const dear = stub('dear', { tier: 'cheap', priceUsd: 0.6 });
    const cheaper = stub('cheaper', { tier: 'premium', priceUsd: 0.3 });
    const { px } = clientWith([dear.provider, cheaper.provider], { budget: { limits: [{ usd: 1, per: 'day' }] } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('dear');
    const second = await px.generate({ prompt: 'x' });
    expect(second.provider).toBe('cheaper');
    expect(second.attempts[0]).toMatchObject({ provider: 'dear', skipped: 'over_budget' });
    expect(second.attempts[0]!.detail).toMatch(/day:/);
  });

  it('starts a fresh window when the period turns over (UTC)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T23:59:59Z'));
    const api = stub('api', { priceUsd: 1 });
    const { px } = clientWith([api.provider], { budget: { limits: [{ usd: 1, per: 'day' }] } });
    await px.generate({ prompt: 'x' });
    expect((await failure(px.generate({ prompt: 'x' }))).code).toBe('budget_exceeded');
    vi.setSystemTime(new Date('2026-11-26T00:00:01Z'));
    expect((await px.generate({ prompt: 'x' })).costUsd).toBe(1);
  });

  it('checks every limit: a minute limit refuses even when the day has room', async () => {
    const api = stub('api', { priceUsd: 0.1 });
    const { px } = clientWith([api.provider], { budget: { limits: [{ usd: 100, per: 'day' }, { usd: 0.25, per: 'minute' }] } });
    await px.generate({ prompt: 'x' });
    await px.generate({ prompt: 'x' });
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.attempts![0]!.detail).toMatch(/minute:/);
  });

  it('fails closed when the store cannot be reached', async () => {
    const broken: BudgetStore = { reserve: () => Promise.reject(new Error('connection refused')), adjust: async () => {}, spent: async () => 0 };
    const api = stub('api');
    const error = await failure(clientWith([api.provider], { budget: { limits: [{ usd: 10, per: 'day' }], store: broken } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('budget_exceeded');
    expect(error.attempts![0]!.detail).toMatch(/budget store failed \(connection refused\)/);
    expect(api.state.calls).toBe(0);
  });

  it('a store that never answers holds the call only until its deadline', async () => {
    let late!: (answer: { ok: true }) => void;
    const adjusted: number[] = [];
    const hanging: BudgetStore = { reserve: () => new Promise((resolve) => (late = resolve)), adjust: async (_w, delta) => void adjusted.push(delta), spent: async () => 0 };
    const api = stub('api');
    const error = await failure(clientWith([api.provider], { budget: { limits: [{ usd: 10, per: 'day' }], store: hanging } }).px.generate({ prompt: 'x', timeoutMs: 30 }));
    expect(error.code).toBe('timeout');
    expect(api.state.calls).toBe(0);
    // The reservation that lands after the call ended is given back.
    late({ ok: true });
    await tick();
    await tick();
    expect(adjusted).toEqual([-10_000]);
  });

  it('rejects a malformed budget at construction', () => {
    const api = stub('api');
    for (const budget of [{ limits: [{ usd: -1, per: 'day' }] }, { limits: [{ usd: 1, per: 'week' }] }, { maxCostPerCallUsd: Number.NaN }, { store: {} }]) {
      expect(() => clientWith([api.provider], { budget: budget as never })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
  });
});
