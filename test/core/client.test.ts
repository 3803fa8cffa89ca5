import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, defineProvider, pixmuxError, type PixmuxEvent } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { fakeProvider } from '../helpers/fake-provider.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { rejectionOf as rejection } from '../helpers/errors.js';

const server = useMswServer();
const BASE = 'http://gpu.test/v1';
const ok = () => HttpResponse.json({ data: [{ b64_json: toBase64(makePng(8, 8)) }] });

function gpu(options: { retries?: number; events?: PixmuxEvent[]; timeoutMs?: number } = {}) {
  return createPixmux({
    providers: [openaiCompatible({ baseURL: BASE, model: 'm' })],
    retry: { retries: options.retries ?? 2, minDelayMs: 1, maxDelayMs: 2 },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    onEvent: (event) => options.events?.push(event),
  });
}

describe('retries', () => {
  it('retries 5xx and succeeds, reporting the tries', async () => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls < 3 ? new HttpResponse('busy', { status: 503 }) : ok())));
    const result = await gpu().generate({ prompt: 'x' });
    expect(calls).toBe(3);
    expect(result.attempts).toEqual([expect.objectContaining({ provider: 'openai-compatible', ok: true, tries: 3 })]);
  });

  it.each([408, 409, 425, 429, 500, 502, 504])('retries HTTP %i', async (status) => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls === 1 ? new HttpResponse(null, { status }) : ok())));
    await gpu().generate({ prompt: 'x' });
    expect(calls).toBe(2);
  });

  it.each([400, 401, 403, 404, 422])('does not retry HTTP %i', async (status) => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls, new HttpResponse(null, { status }))));
    await rejection(gpu().generate({ prompt: 'x' }));
    expect(calls).toBe(1);
  });

  it('retries network errors', async () => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls === 1 ? HttpResponse.error() : ok())));
    await gpu().generate({ prompt: 'x' });
    expect(calls).toBe(2);
  });

  it('honours Retry-After in seconds', async () => {
    const events: PixmuxEvent[] = [];
    // A timer set at the first request for a little less than the second: it must fire before the retry is sent
    // (timers run in the order they are due), so the retry waited the whole second. No clock is read.
    const order: string[] = [];
    server.use(
      http.post(`${BASE}/images/generations`, () => {
        order.push('request');
        if (order.length > 1) return ok();
        setTimeout(() => order.push('0.9 s later'), 900);
        return HttpResponse.json({ error: { message: 'slow down' } }, { status: 429, headers: { 'retry-after': '1' } });
      }),
    );
    await gpu({ events }).generate({ prompt: 'x' });
    expect(order).toEqual(['request', '0.9 s later', 'request']);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 1000, error: { code: 'rate_limited', status: 429 } });
  });

  it('honours retry-after-ms over the backoff', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls === 1 ? new HttpResponse(null, { status: 503, headers: { 'retry-after-ms': '40' } }) : ok())));
    await gpu({ events }).generate({ prompt: 'x' });
    expect(events.filter((event) => event.type === 'retry.scheduled').map((event) => (event as { delayMs: number }).delayMs)).toEqual([40]);
  });

  it('gives up at once when Retry-After asks for longer than the cap', async () => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls, new HttpResponse(null, { status: 429, headers: { 'retry-after': '3600' } }))));
    // Waiting even the capped 60 s would time the test out.
    const error = await rejection(gpu().generate({ prompt: 'x' }));
    expect(calls).toBe(1);
    expect(error.attempts?.[0]?.error?.code).toBe('rate_limited');
  });

  it('stops after the configured retries with every failure recorded', async () => {
    let calls = 0;
    server.use(http.post(`${BASE}/images/generations`, () => (++calls, new HttpResponse(null, { status: 500 }))));
    const error = await rejection(gpu({ retries: 3 }).generate({ prompt: 'x' }));
    expect(calls).toBe(4);
    // One provider tried: its own error, not all_failed.
    expect(error).toMatchObject({ code: 'provider_error', status: 500, retryable: true });
    expect(error.attempts).toEqual([expect.objectContaining({ ok: false, tries: 4, error: expect.objectContaining({ code: 'provider_error', status: 500 }) })]);
  });
});

