import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { clientWith, fail, PNG, stub, wait } from './stub.js';
import { rejectionOf as failure } from '../helpers/errors.js';

const server = useMswServer();

describe('candidate order', () => {
  it("'tier' puts local first, then cheap, then premium, cheapest first inside a tier", async () => {
    const premium = stub('premium', { tier: 'premium', priceUsd: 0.04, answer: fail('provider_unavailable') });
    const cheapDear = stub('cheap-dear', { tier: 'cheap', priceUsd: 0.02, answer: fail('provider_unavailable') });
    const cheapCheap = stub('cheap-cheap', { tier: 'cheap', priceUsd: 0.003, answer: fail('provider_unavailable') });
    const local = stub('local', { tier: 'local', priceUsd: 0, answer: fail('provider_unavailable') });
    const { px, events } = clientWith([premium.provider, cheapDear.provider, cheapCheap.provider, local.provider]);
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('all_failed');
    expect(error.attempts!.map((a) => a.provider)).toEqual(['local', 'cheap-cheap', 'cheap-dear', 'premium']);
    expect(events.find((e) => e.type === 'call.started')).toMatchObject({ candidates: ['local', 'cheap-cheap', 'cheap-dear', 'premium'] });
  });

  it("'price' ignores tiers, 'listed' keeps the configuration, and a call's own providers list keeps its order", async () => {
    const a = stub('a', { tier: 'local', priceUsd: 0.05, answer: fail('provider_unavailable') });
    const b = stub('b', { tier: 'premium', priceUsd: 0.01, answer: fail('provider_unavailable') });
    const c = stub('c', { tier: 'cheap', priceUsd: 0.02, answer: fail('provider_unavailable') });
    const order = async (options: object, call: object = {}) => (await failure(clientWith([a.provider, b.provider, c.provider], options).px.generate({ prompt: 'x', ...call }))).attempts!.map((x) => x.provider);
    expect(await order({ policy: { order: 'price' } })).toEqual(['b', 'c', 'a']);
    expect(await order({ policy: { order: 'listed' } })).toEqual(['a', 'b', 'c']);
    expect(await order({}, { providers: ['c', 'a'] })).toEqual(['c', 'a']);
    expect(await order({}, { providers: ['c', 'b', 'a'], policy: { order: 'tier' } })).toEqual(['a', 'c', 'b']);
  });
});

