import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { pixelapi, PIXELAPI_USER_AGENT, type PixelApiOptions } from '../../providers/pixelapi/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { rejectionOf as failure } from '../helpers/errors.js';

const server = useMswServer();
const API = 'https://api.pixelapi.dev';
const KEY = 'pk_live_test_secret_123456';
const png = makePng(16, 16);
const input = makePng(8, 8, [10, 200, 10, 255]);
const dataUrl = `data:image/png;base64,${toBase64(input)}`;

function client(options: PixelApiOptions = {}, extra: { onEvent?: (event: PixmuxEvent) => void; retries?: number } = {}) {
  return createPixmux({
    providers: [pixelapi({ apiKey: KEY, polling: { initialDelayMs: 2, maxDelayMs: 10 }, ...options })],
    retry: { retries: extra.retries ?? 0, minDelayMs: 1, maxDelayMs: 5 },
    ...(extra.onEvent ? { onEvent: extra.onEvent } : {}),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

interface Seen {
  url?: string;
  method?: string;
  auth?: string | null;
  agent?: string | null;
  body?: unknown;
  polls: string[];
}

/** A job endpoint that starts `gen_1`, reports the statuses in turn, then completes with a result URL. */
function job(path: string, seen: Seen, statuses: string[] = ['processing'], done: Record<string, unknown> = { status: 'completed', output_url: 'https://cdn.pixelapi.dev/out/gen_1.png', credits_used: 3 }) {
  const left = [...statuses];
  return [
    http.post(`${API}${path}`, async ({ request }) => {
      Object.assign(seen, { url: request.url, method: request.method, auth: request.headers.get('authorization'), agent: request.headers.get('user-agent'), body: await request.json() });
      return HttpResponse.json({ generation_id: 'gen_1', status: 'pending' });
    }),
    http.get(`${API}/v1/image/gen_1`, ({ request }) => {
      seen.polls.push(request.headers.get('authorization') ?? '');
      const status = left.shift();
      return HttpResponse.json(status ? { generation_id: 'gen_1', status } : { generation_id: 'gen_1', ...done });
    }),
    http.get('https://cdn.pixelapi.dev/out/gen_1.png', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })),
  ];
}

function providerCode(error: PixmuxError) {
  return error.code === 'all_failed' ? error.attempts?.find((attempt) => attempt.provider === 'pixelapi')?.error?.code : error.code;
}

describe('pixelapi', () => {
  it('starts a generation job with Bearer auth and a custom User-Agent, polls it, downloads the result, bills credits_used', async () => {
    const seen: Seen = { polls: [] };
    server.use(...job('/v1/image/generate', seen, ['pending', 'processing']));
    const result = await client().generate({ prompt: 'a red bicycle', size: '768x512', seed: 9, negativePrompt: 'blur' });
    expect(seen).toMatchObject({
      url: `${API}/v1/image/generate`,
      method: 'POST',
      auth: `Bearer ${KEY}`,
      agent: PIXELAPI_USER_AGENT,
      body: { prompt: 'a red bicycle', model: 'flux-schnell', width: 768, height: 512, negative_prompt: 'blur', seed: 9 },
    });
    expect(seen.polls).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(result.provider).toBe('pixelapi');
    expect(result.model).toBe('flux-schnell');
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.costUsd).toBe(0.003);
    expect(result.metadata).toMatchObject({ generationId: 'gen_1' });
    expect(result.warnings).toEqual([]);
  });

  it('derives width and height from an aspect ratio, and warns that the format is not chosen by pixmux', async () => {
    const seen: Seen = { polls: [] };
    server.use(...job('/v1/image/generate', seen, []));
    const result = await client().generate({ prompt: 'x', aspectRatio: '16:9', format: 'webp' });
    expect(seen.body).toEqual({ prompt: 'x', model: 'flux-schnell', width: 1344, height: 768 });
    expect(result.warnings.join()).toMatch(/webp was not sent/);
  });

  it('splits n into one job per image', async () => {
    let jobs = 0;
    server.use(
      http.post(`${API}/v1/image/generate`, () => {
        jobs += 1;
        return HttpResponse.json({ generation_id: `g${jobs}`, status: 'completed', output_url: 'https://cdn.pixelapi.dev/out/x.png' });
      }),
      http.get('https://cdn.pixelapi.dev/out/x.png', () => new HttpResponse(png)),
    );
    const result = await client().generate({ prompt: 'x', n: 3 });
    expect(jobs).toBe(3);
    expect(result.images).toHaveLength(3);
    // No credits_used in the reply: the table's 3 credits at $0.001 each.
    expect(result.costUsd).toBe(0.009);
  });

  it('removes a background: the image goes as a data URL in image_url', async () => {
    const seen: Seen = { polls: [] };
    server.use(...job('/v1/image/remove-background', seen, [], { status: 'completed', output_url: 'https://cdn.pixelapi.dev/out/gen_1.png', credits_used: 2 }));
    const result = await client().removeBackground({ image: input });
    expect(seen.body).toEqual({ image_url: dataUrl });
    expect(result.model).toBe('remove-background');
    expect(result.costUsd).toBe(0.002);
  });

  it('restores a face, warning that fidelity has no PixelAPI field; the endpoint is configurable', async () => {
    const seen: Seen = { polls: [] };
    server.use(...job('/v1/image/restore-face', seen, ['processing']));
    const result = await client().restoreFace({ image: input, fidelity: 0.9 });
    expect(seen.body).toEqual({ image_url: dataUrl });
    expect(result.warnings.join()).toMatch(/no fidelity setting; fidelity 0.9 was not sent/);

    const other: Seen = { polls: [] };
    server.use(...job('/v1/image/remove-bg', other, []));
    await client({ models: { removeBackground: 'remove-bg' } }).removeBackground({ image: input });
    expect(other.url).toBe(`${API}/v1/image/remove-bg`);
  });

  it('a job still running at the deadline fails with timeout (PixelAPI documents no cancel endpoint)', async () => {
    let polls = 0;
    server.use(
      http.post(`${API}/v1/image/generate`, () => HttpResponse.json({ generation_id: 'slow', status: 'pending' })),
      http.get(`${API}/v1/image/slow`, () => {
        polls += 1;
        return HttpResponse.json({ generation_id: 'slow', status: 'processing' });
      }),
    );
    const error = await failure(client().generate({ prompt: 'x', timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
    expect(polls).toBeGreaterThan(1);
  });

  it('fails with bad_response when the result URL cannot be downloaded', async () => {
    server.use(
      http.post(`${API}/v1/image/generate`, () => HttpResponse.json({ generation_id: 'g', status: 'completed', output_url: 'https://cdn.pixelapi.dev/out/gone.png' })),
      http.get('https://cdn.pixelapi.dev/out/gone.png', () => new HttpResponse(null, { status: 404 })),
    );
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it.each([
    ['provider_error', 'GPU worker crashed'],
    ['content_policy', 'Prompt rejected by the NSFW safety filter'],
  ])('maps a failed job to %s', async (code, message) => {
    const seen: Seen = { polls: [] };
    server.use(...job('/v1/image/generate', seen, [], { status: 'failed', error: message }));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe(code);
  });

  it.each([
    [401, 'auth', { detail: 'Invalid API key' }],
    [402, 'insufficient_credits', { detail: 'Insufficient credits' }],
    [422, 'invalid_request', { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] }],
    [404, 'provider_unavailable', { detail: 'Not found' }],
    [500, 'provider_error', { detail: 'Internal error' }],
  ])('maps HTTP %i to %s', async (status, code, body) => {
    server.use(http.post(`${API}/v1/image/generate`, () => HttpResponse.json(body, { status })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe(code);
  });

  it('maps 429 to rate_limited and retries after Retry-After, also while polling', async () => {
    const events: PixmuxEvent[] = [];
    let posts = 0;
    let looks = 0;
    server.use(
      http.post(`${API}/v1/image/generate`, () => {
        posts += 1;
        if (posts === 1) return HttpResponse.json({ detail: 'Rate limit exceeded' }, { status: 429, headers: { 'retry-after': '0.02', 'x-ratelimit-remaining': '0' } });
        return HttpResponse.json({ generation_id: 'rl', status: 'pending' });
      }),
      http.get(`${API}/v1/image/rl`, () => {
        looks += 1;
        if (looks === 1) return HttpResponse.json({ detail: 'Rate limit exceeded' }, { status: 429, headers: { 'retry-after': '0.01' } });
        return HttpResponse.json({ generation_id: 'rl', status: 'completed', output_url: 'https://cdn.pixelapi.dev/out/rl.png' });
      }),
      http.get('https://cdn.pixelapi.dev/out/rl.png', () => new HttpResponse(png)),
    );
    const result = await client({}, { retries: 1, onEvent: (event) => events.push(event) }).generate({ prompt: 'x' });
    const retry = events.find((event) => event.type === 'retry.scheduled') as Extract<PixmuxEvent, { type: 'retry.scheduled' }> | undefined;
    expect(retry?.error.code).toBe('rate_limited');
    expect(retry?.delayMs).toBe(20);
    expect(looks).toBe(2);
    expect(result.images).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', () => new HttpResponse('<html></html>', { headers: { 'content-type': 'text/html' } })],
    ['an empty body', () => new HttpResponse(null, { status: 200 })],
    ['a reply without a job id', () => HttpResponse.json({ status: 'pending' })],
    ['a completed job without output_url', () => HttpResponse.json({ generation_id: 'g', status: 'completed' })],
  ])('maps %s to bad_response, never an empty success', async (_name, reply) => {
    server.use(http.post(`${API}/v1/image/generate`, reply));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it('never lets the key into errors', async () => {
    server.use(http.post(`${API}/v1/image/generate`, () => HttpResponse.json({ detail: `Invalid key ${KEY}` }, { status: 401 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('has no credentials without PIXELAPI_API_KEY', async () => {
    vi.stubEnv('PIXELAPI_API_KEY', '');
    const error = await failure(createPixmux({ providers: [pixelapi()] }).generate({ prompt: 'x' }));
    expect(error.code).toBe('unsupported');
    expect(error.attempts?.[0]?.skipped).toBe('missing_credentials');
    vi.stubEnv('PIXELAPI_API_KEY', 'pk_live_from_env_123');
    expect(pixelapi().hasCredentials?.()).toBe(true);
    vi.unstubAllEnvs();
  });

  it('refuses an endpoint name that is not one, through supports()', async () => {
    const error = await failure(client().removeBackground({ image: input, model: '../account' }));
    expect(error.code).toBe('unsupported');
  });

  it('estimates the price before the call, overridable', () => {
    const provider = pixelapi({ apiKey: KEY, prices: { 'restore-face': { perImage: 0.025 } } });
    const generate = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 2, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', generate)).toBe(0.006);
    const image = { bytes: input, mediaType: 'image/png', width: 8, height: 8 };
    expect(provider.price?.('removeBackground', { image, format: 'png', model: undefined, providerOptions: {} })).toBe(0.002);
    expect(provider.price?.('restoreFace', { image, fidelity: 0.5, format: 'png', model: undefined, providerOptions: {} })).toBe(0.025);
  });
});
