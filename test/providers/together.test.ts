import { http, HttpResponse } from 'msw';
import Together from 'together-ai';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, type PixmuxEvent } from 'pixmux';
import { DEFAULT_TOGETHER_MODEL, together, type TogetherOptions } from '../../providers/together/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { expectValidRequestBody, specSkipReason } from '../helpers/openapi.js';
import { failureCode, rejectionOf } from '../helpers/errors.js';

const server = useMswServer();
const BASE = 'https://api.together.ai/v1';
const GENERATIONS = `${BASE}/images/generations`;
const KEY = 'tgp_v1_test_together_secret_0123456789';
const png = makePng(16, 16);
const SPEC_MISSING = specSkipReason('together.yaml');

function client(options: TogetherOptions = {}, extra: { events?: PixmuxEvent[]; retries?: number } = {}) {
  return createPixmux({
    providers: [together({ apiKey: KEY, ...options })],
    retry: { retries: extra.retries ?? 0, minDelayMs: 1, maxDelayMs: 5 },
    ...(extra.events ? { onEvent: (event: PixmuxEvent) => extra.events!.push(event) } : {}),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

/** The documented `ImageResponse` with base64 images. */
function imageResponse(count = 1) {
  return { id: 'gen-8f2a', model: DEFAULT_TOGETHER_MODEL, object: 'list', data: Array.from({ length: count }, (_, index) => ({ index, b64_json: toBase64(png), type: 'b64_json' })) };
}

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  contentType: string | null;
  body: Record<string, unknown>;
}

/** Records every request to the generations endpoint and answers with one base64 image per `n`. */
function recordGenerations(seen: Seen[]) {
  return http.post(GENERATIONS, async ({ request }) => {
    const body = (await request.json()) as Record<string, unknown>;
    seen.push({ url: request.url, method: request.method, authorization: request.headers.get('authorization'), contentType: request.headers.get('content-type'), body });
    return HttpResponse.json(imageResponse(Number(body.n ?? 1)));
  });
}

describe('together: generate', () => {
  it('posts the documented JSON body with the bearer key, decodes base64 and prices per megapixel', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    const result = await client().generate({ prompt: 'a red bicycle', size: '1024x768', seed: 7, n: 2 });
    expect(seen).toEqual([
      {
        url: GENERATIONS,
        method: 'POST',
        authorization: `Bearer ${KEY}`,
        contentType: expect.stringMatching(/^application\/json/),
        body: { model: 'black-forest-labs/FLUX.1-schnell', prompt: 'a red bicycle', n: 2, width: 1024, height: 768, response_format: 'base64', output_format: 'png', steps: 4, seed: 7 },
      },
    ]);
    expect(result.provider).toBe('together');
    expect(result.model).toBe('black-forest-labs/FLUX.1-schnell');
    expect(result.images.map((image) => image.bytes)).toEqual([png, png]);
    // 2 images × 0.786432 MP × $0.0027.
    expect(result.costUsd).toBe(0.004247);
    expect(result.metadata).toMatchObject({ generationId: 'gen-8f2a' });
    expect(result.warnings).toEqual([]);
  });

  it('sends what the official together-ai client sends for the same call, field by field', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    await client().generate({ prompt: 'a lighthouse at dusk', size: '768x1024', seed: 42, format: 'jpeg', providerOptions: { together: { guidance_scale: 3.5 } } });
    const official = new Together({ apiKey: KEY, maxRetries: 0 });
    await official.images.generate({
      model: 'black-forest-labs/FLUX.1-schnell',
      prompt: 'a lighthouse at dusk',
      n: 1,
      width: 768,
      height: 1024,
      response_format: 'base64',
      output_format: 'jpeg',
      steps: 4,
      seed: 42,
      guidance_scale: 3.5,
    });
    expect(seen).toHaveLength(2);
    const [ours, theirs] = seen as [Seen, Seen];
    expect(ours.url).toBe(theirs.url);
    expect(ours.method).toBe(theirs.method);
    expect(ours.authorization).toBe(theirs.authorization);
    expect(ours.contentType).toBe(theirs.contentType);
    for (const field of new Set([...Object.keys(ours.body), ...Object.keys(theirs.body)])) {
      expect(ours.body[field], `body.${field}`).toEqual(theirs.body[field]);
    }
  });

  it.skipIf(SPEC_MISSING)('sends bodies the official OpenAPI file accepts', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    const px = client();
    await px.generate({ prompt: 'x' });
    await px.generate({ prompt: 'x', aspectRatio: '16:9', n: 3, format: 'jpeg', negativePrompt: 'blur', model: 'stabilityai/stable-diffusion-xl-base-1.0' });
    for (const { body } of seen) expectValidRequestBody('together.yaml', 'post', '/images/generations', 'application/json', body);
  });

  it('derives the size from an aspect ratio (about 1 MP, multiples of 16), else asks for 1024x1024', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    await client().generate({ prompt: 'x', aspectRatio: '16:9' });
    await client().generate({ prompt: 'x' });
    expect(seen.map(({ body }) => [body.width, body.height])).toEqual([
      [1360, 768],
      [1024, 1024],
    ]);
  });

  it('sends negative_prompt only to models that take one, warns for FLUX, and asks for png instead of webp', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    const flux = await client().generate({ prompt: 'x', negativePrompt: 'blur', format: 'webp' });
    expect(seen[0]!.body).not.toHaveProperty('negative_prompt');
    expect(seen[0]!.body.output_format).toBe('png');
    expect(flux.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/takes no negative prompt/), expect.stringMatching(/png instead of webp/)]));
    await client({ model: 'stabilityai/stable-diffusion-xl-base-1.0' }).generate({ prompt: 'x', negativePrompt: 'blur' });
    expect(seen[1]!.body).toMatchObject({ model: 'stabilityai/stable-diffusion-xl-base-1.0', negative_prompt: 'blur' });
    // The schnell step count is sent only to the schnell models.
    expect(seen[1]!.body).not.toHaveProperty('steps');
  });

  it('passes providerOptions through, lets them set steps, and ignores the fields pixmux owns', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    const result = await client().generate({ prompt: 'x', providerOptions: { together: { steps: 8, disable_safety_checker: true, width: 64, model: 'other' } } });
    expect(seen[0]!.body).toMatchObject({ model: DEFAULT_TOGETHER_MODEL, steps: 8, disable_safety_checker: true, width: 1024 });
    expect(result.warnings.filter((w) => w.includes('is set by pixmux'))).toHaveLength(2);
    const error = await rejectionOf(client().generate({ prompt: 'x', providerOptions: { together: { response_format: 'gif' } } }));
    expect(failureCode(error)).toBe('invalid_request');
  });

  it('downloads URL results at once, so the caller always gets bytes', async () => {
    let body: Record<string, unknown> | undefined;
    server.use(
      http.post(GENERATIONS, async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ id: 'g', model: DEFAULT_TOGETHER_MODEL, object: 'list', data: [{ index: 0, url: 'https://api.together.ai/shrt/abc123', type: 'url' }] });
      }),
      http.get('https://api.together.ai/shrt/abc123', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })),
    );
    const result = await client().generate({ prompt: 'x', providerOptions: { together: { response_format: 'url' } } });
    expect(body!.response_format).toBe('url');
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('fails with bad_response when a result URL cannot be downloaded', async () => {
    server.use(
      http.post(GENERATIONS, () => HttpResponse.json({ id: 'g', data: [{ index: 0, url: 'https://api.together.ai/shrt/gone', type: 'url' }] })),
      http.get('https://api.together.ai/shrt/gone', () => new HttpResponse(null, { status: 403 })),
    );
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });

  it.each([
    ['an empty data array', () => HttpResponse.json({ id: 'g', object: 'list', data: [] })],
    ['no data at all', () => HttpResponse.json({ id: 'g', object: 'list' })],
    ['an item without b64_json or url', () => HttpResponse.json({ id: 'g', data: [{ index: 0, type: 'b64_json' }] })],
    ['a body that is not JSON', () => new HttpResponse('<html>upstream error</html>', { headers: { 'content-type': 'text/html' } })],
    ['an empty body', () => new HttpResponse('', { status: 200 })],
    ['b64_json that is not base64', () => HttpResponse.json({ id: 'g', data: [{ index: 0, b64_json: '***', type: 'b64_json' }] })],
    ['base64 that is not an image', () => HttpResponse.json({ id: 'g', data: [{ index: 0, b64_json: toBase64(new TextEncoder().encode('hello')), type: 'b64_json' }] })],
  ])('maps a 200 with %s to bad_response, never an empty success', async (_name, reply) => {
    server.use(http.post(GENERATIONS, reply));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('together: errors', () => {
  const envelope = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

  it.each([
    [400, envelope('Input validation error: `prompt` must be a string', 'invalid_request_error'), 'invalid_request'],
    [400, envelope('Unable to access model black-forest-labs/FLUX.9. Please visit https://api.together.ai/models to view the list of supported models.', 'invalid_request_error', 'model_not_available'), 'provider_unavailable'],
    [401, envelope(`Invalid API key provided. You can find your API key at https://api.together.ai/settings/api-keys. (key ${KEY})`, 'invalid_request_error', 'invalid_api_key'), 'auth'],
    [402, envelope('Credit limit exceeded. Please navigate to https://api.together.ai/settings/billing to add credit or increase your spending limit.', 'invalid_request_error', 'credit_limit'), 'insufficient_credits'],
    [403, envelope('Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4097.', 'invalid_request_error'), 'invalid_request'],
    [403, envelope('You do not have access to this resource', 'forbidden'), 'auth'],
    [404, envelope('Model not found', 'invalid_request_error', 'model_not_found'), 'provider_unavailable'],
    [422, envelope('The prompt was flagged as NSFW by the safety checker', 'invalid_request_error'), 'content_policy'],
  ])('maps HTTP %i to a single try of the right code (%#)', async (status, body, code) => {
    let calls = 0;
    server.use(
      http.post(GENERATIONS, () => {
        calls += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    const error = await client({}, { retries: 2 }).generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('retries 429 after Retry-After', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(GENERATIONS, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json(envelope('Rate limit exceeded', 'rate_limit_exceeded'), { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json(imageResponse());
      }),
    );
    const result = await client({}, { events, retries: 2 }).generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ provider: 'together', error: { code: 'rate_limited' } });
  });

  it.each([500, 503])('retries %i as provider_error, then fails after the retries', async (status) => {
    let calls = 0;
    server.use(
      http.post(GENERATIONS, () => {
        calls += 1;
        return HttpResponse.json(envelope('The server is overloaded', 'server_error'), { status });
      }),
    );
    expect(failureCode(await client({}, { retries: 2 }).generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('provider_error');
    expect(calls).toBe(3);
  });
});

describe('together: configuration', () => {
  it('reads TOGETHER_API_KEY, and without a key is passed over as missing_credentials', async () => {
    vi.stubEnv('TOGETHER_API_KEY', '');
    try {
      const error = await rejectionOf(createPixmux({ providers: [together()] }).generate({ prompt: 'x' }));
      expect(error.attempts?.[0]?.skipped).toBe('missing_credentials');
      vi.stubEnv('TOGETHER_API_KEY', 'tgp_v1_from_env_abcdef');
      expect(together().hasCredentials?.()).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('is cheap by default; honours id, tier, baseURL and model overrides', async () => {
    const seen: string[] = [];
    server.use(
      http.post('https://proxy.test/together/v1/images/generations', async ({ request }) => {
        seen.push(((await request.json()) as { model: string }).model);
        return HttpResponse.json(imageResponse());
      }),
    );
    expect(together({ apiKey: KEY }).tier).toBe('cheap');
    const provider = together({ apiKey: KEY, id: 'tg', tier: 'premium', baseURL: 'https://proxy.test/together/v1/', model: 'black-forest-labs/FLUX.1.1-pro' });
    expect(provider.id).toBe('tg');
    expect(provider.tier).toBe('premium');
    await createPixmux({ providers: [provider] }).generate({ prompt: 'x' });
    expect(seen).toEqual(['black-forest-labs/FLUX.1.1-pro']);
    // No built-in price for FLUX.1.1-pro: not invented.
    const request = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', request)).toBeUndefined();
  });

  it('splits n above maxImagesPerCall into bounded requests', async () => {
    const seen: Seen[] = [];
    server.use(recordGenerations(seen));
    const result = await client({ maxImagesPerCall: 2 }).generate({ prompt: 'x', n: 5 });
    expect(seen.map(({ body }) => body.n).sort()).toEqual([1, 2, 2]);
    expect(result.images).toHaveLength(5);
  });

  it('estimates the price before the call from the table, overridable', () => {
    const request = { prompt: 'x', negativePrompt: undefined, size: { width: 512, height: 512 }, aspectRatio: undefined, n: 2, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(together({ apiKey: KEY }).price?.('generate', request)).toBe(0.001416);
    expect(together({ apiKey: KEY, prices: { 'black-forest-labs/FLUX.1-schnell': { perImage: 0.01 } } }).price?.('generate', request)).toBe(0.02);
    expect(together({ apiKey: KEY }).price?.('generate', { ...request, model: 'black-forest-labs/FLUX.1-schnell-Free' })).toBe(0);
  });

  it('refuses a maxImagesPerCall that is not a whole number of at least 1', () => {
    expect(() => together({ apiKey: KEY, maxImagesPerCall: 0 })).toThrow(/maxImagesPerCall/);
  });
});
