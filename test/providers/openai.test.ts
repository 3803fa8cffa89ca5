import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { DEFAULT_OPENAI_MODEL, openai, type OpenAIOptions } from '../../providers/openai/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { hangUntilAborted, useMswServer } from '../helpers/msw.js';
import { expectValidRequestBody, specSkipReason } from '../helpers/openapi.js';
import { failureCode } from '../helpers/errors.js';

const server = useMswServer();
const BASE = 'https://api.openai.com/v1';
const URL_GENERATIONS = `${BASE}/images/generations`;
const KEY = 'sk-test-openai-secret-0123456789';
const png = makePng(16, 16);
const SPEC_MISSING = specSkipReason('openai.yaml');

function client(options: OpenAIOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [openai({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

/** The documented `ImagesResponse` of a GPT-image model. */
function imagesResponse(count = 1, extra: Record<string, unknown> = {}) {
  return {
    created: 1713833628,
    data: Array.from({ length: count }, () => ({ b64_json: toBase64(png), revised_prompt: 'a red bicycle, studio light' })),
    background: 'opaque',
    output_format: 'png',
    size: '1024x1024',
    quality: 'high',
    usage: { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
    ...extra,
  };
}

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | null>;
  body: Record<string, unknown>;
}

function capture(seen: Seen[], reply: () => Response = () => HttpResponse.json(imagesResponse())) {
  return http.post(URL_GENERATIONS, async ({ request }) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: {
        authorization: request.headers.get('authorization'),
        'content-type': request.headers.get('content-type'),
        'openai-organization': request.headers.get('openai-organization'),
        'openai-project': request.headers.get('openai-project'),
      },
      body: (await request.json()) as Record<string, unknown>,
    });
    return reply();
  });
}

describe('openai: request', () => {
  it('posts the documented JSON body with the bearer key, always naming the model', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client({ organization: 'org-123', project: 'proj-9' }).generate({ prompt: 'a red bicycle', size: '1536x1024' });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: URL_GENERATIONS,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'openai-organization': 'org-123', 'openai-project': 'proj-9' },
        body: { model: 'gpt-image-2', prompt: 'a red bicycle', n: 1, size: '1536x1024', output_format: 'png' },
      },
    ]);
    expect(DEFAULT_OPENAI_MODEL).toBe('gpt-image-2');
    expect(result.provider).toBe('openai');
    expect(result.model).toBe('gpt-image-2');
    expect(result.warnings).toEqual([]);
  });

  it('sends format, quality, background, moderation and compression from the request and providerOptions', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    await client().generate({
      prompt: 'a sticker of a fox',
      format: 'webp',
      model: 'gpt-image-1-mini',
      providerOptions: { openai: { quality: 'low', background: 'transparent', moderation: 'low', output_compression: 80, user: 'user-42' } },
    });
    expect(seen[0]!.body).toEqual({
      model: 'gpt-image-1-mini',
      prompt: 'a sticker of a fox',
      n: 1,
      output_format: 'webp',
      quality: 'low',
      background: 'transparent',
      moderation: 'low',
      output_compression: 80,
      user: 'user-42',
    });
  });

  it.skipIf(SPEC_MISSING)('sends bodies that the official OpenAPI file accepts', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const px = client();
    await px.generate({ prompt: 'plain' });
    await px.generate({ prompt: 'wide', aspectRatio: '16:9', n: 2, format: 'jpeg', providerOptions: { openai: { quality: 'medium', output_compression: 70 } } });
    await px.generate({ prompt: 'cut-out', size: { width: 1000, height: 1000 }, providerOptions: { openai: { background: 'transparent', moderation: 'low' } } });
    await px.generate({ prompt: 'legacy', model: 'gpt-image-1', size: '1024x1536' });
    expect(seen).toHaveLength(4);
    for (const { body } of seen) expectValidRequestBody('openai.yaml', 'post', '/images/generations', 'application/json', body);
  });

  it.skipIf(SPEC_MISSING)('rejects a body the spec would refuse (the validator is not a rubber stamp)', () => {
    expect(() => expectValidRequestBody('openai.yaml', 'post', '/images/generations', 'application/json', { model: 'gpt-image-2', prompt: 'x', seed: 3, quality: 'ultra' })).toThrow(
      /quality.*allowed values[\s\S]*seed: is not declared/,
    );
  });

  it('turns seed and negativePrompt into warnings, never sending them', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().generate({ prompt: 'x', seed: 7, negativePrompt: 'blur' });
    expect(seen[0]!.body).not.toHaveProperty('seed');
    expect(seen[0]!.body).not.toHaveProperty('negative_prompt');
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/no seed; seed 7 was not sent/), expect.stringMatching(/no negative prompt/)]));
  });

  it('refuses providerOptions that would override request fields, and rejects invalid values', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().generate({ prompt: 'x', providerOptions: { openai: { model: 'dall-e-3', n: 5, style_hint: 'keep' } } });
    expect(seen[0]!.body).toMatchObject({ model: 'gpt-image-2', n: 1, style_hint: 'keep' });
    expect(result.warnings.join('\n')).toMatch(/providerOptions.model is set by pixmux/);
    const error = await client().generate({ prompt: 'x', providerOptions: { openai: { quality: 'ultra' } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect((error as Error).message).toMatch(/providerOptions.quality/);
    expect(seen).toHaveLength(1);
  });

  it('rejects transparent backgrounds with jpeg output before calling OpenAI', async () => {
    const error = await client().generate({ prompt: 'x', format: 'jpeg', providerOptions: { openai: { background: 'transparent' } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect((error as Error).message).toMatch(/transparent' needs format 'png' or 'webp'/);
  });

  it('drops output_compression for png with a warning', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().generate({ prompt: 'x', providerOptions: { openai: { output_compression: 50 } } });
    expect(seen[0]!.body).not.toHaveProperty('output_compression');
    expect(result.warnings.join()).toMatch(/output_compression applies to jpeg and webp only; not sent for png/);
  });
});

describe('openai: sizes', () => {
  it('snaps gpt-image-1 family sizes to the three it offers, with a warning', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client({ model: 'gpt-image-1-mini' }).generate({ prompt: 'x', size: '1600x1000' });
    expect(seen[0]!.body.size).toBe('1536x1024');
    expect(result.warnings.join()).toMatch(/gpt-image-1-mini does not offer size 1600x1000; using 1536x1024/);
    await client({ model: 'gpt-image-1' }).generate({ prompt: 'x', aspectRatio: '9:16' });
    expect(seen[1]!.body.size).toBe('1024x1536');
  });

  it('rounds gpt-image-2 sizes to multiples of 16 and derives sizes from the aspect ratio', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const rounded = await client().generate({ prompt: 'x', size: '1000x700' });
    expect(seen[0]!.body.size).toBe('1008x704');
    expect(rounded.warnings.join()).toMatch(/divisible by 16; using 1008x704/);
    await client().generate({ prompt: 'x', aspectRatio: '16:9' });
    expect(seen[1]!.body.size).toBe('1360x768');
    const big = await client().generate({ prompt: 'x', size: '3840x2160' });
    expect(seen[2]!.body.size).toBe('3840x2160');
    expect(big.warnings.join()).toMatch(/above 2560x1440 are experimental/);
  });

  it('passes over OpenAI (unsupported, with the reason) for sizes gpt-image-2 cannot make', async () => {
    const provider = openai({ apiKey: KEY });
    const request = { prompt: 'x', negativePrompt: undefined, aspectRatio: undefined, n: 1, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('generate', { ...request, size: { width: 4000, height: 1000 } })).toMatch(/between 1:3 and 3:1/);
    expect(provider.supports?.('generate', { ...request, size: { width: 4096, height: 2304 } })).toMatch(/up to 3840x2160/);
    expect(provider.supports?.('generate', { ...request, size: { width: 1024, height: 1024 } })).toBe(true);
    const error = (await client().generate({ prompt: 'x', size: '4000x1000' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ provider: 'openai', skipped: 'unsupported', detail: expect.stringMatching(/1:3 and 3:1/) });
  });
});

describe('openai: responses and cost', () => {
  it('decodes b64_json images and reports quality, size, usage and the revised prompt', async () => {
    server.use(http.post(URL_GENERATIONS, () => HttpResponse.json(imagesResponse(2))));
    const result = await client().generate({ prompt: 'x', n: 2 });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 16, height: 16 });
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.metadata).toMatchObject({ quality: 'high', size: '1024x1024', usage: { output_tokens: 4160 }, revisedPrompt: 'a red bicycle, studio light' });
  });

  it('estimates the price before the call and bills the quality and size OpenAI reports', async () => {
    const provider = openai({ apiKey: KEY });
    const base = { prompt: 'x', negativePrompt: undefined, aspectRatio: undefined, seed: undefined, format: 'png' as const, model: undefined };
    // auto quality is priced as high; gpt-image-2 high ≈ $0.19 per 1024² image.
    expect(provider.price?.('generate', { ...base, n: 2, size: { width: 1024, height: 1024 }, providerOptions: {} })).toBeCloseTo(0.38, 5);
    expect(provider.price?.('generate', { ...base, n: 1, size: { width: 1024, height: 1024 }, providerOptions: { quality: 'low' } })).toBeCloseTo(0.02, 5);
    expect(provider.price?.('generate', { ...base, n: 1, size: { width: 1536, height: 1024 }, model: 'gpt-image-1', providerOptions: { quality: 'high' } })).toBe(0.25);

    server.use(http.post(URL_GENERATIONS, () => HttpResponse.json(imagesResponse(1, { quality: 'medium', size: '1024x1024' }))));
    const billed = await client().generate({ prompt: 'x' });
    expect(billed.costUsd).toBeCloseTo(0.07, 5);
  });

  it('lets the prices option override the built-in table', async () => {
    server.use(http.post(URL_GENERATIONS, () => HttpResponse.json(imagesResponse(1))));
    const result = await client({ prices: { 'gpt-image-2': { perImage: 0.5 } } }).generate({ prompt: 'x' });
    expect(result.costUsd).toBe(0.5);
  });

  it('downloads url results (gateways, DALL·E-style answers) so the caller always gets bytes', async () => {
    server.use(
      http.post(URL_GENERATIONS, () => HttpResponse.json({ created: 1, data: [{ url: 'https://files.test/img.png?sig=abc' }] })),
      http.get('https://files.test/img.png', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })),
    );
    const result = await client().generate({ prompt: 'x' });
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('fails with bad_response when a result URL cannot be downloaded', async () => {
    server.use(
      http.post(URL_GENERATIONS, () => HttpResponse.json({ created: 1, data: [{ url: 'https://files.test/gone.png' }] })),
      http.get('https://files.test/gone.png', () => new HttpResponse(null, { status: 404 })),
    );
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });

  it.each([
    ['an empty data array', () => HttpResponse.json({ created: 1, data: [] })],
    ['a body that is not JSON', () => new HttpResponse('<html>gateway</html>', { headers: { 'content-type': 'text/html' } })],
    ['an empty body', () => new HttpResponse('', { status: 200 })],
    ['b64_json that is not base64', () => HttpResponse.json({ data: [{ b64_json: '***not base64***' }] })],
    ['base64 that is not an image', () => HttpResponse.json({ data: [{ b64_json: toBase64(new TextEncoder().encode('hello world')) }] })],
  ])('maps a 200 with %s to bad_response, never an empty success', async (_name, reply) => {
    server.use(http.post(URL_GENERATIONS, reply));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('openai: errors', () => {
  it.each([
    [401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 'auth'],
    [403, { error: { message: 'Your organization must be verified to use the model gpt-image-2', type: 'invalid_request_error', param: null, code: null } }, 'auth'],
    [400, { error: { message: 'Your request was rejected as a result of our safety system.', type: 'image_generation_user_error', param: null, code: 'moderation_blocked' } }, 'content_policy'],
    [429, { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }, 'insufficient_credits'],
    [400, { error: { message: "Invalid value: 'ultra'. Supported values are: 'low', 'medium', 'high', and 'auto'.", type: 'invalid_request_error', param: 'quality', code: 'invalid_value' } }, 'invalid_request'],
  ])('maps HTTP %i to a single try of %s', async (status, body, code) => {
    let calls = 0;
    server.use(
      http.post(URL_GENERATIONS, () => {
        calls += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    const error = await client().generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('retries 429 rate limits after the reset of the exhausted limit', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(URL_GENERATIONS, () => {
        calls += 1;
        if (calls === 1) {
          return HttpResponse.json(
            { error: { message: 'Rate limit reached for images per min', type: 'requests', code: 'rate_limit_exceeded' } },
            { status: 429, headers: { 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '12ms' } },
          );
        }
        return HttpResponse.json(imagesResponse());
      }),
    );
    const result = await client({}, events).generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
    expect(calls).toBe(2);
    const retry = events.find((event) => event.type === 'retry.scheduled');
    expect(retry).toMatchObject({ provider: 'openai', delayMs: 12, error: { code: 'rate_limited' } });
  });

  it('moves on instead of waiting when the reset is longer than the retry cap', async () => {
    let calls = 0;
    server.use(
      http.post(URL_GENERATIONS, () => {
        calls += 1;
        return HttpResponse.json({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'x-ratelimit-reset-requests': '6m0s' } });
      }),
    );
    const error = await client().generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('rate_limited');
    expect(calls).toBe(1);
  });

  it('turns a request that hangs past requestTimeoutMs into a retried timeout, never a hang', async () => {
    // The server never answers: only the request timeout can end each try.
    const hang = hangUntilAborted();
    server.use(http.post(URL_GENERATIONS, hang.resolver));
    // Through fetch, where msw sees each request's abort (a request sent with node:http is closed by destroying its
    // socket, which msw cannot observe: test/core/node-transport.test.ts checks that against a real server).
    const error = await client({ requestTimeoutMs: 40, fetch: (input, init) => fetch(input, init) }).generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('timeout');
    expect(hang.stats).toEqual({ calls: 3, aborted: 3 });
  });

  it('retries 5xx as provider_error, then fails after the retries', async () => {
    let calls = 0;
    server.use(
      http.post(URL_GENERATIONS, () => {
        calls += 1;
        return HttpResponse.json({ error: { message: 'The server had an error', type: 'server_error', code: null } }, { status: 500 });
      }),
    );
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('provider_error');
    expect(calls).toBe(3);
  });
});

describe('openai: configuration', () => {
  it('reads OPENAI_API_KEY, and without a key is passed over as missing_credentials', async () => {
    const saved = process.env.OPENAI_API_KEY;
    try {
      delete process.env.OPENAI_API_KEY;
      const bare = openai();
      expect(bare.hasCredentials?.()).toBe(false);
      const error = (await createPixmux({ providers: [bare] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'openai', skipped: 'missing_credentials' });

      process.env.OPENAI_API_KEY = 'sk-from-env-abcdef123456';
      const seen: Seen[] = [];
      server.use(capture(seen));
      await createPixmux({ providers: [openai()] }).generate({ prompt: 'x' });
      expect(seen[0]!.headers.authorization).toBe('Bearer sk-from-env-abcdef123456');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('defaults to the premium tier, honours tier, id and baseURL overrides', async () => {
    expect(openai({ apiKey: KEY }).tier).toBe('premium');
    expect(openai({ apiKey: KEY, tier: 'cheap' }).tier).toBe('cheap');
    const seen: Seen[] = [];
    server.use(
      http.post('https://gateway.test/openai/v1/images/generations', async ({ request }) => {
        seen.push({ method: request.method, url: request.url, headers: {}, body: (await request.json()) as Record<string, unknown> });
        return HttpResponse.json(imagesResponse());
      }),
    );
    const px = createPixmux({ providers: [openai({ apiKey: KEY, id: 'openai-eu', baseURL: 'https://gateway.test/openai/v1/' })] });
    const result = await px.generate({ prompt: 'x', providerOptions: { 'openai-eu': { quality: 'low' } } });
    expect(result.provider).toBe('openai-eu');
    expect(seen[0]!.body.quality).toBe('low');
  });

  it('splits n above maxImagesPerCall into bounded requests', async () => {
    const ns: number[] = [];
    server.use(
      http.post(URL_GENERATIONS, async ({ request }) => {
        const body = (await request.json()) as { n: number };
        ns.push(body.n);
        return HttpResponse.json(imagesResponse(body.n));
      }),
    );
    const result = await client().generate({ prompt: 'x', n: 6 });
    expect(ns.sort()).toEqual([2, 4]);
    expect(result.images).toHaveLength(6);
    expect(() => openai({ apiKey: KEY, maxImagesPerCall: 11 })).toThrow(/maxImagesPerCall/);
  });
});
