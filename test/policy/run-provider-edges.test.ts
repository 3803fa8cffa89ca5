import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineProvider, pixmuxError, type NormalizedGenerateRequest, type PixmuxEvent, type ProviderImage } from 'pixmux';
import { rejectionOf } from '../helpers/errors.js';
import { useMswServer } from '../helpers/msw.js';
import { clientWith, PNG, stub } from './stub.js';

const server = useMswServer();

afterEach(() => vi.useRealTimers());

/** A logger that keeps what it was told, by level. */
function recordingLogger() {
  const lines: Array<[string, string, unknown]> = [];
  const at = (level: string) => (message: string, fields?: unknown) => lines.push([level, message, fields]);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('one provider, several chunks', () => {
  it("a split n answers with the provider's model, and chunks without a seed are sent without one", async () => {
    const seeds: Array<number | undefined> = [];
    const split = defineProvider({
      id: 'split',
      maxImagesPerCall: 1,
      operations: {
        generate: async (request: NormalizedGenerateRequest) => (seeds.push(request.seed), { images: [{ bytes: PNG }], model: 'split-v2', costUsd: 0.01 }),
      },
    });
    const result = await clientWith([split]).px.generate({ prompt: 'x', n: 3 });
    expect(result.images).toHaveLength(3);
    expect(result.model).toBe('split-v2');
    expect(seeds).toEqual([undefined, undefined, undefined]);
  });
});

describe('a call aborted while it waits for a concurrency slot', () => {
  it('never reaches the provider once the slot frees', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const busy = stub('busy', { maxConcurrency: 1, answer: async () => (await gate, { images: [{ bytes: PNG }], costUsd: 0 }) });
    const { px } = clientWith([busy.provider]);
    const first = px.generate({ prompt: 'first' });
    while (busy.state.calls < 1) await new Promise((resolve) => setImmediate(resolve));
    const caller = new AbortController();
    const second = px.generate({ prompt: 'second', signal: caller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    caller.abort();
    expect((await rejectionOf(second)).code).toBe('aborted');
    release();
    expect((await first).provider).toBe('busy');
    // Let the queued task take the freed slot: it must see the abort and not call the provider.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(busy.state.calls).toBe(1);
  });
});

describe('attempt events and durations', () => {
  it('attempt.ended says ok and how long the try took; the attempt carries the same duration', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    const timed = stub('timed', { answer: () => (vi.setSystemTime(Date.now() + 250), { images: [{ bytes: PNG }], costUsd: 0.01 }) });
    const { px, events } = clientWith([timed.provider]);
    const result = await px.generate({ prompt: 'x' });
    expect(events.filter((event) => event.type === 'attempt.ended')).toEqual([expect.objectContaining({ provider: 'timed', try: 1, ok: true, durationMs: 250 })]);
    expect(result.attempts[0]).toMatchObject({ provider: 'timed', ok: true, durationMs: 250 });
  });

  it('a failed try reports its duration too, and a failed attempt that billed nothing carries no cost', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    const failing = stub('failing', {
      answer: () => {
        vi.setSystemTime(Date.now() + 40);
        throw pixmuxError('auth', 'bad key', { status: 401 });
      },
    });
    const { px, events } = clientWith([failing.provider]);
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('auth');
    expect(events.filter((event) => event.type === 'attempt.ended')).toEqual([expect.objectContaining({ provider: 'failing', ok: false, durationMs: 40, error: expect.objectContaining({ code: 'auth', status: 401 }) })]);
    expect(error.attempts![0]).toMatchObject({ provider: 'failing', ok: false, durationMs: 40 });
    expect(error.attempts![0]).not.toHaveProperty('costUsd');
  });
});

describe('retries', () => {
  it('a retry hint exactly as long as what is left of the deadline is not waited for', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    const limited = stub('limited', { answer: () => Promise.reject(pixmuxError('rate_limited', 'slow down', { retryable: true, retryAfterMs: 300 })) });
    const { px, events } = clientWith([limited.provider], { retry: { retries: 3 } });
    const error = await rejectionOf(px.generate({ prompt: 'x', timeoutMs: 300 }));
    expect(error.code).toBe('rate_limited');
    expect(limited.state.calls).toBe(1);
    expect(events.some((event) => event.type === 'retry.scheduled')).toBe(false);
  });

  it('a retry hint exactly at maxRetryAfterMs is honoured, and the retry is logged at debug level', async () => {
    let tries = 0;
    const limited = stub('limited', {
      answer: () => (++tries === 1 ? Promise.reject(pixmuxError('rate_limited', 'slow down', { retryable: true, retryAfterMs: 5 })) : { images: [{ bytes: PNG }], costUsd: 0.01 }),
    });
    const { lines, logger } = recordingLogger();
    const { px, events } = clientWith([limited.provider], { logger, retry: { retries: 2, maxRetryAfterMs: 5 } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('limited');
    expect(tries).toBe(2);
    expect(events.filter((event) => event.type === 'retry.scheduled')).toEqual([expect.objectContaining({ provider: 'limited', retry: 1, delayMs: 5 })]);
    expect(lines).toContainEqual(['debug', '[pixmux] limited: retry 1 in 5 ms after rate_limited', undefined]);
  });
});

describe('what a run bills without a reported cost', () => {
  it("prices the run with what is left of the call's deadline", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    // Billed by the second, up to the deadline: a price that needs the time left.
    const timeBilled = stub('time-billed', {
      price: (_operation, _request, context) => (context!.remainingMs / 1000) * 0.001,
      answer: () => ({ images: [{ bytes: PNG }] }),
    });
    const result = await clientWith([timeBilled.provider]).px.generate({ prompt: 'x', timeoutMs: 20_000 });
    expect(result.costUsd).toBeCloseTo(0.02, 9);
  });
});