describe('spill', () => {
  it('passes over a local provider at its limit and goes to the cheap tier at once', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 2, queued: 1, limit: 2 }) });
    const cheap = stub('cheap', { tier: 'cheap' });
    const { px, events } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxQueue: 1 } } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('cheap');
    expect(local.state.calls).toBe(0);
    expect(result.attempts[0]).toMatchObject({ provider: 'local', skipped: 'saturated', durationMs: 0 });
    expect(events.find((e) => e.type === 'spill')).toMatchObject({ provider: 'local', inFlight: 2, queued: 1, limit: 2 });
  });

  it("spills when the provider's expected wait is over maxWaitMs", async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 0, queued: 0, limit: 4, expectedWaitMs: 5_000 }) });
    const cheap = stub('cheap');
    const result = await clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 2_000 } } }).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('cheap');
    expect(result.attempts[0]!.detail).toMatch(/expected wait 5000 ms/);
  });

  it('counts a burst at admission: with one local slot and no queue, one call runs locally and the rest spill', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const local = stub('local', { tier: 'local', priceUsd: 0, maxConcurrency: 1, answer: async () => (await gate, { images: [{ bytes: PNG }], costUsd: 0 }) });
    const cheap = stub('cheap');
    const { px } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxQueue: 0 } } });
    const calls = Array.from({ length: 5 }, () => px.generate({ prompt: 'x' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const providers = (await Promise.all(calls)).map((r) => r.provider);
    expect(providers.filter((p) => p === 'local')).toHaveLength(1);
    expect(providers.filter((p) => p === 'cheap')).toHaveLength(4);
    expect(local.state.calls).toBe(1);
  });

  it('waits for a busy local provider when nothing else can take the call: no failure for saturation while time remains', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 4, queued: 8, limit: 4, expectedWaitMs: 60_000 }) });
    const result = await clientWith([local.provider]).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('local');
    expect(result.attempts).toEqual([expect.objectContaining({ provider: 'local', ok: true })]);
  });

  it('comes back to a spilled provider and waits for it when every later candidate is unavailable', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 9, limit: 1, expectedWaitMs: 9_000 }) });
    const cheap = stub('cheap', { answer: fail('provider_error', 500) });
    const { px, events } = clientWith([local.provider, cheap.provider], { retry: { retries: 0 } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('local');
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.skipped ?? attempt.ok])).toEqual([
      ['local', 'saturated'],
      ['cheap', false],
      ['local', true],
    ]);
    expect(result.attempts[0]).toMatchObject({ expectedWaitMs: 9_000 });
    expect(events.find((event) => event.type === 'spill')).toMatchObject({ provider: 'local', expectedWaitMs: 9_000 });
  });

  it('spills when the expected wait is over what is left of the deadline, even under maxWaitMs', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 3, limit: 1, expectedWaitMs: 1_500 }) });
    const cheap = stub('cheap');
    const { px } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 10_000 } } });
    expect((await px.generate({ prompt: 'x', timeoutMs: 1_000 })).provider).toBe('cheap');
    expect((await px.generate({ prompt: 'x', timeoutMs: 5_000 })).provider).toBe('local');
  });

  it('does not spill on queue length alone: a long queue with a short expected wait stays local', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 4, queued: 40, limit: 4, throughputPerSecond: 400 }) });
    const cheap = stub('cheap');
    const result = await clientWith([local.provider, cheap.provider]).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('local');
    expect(cheap.state.calls).toBe(0);
  });

  it("estimates the wait from the core's measured service time when the provider reports none", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      // A process that has been up a while: the service time must count from the slot, not from the clock's start.
      await vi.advanceTimersByTimeAsync(10_000);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = stub('slow', { tier: 'local', priceUsd: 0, maxConcurrency: 1, answer: async (call, ctx) => {
        if (call === 1) await wait(60, ctx.signal); // one measured call of 60 ms
        else await gate;
        return { images: [{ bytes: PNG }], costUsd: 0 };
      } });
      const cheap = stub('cheap');
      const { px } = clientWith([slow.provider, cheap.provider], { policy: { spill: { maxWaitMs: 100 } } });
      const warmUp = px.generate({ prompt: 'warm-up' });
      await vi.advanceTimersByTimeAsync(60);
      await warmUp;
      // One running, then one queued (60 ms ahead: waits), then two more (120 ms ahead: over 100 ms, they spill).
      const calls = Array.from({ length: 4 }, () => px.generate({ prompt: 'x' }));
      await vi.advanceTimersByTimeAsync(0);
      release();
      const providers = (await Promise.all(calls)).map((result) => result.provider);
      expect(providers).toEqual(['slow', 'slow', 'cheap', 'cheap']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets the last remote candidate queue behind its own concurrency limit instead of failing', async () => {
    const cheap = stub('cheap', { capacity: () => ({ inFlight: 8, queued: 100, limit: 8 }) });
    const result = await clientWith([cheap.provider]).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('cheap');
  });
});

