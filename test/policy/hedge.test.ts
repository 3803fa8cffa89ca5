import { describe, expect, it } from 'vitest';
import { clientWith, PNG, stub, wait } from './stub.js';

describe('hedging', () => {
  it('starts the next candidate when the first is slow, returns the faster and aborts the slower', async () => {
    // The slow one would take ten minutes: without the hedge (and its abort) the test would time out.
    const slow = stub('slow', { tier: 'cheap', priceUsd: 0.01, answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }], costUsd: 0.01 }) });
    const fast = stub('fast', { tier: 'premium', priceUsd: 0.04, answer: async (_n, ctx) => (await wait(1, ctx.signal), { images: [{ bytes: PNG }], costUsd: 0.04 }) });
    const { px, events } = clientWith([slow.provider, fast.provider], { policy: { hedgeAfterMs: 20 } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('fast');
    expect(slow.state.signals[0]!.aborted).toBe(true);
    expect(fast.state.signals[0]!.aborted).toBe(false);
    expect(result.costUsd).toBe(0.04);
    expect(result.attempts).toMatchObject([
      { provider: 'fast', ok: true, costUsd: 0.04 },
      { provider: 'slow', ok: false, error: { code: 'aborted', message: 'Cancelled: fast answered first' } },
    ]);
    expect(events.find((e) => e.type === 'hedge.started')).toMatchObject({ provider: 'fast', after: 'slow', afterMs: 20 });
  });

  it('counts what the loser billed before it was aborted', async () => {
    // The loser splits n=2 into two calls: the first answers (and bills), the second hangs until aborted.
    const split = stub('split', {
      tier: 'cheap',
      maxImagesPerCall: 1,
      answer: async (n, ctx) => (n === 1 ? { images: [{ bytes: PNG }], costUsd: 0.02 } : (await wait(5_000, ctx.signal), { images: [{ bytes: PNG }], costUsd: 0.02 })),
    });
    const fast = stub('fast', { tier: 'premium', maxImagesPerCall: 2, answer: async (_n, ctx) => (await wait(1, ctx.signal), { images: [{ bytes: PNG }, { bytes: PNG }], costUsd: 0.03 }) });
    const result = await clientWith([split.provider, fast.provider], { policy: { hedgeAfterMs: 10 } }).px.generate({ prompt: 'x', n: 2 });
    expect(result.provider).toBe('fast');
    expect(result.attempts).toMatchObject([{ provider: 'fast', costUsd: 0.03 }, { provider: 'split', ok: false, costUsd: 0.02 }]);
    expect(result.costUsd).toBe(0.05);
  });

  it('does not start a second provider when the first answers in time', async () => {
    const quick = stub('quick', { tier: 'cheap', answer: async (_n, ctx) => (await wait(1, ctx.signal), { images: [{ bytes: PNG }] }) });
    const other = stub('other', { tier: 'premium' });
    const result = await clientWith([quick.provider, other.provider], { policy: { hedgeAfterMs: 200 } }).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('quick');
    expect(other.state.calls).toBe(0);
    expect(result.attempts).toHaveLength(1);
  });

  it('falls back at once when the first fails before the hedge delay, and a per-call policy can turn hedging on', async () => {
    const slow = stub('slow', { tier: 'cheap', answer: async (_n, ctx) => (await wait(5_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const fast = stub('fast', { tier: 'premium' });
    const { px } = clientWith([slow.provider, fast.provider]);
    const result = await px.generate({ prompt: 'x', policy: { hedgeAfterMs: 5 } });
    expect(result.provider).toBe('fast');
    expect(slow.state.signals[0]!.aborted).toBe(true);
  });

  it('when every hedged attempt fails, the call fails with all of them', async () => {
    const a = stub('a', { tier: 'cheap', answer: async (_n, ctx) => (await wait(30, ctx.signal), Promise.reject(new Error('boom a'))) });
    const b = stub('b', { tier: 'premium', answer: async (_n, ctx) => (await wait(30, ctx.signal), Promise.reject(new Error('boom b'))) });
    const error = await clientWith([a.provider, b.provider], { policy: { hedgeAfterMs: 5 }, retry: { retries: 0 } }).px.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'all_failed' });
    expect((error as { attempts: unknown[] }).attempts).toHaveLength(2);
  });
});