describe('the context a provider gets', () => {
  it('download: fetches a result URL, with its media type, through the global fetch when the provider has no http options', async () => {
    server.use(http.get('https://cdn.example.com/out.png', () => new HttpResponse(PNG, { headers: { 'content-type': 'image/png' } })));
    let downloaded: ProviderImage | undefined;
    const urls = stub('urls', { answer: async (_n, ctx) => ((downloaded = await ctx.download('https://cdn.example.com/out.png')), { images: [downloaded] }) });
    const result = await clientWith([urls.provider], { input: { urls: { allowPrivateNetwork: true } } }).px.generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
    expect(downloaded).toEqual({ bytes: new Uint8Array(PNG), mediaType: 'image/png' });
  });

  it("download: uses the provider's own fetch when it has one", async () => {
    const seen: string[] = [];
    const ownFetch: typeof fetch = async (input) => (seen.push(String(input)), new HttpResponse(PNG, { headers: { 'content-type': 'image/png' } }));
    const urls = stub('urls', { http: { fetch: ownFetch }, answer: async (_n, ctx) => ({ images: [await ctx.download('https://cdn.example.com/own.png')] }) });
    const result = await clientWith([urls.provider], { input: { urls: { allowPrivateNetwork: true } } }).px.generate({ prompt: 'x' });
    expect(result.provider).toBe('urls');
    expect(seen).toEqual(['https://cdn.example.com/own.png']);
  });

  it("download: the provider's own baseURL is trusted even on a private address; anywhere else private is refused", async () => {
    server.use(http.get('http://127.0.0.1:8188/view', () => new HttpResponse(PNG, { headers: { 'content-type': 'image/png' } })));
    const local = stub('local-server', { http: { baseURL: 'http://127.0.0.1:8188' }, answer: async (_n, ctx) => ({ images: [await ctx.download('http://127.0.0.1:8188/view')] }) });
    expect((await clientWith([local.provider]).px.generate({ prompt: 'x' })).provider).toBe('local-server');

    const stranger = stub('stranger', { answer: async (_n, ctx) => ({ images: [await ctx.download('http://127.0.0.1:8188/view')] }) });
    const error = await rejectionOf(clientWith([stranger.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'bad_response' });
    expect(error.message).toMatch(/refused/);
  });

  it('download: a result URL answering 404 fails the attempt as bad_response', async () => {
    server.use(http.get('https://cdn.example.com/gone.png', () => new HttpResponse('gone', { status: 404 })));
    const urls = stub('urls', { answer: async (_n, ctx) => ({ images: [await ctx.download('https://cdn.example.com/gone.png')] }) });
    const error = await rejectionOf(clientWith([urls.provider], { input: { urls: { allowPrivateNetwork: true } } }).px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'bad_response', status: 404 });
  });

  it('download: a result slower than limits.downloadTimeoutMs fails the download, well inside the call deadline', async () => {
    // Never answers: only the download's own timeout (or the call's deadline) ends it.
    server.use(http.get('https://cdn.example.com/slow.png', () => new Promise<Response>(() => {})));
    const urls = stub('urls', { answer: async (_n, ctx) => ({ images: [await ctx.download('https://cdn.example.com/slow.png')] }) });
    const { px } = clientWith([urls.provider], { retry: { retries: 0 }, limits: { downloadTimeoutMs: 30 }, input: { urls: { allowPrivateNetwork: true } } });
    const error = await rejectionOf(px.generate({ prompt: 'x', timeoutMs: 60_000 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/download of .* took over 30 ms/);
  });

  it('report: a progress event reaches onEvent with the provider id', async () => {
    const reporting = stub('reporting', {
      answer: (_n, ctx) => {
        ctx.report({ type: 'model.download', model: 'm', file: 'model.onnx', receivedBytes: 10, totalBytes: 100, bytesPerSecond: 5 });
        return { images: [{ bytes: PNG }] };
      },
    });
    const { px, events } = clientWith([reporting.provider]);
    await px.generate({ prompt: 'x' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'model.download', provider: 'reporting', file: 'model.onnx', receivedBytes: 10 }));
  });

  it('notice: logged as a warning naming the provider, and sent as a provider.notice event', async () => {
    const noticing = stub('noticing', { answer: (_n, ctx) => (ctx.notice('the model is deprecated'), { images: [{ bytes: PNG }] }) });
    const { lines, logger } = recordingLogger();
    const { px, events } = clientWith([noticing.provider], { logger });
    await px.generate({ prompt: 'x' });
    expect(lines).toContainEqual(['warn', '[pixmux] the model is deprecated', { provider: 'noticing' }]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'provider.notice', provider: 'noticing', message: 'the model is deprecated' } satisfies Partial<PixmuxEvent>));
  });
});
