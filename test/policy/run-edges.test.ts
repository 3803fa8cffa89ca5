import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineProvider, pixmuxError, type NormalizedRequest } from 'pixmux';
import { rejectionOf } from '../helpers/errors.js';
import { clientWith, fail, PNG, storeAnswering, stub, wait } from './stub.js';

afterEach(() => vi.useRealTimers());

const listed = { order: 'listed' as const };
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A promise the test settles, for providers that must hang until told. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

describe('provider.skipped events', () => {
  it('one per provider passed over, at planning and at admission, with the reason and what decided it', async () => {
    const noKey = stub('no-key', { hasCredentials: () => false });
    const noGenerate = { provider: defineProvider({ id: 'no-generate', operations: { removeBackground: async () => ({ images: [{ bytes: PNG }] }) } }) };
    const pricey = stub('pricey', { priceUsd: 0.5 });
    const good = stub('good');
    const { px, events } = clientWith([noKey.provider, noGenerate.provider, pricey.provider, good.provider], { policy: listed });
    const result = await px.generate({ prompt: 'x', maxCostUsd: 0.1 });
    expect(result.provider).toBe('good');
    expect(events.filter((event) => event.type === 'provider.skipped')).toEqual([
      expect.objectContaining({ provider: 'no-key', reason: 'missing_credentials', detail: 'no-key has no API key' }),
      expect.objectContaining({ provider: 'no-generate', reason: 'unsupported', detail: 'no-generate does not implement generate' }),
      expect.objectContaining({ provider: 'pricey', reason: 'over_budget', detail: expect.stringMatching(/^pricey may cost up to \$0.5;/) }),
    ]);
    // A skipped attempt is never ok, and carries an expected wait only when saturation decided it.
    for (const skipped of result.attempts.slice(0, 3)) {
      expect(skipped.ok).toBe(false);
      expect(skipped).not.toHaveProperty('expectedWaitMs');
    }
  });

  it('a provider whose hasCredentials throws is passed over as missing credentials', async () => {
    const odd = stub('odd', { hasCredentials: () => { throw new Error('keychain locked'); } });
    const good = stub('good');
    const result = await clientWith([odd.provider, good.provider], { policy: listed }).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('good');
    expect(result.attempts[0]).toMatchObject({ provider: 'odd', skipped: 'missing_credentials' });
    expect(odd.state.calls).toBe(0);
  });

  it('what supports() answers becomes the detail: its own reason, a default for false or an empty reason, or what it threw', async () => {
    const reasons = [
      ['says-why', () => 'prompts over 77 tokens are cut'],
      ['says-false', () => false],
      ['says-empty', () => ''],
      ['throws', () => { throw new Error('boom'); }],
    ] as const;
    const providers = reasons.map(([id, supports]) => stub(id, { supports: supports as () => true | string }).provider);
    const error = await rejectionOf(clientWith(providers, { policy: listed }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('unsupported');
    expect(error.attempts!.map((attempt) => attempt.detail)).toEqual(['prompts over 77 tokens are cut', 'says-false cannot run this request', 'says-empty cannot run this request', 'throws.supports threw: boom']);
    expect(error.message).toBe('No provider can run generate for this request (says-why: prompts over 77 tokens are cut; says-false: says-false cannot run this request; says-empty: says-empty cannot run this request; throws: throws.supports threw: boom)');
  });

  it('an unknown provider named by the call is an invalid_request that lists the configured ones', async () => {
    const { px } = clientWith([stub('a').provider, stub('b').provider]);
    const error = await rejectionOf(px.generate({ prompt: 'x', providers: ['zzz'] }));
    expect(error).toMatchObject({ code: 'invalid_request', message: 'providers: unknown provider "zzz" (configured: a, b)' });
  });
});

describe('the final error when nothing succeeded', () => {
  it('all_failed names each failure (with its HTTP status when it had one) and each provider passed over; its cause is the last failure', async () => {
    const noKey = stub('no-key', { hasCredentials: () => false });
    const noGenerate = { provider: defineProvider({ id: 'no-generate', operations: { removeBackground: async () => ({ images: [{ bytes: PNG }] }) } }) };
    const a = stub('a', { answer: fail('provider_error', 500) });
    const b = stub('b', { answer: fail('auth', 401) });
    const c = stub('c', { answer: fail('provider_unavailable') });
    const error = await rejectionOf(clientWith([noKey.provider, noGenerate.provider, a.provider, b.provider, c.provider], { policy: listed, retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('all_failed');
    expect(error.message).toBe(
      'All 3 providers failed for generate: a: provider_error (500); b: auth (401); c: provider_unavailable; passed over: no-key: no-key has no API key; no-generate: no-generate does not implement generate',
    );
    expect(error.cause).toMatchObject({ code: 'provider_unavailable', message: 'stub failure: provider_unavailable' });
  });

  it('all_failed without any provider passed over names only the failures', async () => {
    const a = stub('a', { answer: fail('provider_error', 500) });
    const b = stub('b', { answer: fail('auth', 401) });
    const error = await rejectionOf(clientWith([a.provider, b.provider], { policy: listed, retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error.message).toBe('All 2 providers failed for generate: a: provider_error (500); b: auth (401)');
  });

  it('all_failed is retryable with the soonest retryAfterMs only when every failure was retryable and gave one', async () => {
    const limited = (id: string, retryAfterMs?: number, retryable = true) =>
      stub(id, { answer: () => Promise.reject(pixmuxError('rate_limited', `${id} is busy`, { retryable, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })) }).provider;
    const run = async (...providers: ReturnType<typeof limited>[]) => rejectionOf(clientWith(providers, { policy: listed, retry: { retries: 0 } }).px.generate({ prompt: 'x' }));

    const both = await run(limited('a', 3_000), limited('b', 1_000));
    expect(both).toMatchObject({ code: 'all_failed', retryable: true, retryAfterMs: 1_000 });

    const oneWithout = await run(limited('a', 3_000), limited('b'));
    expect(oneWithout).toMatchObject({ code: 'all_failed', retryable: true });
    expect(oneWithout.retryAfterMs).toBeUndefined();

    const oneFinal = await run(limited('a', 3_000), limited('b', 1_000, false));
    expect(oneFinal).toMatchObject({ code: 'all_failed', retryable: false });
    expect(oneFinal.retryAfterMs).toBeUndefined();
  });

  it('budget_exceeded names every candidate and the figures that ruled it out', async () => {
    const pricey = stub('pricey', { priceUsd: 0.05 });
    const error = await rejectionOf(clientWith([pricey.provider]).px.generate({ prompt: 'x', maxCostUsd: 0.01 }));
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toBe("Every candidate for generate would break a cost limit (pricey: pricey may cost up to $0.05; with $0 already spent or running, that passes this call's cap of $0.01)");
  });

  it('a fallback is logged at info level with the code that caused it', async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (message: string) => lines.push(message), warn: () => {}, error: () => {} };
    const a = stub('a', { answer: fail('provider_error', 500) });
    const b = stub('b');
    await clientWith([a.provider, b.provider], { logger, policy: listed, retry: { retries: 0 } }).px.generate({ prompt: 'x' });
    expect(lines).toContain('[pixmux] a failed (provider_error); trying the next provider');
  });
});

describe("the call's own cap across attempts", () => {
  it("a failed attempt's reservation is given back: the next candidate fits under the cap again", async () => {
    const a = stub('a', { priceUsd: 0.03, answer: fail('provider_unavailable') });
    const b = stub('b', { priceUsd: 0.03 });
    const result = await clientWith([a.provider, b.provider], { policy: listed }).px.generate({ prompt: 'x', maxCostUsd: 0.05 });
    expect(result.provider).toBe('b');
  });

  it('a hedge is not started when its estimate and the running attempt’s would pass the cap together', async () => {
    const slow = gate();
    const a = stub('a', { priceUsd: 0.03, answer: async () => (await slow.opened, { images: [{ bytes: PNG }], costUsd: 0.03 }) });
    const b = stub('b', { priceUsd: 0.03 });
    const { px, events } = clientWith([a.provider, b.provider], { policy: { ...listed, hedgeAfterMs: 5 } });
    const call = px.generate({ prompt: 'x', maxCostUsd: 0.05 });
    while (!events.some((event) => event.type === 'budget.refused')) await tick();
    slow.release();
    const result = await call;
    expect(result.provider).toBe('a');
    expect(b.state.calls).toBe(0);
    expect(result.attempts[0]).toMatchObject({
      provider: 'b',
      skipped: 'over_budget',
      detail: "b may cost up to $0.03; with $0.03 already spent or running, that passes this call's cap of $0.05",
    });
  });
});

describe('hedging edges', () => {
  it('a second hedge names the provider it started and the one it joined', async () => {
    const c = stub('c');
    const a = stub('a', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const b = stub('b', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const { px, events } = clientWith([a.provider, b.provider, c.provider], { policy: { ...listed, hedgeAfterMs: 5 } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('c');
    expect(events.filter((event) => event.type === 'hedge.started')).toEqual([
      expect.objectContaining({ provider: 'b', after: 'a' }),
      expect.objectContaining({ provider: 'c', after: 'b' }),
    ]);
  });

  it('a hedged attempt stopped by another’s final failure records that failure as its reason', async () => {
    const a = stub('a', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const b = stub('b', { answer: fail('content_policy', 400) });
    const error = await rejectionOf(clientWith([a.provider, b.provider], { policy: { ...listed, hedgeAfterMs: 5 } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
    expect(a.state.signals[0]!.aborted).toBe(true);
    expect(error.attempts).toMatchObject([
      { provider: 'b', ok: false, error: { code: 'content_policy' } },
      { provider: 'a', ok: false, error: { code: 'content_policy' } },
    ]);
  });

  it('a hedge that fails while the first still runs is no fallback: the next candidate waits for the hedge delay', async () => {
    const a = stub('a', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const b = stub('b', { answer: fail('provider_unavailable') });
    const c = stub('c');
    const { px, events } = clientWith([a.provider, b.provider, c.provider], { policy: { ...listed, hedgeAfterMs: 5 }, retry: { retries: 0 } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('c');
    expect(events.some((event) => event.type === 'fallback')).toBe(false);
    expect(events.filter((event) => event.type === 'hedge.started').map((event) => (event as { provider: string }).provider)).toEqual(['b', 'c']);
  });

  it('a candidate passed over as busy is not started as a hedge while another attempt runs', async () => {
    const slow = gate();
    const busy = stub('busy', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 0, limit: 1 }) });
    const a = stub('a', { priceUsd: 0.01, answer: async () => (await slow.opened, { images: [{ bytes: PNG }], costUsd: 0.01 }) });
    const pricey = stub('pricey', { priceUsd: 1 });
    const { px, events } = clientWith([busy.provider, a.provider, pricey.provider], { policy: { ...listed, hedgeAfterMs: 5, spill: { maxQueue: 0 } } });
    const call = px.generate({ prompt: 'x', maxCostUsd: 0.5 });
    while (!events.some((event) => event.type === 'budget.refused')) await tick();
    for (let i = 0; i < 5; i++) await tick();
    slow.release();
    const result = await call;
    expect(result.provider).toBe('a');
    expect(busy.state.calls).toBe(0);
  });

  it('the hedge starts exactly hedgeAfterMs after the last start, and the call leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const a = stub('a', { answer: async (_n, ctx) => (await wait(1_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const b = stub('b');
    const { px } = clientWith([a.provider, b.provider], { policy: { ...listed, hedgeAfterMs: 100 } });
    const call = px.generate({ prompt: 'x' });
    await vi.advanceTimersByTimeAsync(99);
    expect(b.state.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.state.calls).toBe(1);
    expect((await call).provider).toBe('b');

    const quick = stub('quick', { answer: async (_n, ctx) => (await wait(50, ctx.signal), { images: [{ bytes: PNG }] }) });
    const other = stub('other');
    const second = clientWith([quick.provider, other.provider], { policy: { ...listed, hedgeAfterMs: 100 } }).px.generate({ prompt: 'x' });
    await vi.advanceTimersByTimeAsync(50);
    expect((await second).provider).toBe('quick');
    expect(other.state.calls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('coming back to providers passed over as busy', () => {
  it('waits for the one with the shortest expected wait, the first listed on a tie', async () => {
    const busy = (id: string, expectedWaitMs: number) => stub(id, { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 1, limit: 1, expectedWaitMs }) });
    const slowest = busy('slowest', 9_000);
    const first = busy('first-quick', 3_000);
    const second = busy('second-quick', 3_000);
    const broken = stub('broken', { answer: fail('provider_unavailable') });
    const { px } = clientWith([slowest.provider, first.provider, second.provider, broken.provider], { policy: { ...listed, spill: { maxWaitMs: 2_000 } }, retry: { retries: 0 } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('first-quick');
    expect(slowest.state.calls + second.state.calls).toBe(0);
  });
});

describe('candidate order', () => {
  it('ties keep the listed order, priced or not', async () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const providers = [...ids.map((id) => stub(id, { priceUsd: 0.01, answer: fail('provider_unavailable') }).provider), ...['u1', 'u2', 'u3'].map((id) => stub(id, { price: () => undefined, answer: fail('provider_unavailable') }).provider)];
    for (const order of ['tier', 'price'] as const) {
      const error = await rejectionOf(clientWith([providers[5]!, ...providers.slice(0, 5), providers[6]!, providers[7]!], { policy: { order } }).px.generate({ prompt: 'x' }));
      expect(error.attempts!.map((attempt) => attempt.provider)).toEqual([...ids, 'u1', 'u2', 'u3']);
    }
  });

  it('a provider sees the same request object in supports, price and its run', async () => {
    const seen: NormalizedRequest[] = [];
    const watcher = defineProvider({
      id: 'watcher',
      supports: (_operation, request) => (seen.push(request), true),
      price: (_operation, request) => (seen.push(request), 0.01),
      operations: { generate: async (request) => (seen.push(request), { images: [{ bytes: PNG }] }) },
    });
    await clientWith([watcher], { policy: { order: 'price' } }).px.generate({ prompt: 'x', providerOptions: { watcher: { style: 'ink' } } });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const request of seen) expect(request).toBe(seen[0]);
    expect(seen[0]!.providerOptions).toEqual({ style: 'ink' });
  });
});

describe("the caller's abort after a failure", () => {
  it('ends the call aborted, with the earlier failure kept in attempts', async () => {
    const broken = stub('broken', { answer: fail('provider_error', 500) });
    const controller = new AbortController();
    const entered = gate();
    const slow = stub('slow', {
      answer: async (_calls, ctx) => {
        entered.release();
        await wait(60_000, ctx.signal);
        return { images: [{ bytes: PNG }] };
      },
    });
    const { px } = clientWith([broken.provider, slow.provider], { policy: listed, retry: { retries: 0 } });
    const call = rejectionOf(px.generate({ prompt: 'x', signal: controller.signal }));
    await entered.opened;
    controller.abort();
    const error = await call;
    expect(error.code).toBe('aborted');
    expect(error.attempts?.map((attempt) => [attempt.provider, attempt.ok, attempt.error?.code])).toEqual([
      ['broken', false, 'provider_error'],
      ['slow', false, 'aborted'],
    ]);
  });

  it('ends the call aborted when the abort comes while the next provider waits for the budget store', async () => {
    const broken = stub('broken', { answer: fail('provider_error', 500) });
    const backup = stub('backup');
    const controller = new AbortController();
    const waiting = gate();
    let reservations = 0;
    const store = storeAnswering(() => {
      reservations += 1;
      if (reservations < 2) return undefined;
      waiting.release();
      return new Promise(() => {});
    });
    const { px } = clientWith([broken.provider, backup.provider], { policy: listed, retry: { retries: 0 }, budget: { limits: [{ usd: 10, per: 'day' }], store } });
    const call = rejectionOf(px.generate({ prompt: 'x', signal: controller.signal }));
    await waiting.opened;
    controller.abort();
    const error = await call;
    expect(error.code).toBe('aborted');
    expect(backup.state.calls).toBe(0);
    expect(error.attempts?.map((attempt) => [attempt.provider, attempt.error?.code ?? attempt.skipped])).toEqual([
      ['broken', 'provider_error'],
      ['backup', 'over_budget'],
    ]);
  });

  it('a deadline that passes after a failure still reports the failure, which says more', async () => {
    const broken = stub('broken', { answer: fail('provider_error', 500) });
    const slow = stub('slow', { answer: async (_calls, ctx) => (await wait(60_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const { px } = clientWith([broken.provider, slow.provider], { policy: listed, retry: { retries: 0 }, timeoutMs: 50 });
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.code).not.toBe('aborted');
    expect(error.attempts?.[0]).toMatchObject({ provider: 'broken', ok: false });
  });
});