describe('deadlines and aborts', () => {
  it('one deadline covers the whole call, retries included', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/images/generations`, async () => {
        calls++;
        await delay(40);
        return new HttpResponse(null, { status: 503, headers: { 'retry-after-ms': '40' } });
      }),
    );
    const error = await rejection(gpu({ retries: 100 }).generate({ prompt: 'x', timeoutMs: 300 }));
    // Either the deadline fired mid-request, or the next wait would have passed it and the call gave up at once with
    // the provider's own error (its only provider: a 503, provider_error).
    // Each try takes at least 80 ms (40 ms answer + 40 ms wait): a deadline that did not cover the retries would
    // let all 101 run.
    expect(['timeout', 'provider_error']).toContain(error.code);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(6);
  });

  it('the signal aborts a request in flight', async () => {
    server.use(http.post(`${BASE}/images/generations`, () => delay('infinite').then(ok)));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    // The server never answers: only the abort can end the call.
    const error = await rejection(gpu().generate({ prompt: 'x', signal: controller.signal }));
    expect(error.code).toBe('aborted');
    expect(error.retryable).toBe(false);
  });

  it('an already aborted signal calls nobody', async () => {
    const generate = vi.fn(async () => ({ images: [{ bytes: makePng(2, 2) }] }));
    const px = createPixmux({ providers: [fakeProvider({ id: 'a', operations: { generate } })] });
    const error = await rejection(px.generate({ prompt: 'x', signal: AbortSignal.abort() }));
    expect(error.code).toBe('aborted');
    expect(generate).not.toHaveBeenCalled();
  });

  it('the signal aborts a retry wait', async () => {
    server.use(http.post(`${BASE}/images/generations`, () => new HttpResponse(null, { status: 503, headers: { 'retry-after': '30' } })));
    const controller = new AbortController();
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: BASE, model: 'm' })] });
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(px.generate({ prompt: 'x', signal: controller.signal }));
    expect(error.code).toBe('aborted');
  });

  it('a provider that ignores its signal still ends at the deadline', async () => {
    const px = createPixmux({ providers: [fakeProvider({ id: 'stuck', operations: { generate: () => new Promise(() => {}) } })] });
    const error = await rejection(px.generate({ prompt: 'x', timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
  });
});

describe('providers and results', () => {
  it('runs the documented result shape end to end through defineProvider', async () => {
    const provider = defineProvider({
      id: 'my-gpu',
      tier: 'local',
      operations: { generate: async (request, context) => (context.warn('steps capped at 4'), { images: [{ bytes: makePng(32, 16) }], model: 'sdxl', costUsd: 0.002 }) },
    });
    const result = await createPixmux({ providers: [provider] }).generate({ prompt: 'x' });
    expect(result).toMatchObject({ provider: 'my-gpu', model: 'sdxl', costUsd: 0.002, warnings: ['steps capped at 4'], metadata: {} });
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 32, height: 16 });
    expect(result.images[0]!.dataUrl()).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(result.images[0]!.base64()).toBe(toBase64(result.images[0]!.bytes));
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(result.attempts).toEqual([expect.objectContaining({ provider: 'my-gpu', ok: true, model: 'sdxl', costUsd: 0.002, tries: 1 })]);
  });

  it('uses price() when the provider reports no billed cost', async () => {
    const px = createPixmux({ providers: [fakeProvider({ id: 'p', price: () => 0.004, operations: { generate: async () => ({ images: [{ bytes: makePng(2, 2) }] }) } })] });
    expect((await px.generate({ prompt: 'x', n: 3 })).costUsd).toBe(0.012);
  });

  it('falls over to the next provider and records both attempts', async () => {
    const events: PixmuxEvent[] = [];
    const px = createPixmux({
      providers: [
        fakeProvider({ id: 'down', operations: { generate: async () => Promise.reject(pixmuxError('auth', 'bad key', { provider: 'down', status: 401 })) } }),
        fakeProvider({ id: 'up' }),
      ],
      onEvent: (event) => events.push(event),
    });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('up');
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.ok, attempt.error?.code])).toEqual([
      ['down', false, 'auth'],
      ['up', true, undefined],
    ]);
    // An auth failure also opens that provider's circuit at once.
    expect(events.map((event) => event.type)).toEqual(['call.started', 'attempt.started', 'attempt.ended', 'circuit.opened', 'fallback', 'attempt.started', 'attempt.ended', 'call.finished']);
  });

  it('stops at invalid input and content policy without asking anyone else', async () => {
    for (const code of ['invalid_request', 'content_policy'] as const) {
      const second = vi.fn(async () => ({ images: [{ bytes: makePng(2, 2) }] }));
      const px = createPixmux({
        providers: [fakeProvider({ id: 'a', operations: { generate: async () => Promise.reject(pixmuxError(code, 'no')) } }), fakeProvider({ id: 'b', operations: { generate: second } })],
      });
      const error = await rejection(px.generate({ prompt: 'x' }));
      expect(error.code).toBe(code);
      expect(error.attempts).toHaveLength(1);
      expect(second).not.toHaveBeenCalled();
    }
  });

  it('treats an empty or unreadable result as bad_response, never an empty success', async () => {
    const px = createPixmux({
      providers: [
        fakeProvider({ id: 'empty', operations: { generate: async () => ({ images: [] }) } }),
        fakeProvider({ id: 'garbage', operations: { generate: async () => ({ images: [{ bytes: new Uint8Array([1, 2, 3]) }] }) } }),
      ],
    });
    const error = await rejection(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('all_failed');
    expect(error.attempts?.map((attempt) => attempt.error?.code)).toEqual(['provider_error', 'bad_response']);
  });

  it('skips providers that lack the operation or refuse the request, and says why', async () => {
    const px = createPixmux({
      providers: [
        fakeProvider({ id: 'no-bg' }),
        fakeProvider({ id: 'small-only', supports: () => 'only sizes up to 512', operations: { removeBackground: async () => ({ images: [] }) } }),
      ],
    });
    const error = await rejection(px.removeBackground({ image: makePng(4, 4) }));
    expect(error.code).toBe('unsupported');
    expect(error.attempts).toEqual([
      expect.objectContaining({ provider: 'no-bg', skipped: 'unsupported' }),
      expect.objectContaining({ provider: 'small-only', skipped: 'unsupported', detail: 'only sizes up to 512' }),
    ]);
  });

  it('passes each provider its own providerOptions', async () => {
    const seen: unknown[] = [];
    const px = createPixmux({ providers: [fakeProvider({ id: 'a', operations: { generate: async (request) => (seen.push(request.providerOptions), { images: [{ bytes: makePng(2, 2) }] }) } })] });
    await px.generate({ prompt: 'x', providerOptions: { a: { steps: 4 }, b: { other: true } } });
    expect(seen).toEqual([{ steps: 4 }]);
  });

  it('prices and checks each provider with its own providerOptions, as it will run', async () => {
    const priced: unknown[] = [];
    const px = createPixmux({
      providers: [
        fakeProvider({
          id: 'tiered',
          price: (_operation, request) => (priced.push(request.providerOptions), request.providerOptions.quality === 'high' ? 0.2 : 0.01),
          supports: (_operation, request) => (request.providerOptions.steps === 99 ? 'steps must be at most 50' : true),
        }),
      ],
      budget: { maxCostPerCallUsd: 0.05 },
    });
    await expect(px.generate({ prompt: 'x', providerOptions: { tiered: { quality: 'low' } } })).resolves.toMatchObject({ costUsd: 0.001 });
    const tooDear = await rejection(px.generate({ prompt: 'x', providerOptions: { tiered: { quality: 'high' }, other: { quality: 'low' } } }));
    expect(tooDear.code).toBe('budget_exceeded');
    const refused = await rejection(px.generate({ prompt: 'x', providerOptions: { tiered: { steps: 99 } } }));
    expect(refused).toMatchObject({ code: 'unsupported', attempts: [expect.objectContaining({ detail: 'steps must be at most 50' })] });
    expect(priced).toContainEqual({ quality: 'high' });
    expect(priced).not.toContainEqual({ tiered: { quality: 'high' }, other: { quality: 'low' } });
  });

  it('warns when the provider returns another format than asked', async () => {
    const result = await createPixmux({ providers: [fakeProvider({ id: 'a' })] }).generate({ prompt: 'x', format: 'webp' });
    expect(result.warnings).toContain('generate: asked for webp, the provider returned image/png');
  });
});

describe('concurrency', () => {
  it('bounds calls in flight per provider, n > 1 included', async () => {
    let inFlight = 0;
    let peak = 0;
    const provider = fakeProvider({
      id: 'bounded',
      maxConcurrency: 2,
      operations: {
        generate: async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight--;
          return { images: [{ bytes: makePng(2, 2) }] };
        },
      },
    });
    const px = createPixmux({ providers: [provider] });
    const results = await Promise.all([px.generate({ prompt: 'x', n: 10 }), ...Array.from({ length: 8 }, () => px.generate({ prompt: 'y' }))]);
    expect(peak).toBe(2);
    expect(results[0]!.images).toHaveLength(10);
  });

  it('gives each chunk of a split request its own seed', async () => {
    const seeds: Array<number | undefined> = [];
    const px = createPixmux({ providers: [fakeProvider({ id: 'a', operations: { generate: async (request) => (seeds.push(request.seed), { images: [{ bytes: makePng(2, 2) }] }) } })] });
    await px.generate({ prompt: 'x', n: 3, seed: 10 });
    expect(seeds.sort()).toEqual([10, 11, 12]);
  });
});

describe('events', () => {
  it('a listener that throws never breaks the call', async () => {
    const px = createPixmux({ providers: [fakeProvider({ id: 'a' })], onEvent: () => { throw new Error('listener bug'); } });
    await expect(px.generate({ prompt: 'x' })).resolves.toMatchObject({ provider: 'a' });
  });
});