describe('when to move on', () => {
  const png = makePng(16, 16);

  it('moves from a cheap API answering 503 to premium once its retries are spent', async () => {
    let cheapHits = 0;
    server.use(
      http.post('http://cheap.test/v1/images/generations', () => {
        cheapHits += 1;
        return HttpResponse.json({ error: { message: 'overloaded' } }, { status: 503 });
      }),
      http.post('http://premium.test/v1/images/generations', () => HttpResponse.json({ data: [{ b64_json: toBase64(png) }] })),
    );
    const cheap = openaiCompatible({ id: 'cheap', baseURL: 'http://cheap.test/v1', model: 'flux-schnell', tier: 'cheap', prices: { default: { perImage: 0.003 } } });
    const premium = openaiCompatible({ id: 'premium', baseURL: 'http://premium.test/v1', model: 'flux-pro', tier: 'premium', prices: { default: { perImage: 0.04 } } });
    const { px, events } = clientWith([premium, cheap]);
    const result = await px.generate({ prompt: 'a lighthouse' });
    expect(result.provider).toBe('premium');
    expect(cheapHits).toBe(3);
    expect(result.attempts).toMatchObject([
      { provider: 'cheap', ok: false, tries: 3, error: { code: 'provider_error', status: 503 } },
      { provider: 'premium', ok: true, tries: 1 },
    ]);
    expect(events.filter((e) => e.type === 'retry.scheduled')).toHaveLength(2);
    expect(events.find((e) => e.type === 'fallback')).toMatchObject({ from: 'cheap', error: { code: 'provider_error' } });
  });

  it('moves on at once, without retrying, after auth, insufficient_credits and provider_unavailable', async () => {
    for (const code of ['auth', 'insufficient_credits', 'provider_unavailable'] as const) {
      const first = stub('first', { answer: fail(code) });
      const second = stub('second');
      const result = await clientWith([first.provider, second.provider], { policy: { order: 'listed' } }).px.generate({ prompt: 'x' });
      expect(result.provider).toBe('second');
      expect(first.state.calls).toBe(1);
      expect(result.attempts[0]).toMatchObject({ tries: 1, error: { code } });
    }
  });

  it('stops at a content_policy rejection unless fallbackOn.contentPolicy, per client or per call', async () => {
    const first = stub('first', { answer: fail('content_policy', 400) });
    const second = stub('second');
    const { px } = clientWith([first.provider, second.provider], { policy: { order: 'listed' } });
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
    expect(second.state.calls).toBe(0);
    expect(error.attempts!.map((a) => a.provider)).toEqual(['first']);
    const moved = await px.generate({ prompt: 'x', policy: { fallbackOn: { contentPolicy: true } } });
    expect(moved.provider).toBe('second');
    const client = clientWith([first.provider, second.provider], { policy: { order: 'listed', fallbackOn: { contentPolicy: true } } });
    expect((await client.px.generate({ prompt: 'x' })).provider).toBe('second');
  });

  it('calls nobody for invalid input, and stops at the first invalid_request from a provider', async () => {
    const first = stub('first');
    const second = stub('second');
    const { px } = clientWith([first.provider, second.provider], { policy: { order: 'listed' } });
    const bad = await failure(px.removeBackground({ image: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }));
    expect(bad.code).toBe('invalid_image');
    expect(first.state.calls + second.state.calls).toBe(0);
    const rejecting = stub('rejecting', { answer: fail('invalid_request', 400) });
    const error = await failure(clientWith([rejecting.provider, second.provider], { policy: { order: 'listed' } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('invalid_request');
    expect(second.state.calls).toBe(0);
  });

  it('never returns an empty success: no images moves on to the next provider', async () => {
    const empty = stub('empty', { answer: () => ({ images: [] }) });
    const good = stub('good');
    const result = await clientWith([empty.provider, good.provider], { policy: { order: 'listed' }, retry: { retries: 0 } }).px.restoreFace({ image: PNG });
    expect(result.provider).toBe('good');
    expect(result.images).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ provider: 'empty', ok: false });
  });

  it('all_failed carries every attempt with its code, skipped ones included', async () => {
    const noKey = stub('no-key', { hasCredentials: () => false });
    const a = stub('a', { answer: fail('provider_error', 500), tier: 'cheap' });
    const b = stub('b', { answer: fail('auth', 401), tier: 'premium' });
    const error = await failure(clientWith([noKey.provider, a.provider, b.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('all_failed');
    expect(error.attempts).toMatchObject([
      { provider: 'no-key', skipped: 'missing_credentials' },
      { provider: 'a', error: { code: 'provider_error' } },
      { provider: 'b', error: { code: 'auth' } },
    ]);
  });
});
