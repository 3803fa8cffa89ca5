import { createOpenAI } from '@ai-sdk/openai';
import type { ImageModelV2, ImageModelV4 } from '@ai-sdk/provider';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { PixmuxError } from 'pixmux';
import { fromAiSdk } from '../../src/ai-sdk/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { hangUntilAborted, useMswServer } from '../helpers/msw.js';
import { clientWith, PNG, stub } from '../policy/stub.js';

const server = useMswServer();
const KEY = 'sk-aisdk-test-secret-123456';
const URL_GENERATIONS = 'https://api.openai.com/v1/images/generations';
const png = makePng(16, 16);
const openai = createOpenAI({ apiKey: KEY });

interface Seen {
  body: Record<string, unknown>;
  headers: Headers;
}

/** The msw OpenAI Images handler: records each request, answers with `n` base64 PNGs (or what `answer` says). */
function openaiImages(answer?: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  server.use(
    http.post(URL_GENERATIONS, async ({ request }) => {
      const entry = { body: (await request.json()) as Record<string, unknown>, headers: request.headers };
      seen.push(entry);
      if (answer) return answer(entry);
      const n = Number(entry.body.n ?? 1);
      return HttpResponse.json({ created: 1, data: Array.from({ length: n }, () => ({ b64_json: toBase64(png) })), size: entry.body.size, quality: 'high' });
    }),
  );
  return seen;
}

describe('fromAiSdk(openai.image(…)) inside a pixmux client', () => {
  it('sends the exact OpenAI request the AI SDK model builds, with provider options and headers, and returns the bytes', async () => {
    const seen = openaiImages();
    const provider = fromAiSdk(openai.image('gpt-image-2'), { tier: 'premium', price: 0.04, headers: { 'x-team': 'pixmux-tests' } });
    const { px } = clientWith([provider]);
    const result = await px.generate({ prompt: 'a watercolour fox', size: '1024x1536', providerOptions: { openai: { quality: 'high', background: 'opaque' } } });

    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual({ model: 'gpt-image-2', prompt: 'a watercolour fox', n: 1, size: '1024x1536', quality: 'high', background: 'opaque' });
    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(seen[0]!.headers.get('x-team')).toBe('pixmux-tests');
    expect(result.provider).toBe('openai');
    expect(result.model).toBe('gpt-image-2');
    expect(result.costUsd).toBe(0.04);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 16, height: 16 });
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.warnings).toEqual([]);
    expect(result.metadata.providerMetadata).toMatchObject({ openai: { images: [{ quality: 'high', size: '1024x1536' }] } });
  });

  it('turns the model warnings (seed, aspect ratio) into pixmux warnings, and says what it could not send', async () => {
    const seen = openaiImages();
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'))]);
    const result = await px.generate({ prompt: 'x', aspectRatio: '16:9', seed: 7, negativePrompt: 'blur' });
    expect(seen[0]!.body).toEqual({ model: 'gpt-image-2', prompt: 'x', n: 1 });
    expect(result.warnings).toEqual([
      'openai: AI SDK image models take no negative prompt; negativePrompt was not sent',
      'openai: aspectRatio is not supported by the model: This model does not support aspect ratio. Use `size` instead.',
      'openai: seed is not supported by the model',
    ]);
  });

  it("respects the model's maxImagesPerCall: dall-e-3 takes one image per request, so n = 3 is three requests", async () => {
    const seen = openaiImages();
    const provider = fromAiSdk(openai.image('dall-e-3'), { price: { perImage: 0.04 } });
    expect(provider.maxImagesPerCall).toBe(1);
    const { px } = clientWith([provider]);
    const result = await px.generate({ prompt: 'x', n: 3 });
    expect(seen.map((entry) => entry.body.n)).toEqual([1, 1, 1]);
    expect(result.images).toHaveLength(3);
    expect(result.costUsd).toBeCloseTo(0.12, 9);
  });

  it('passes the abort signal: aborting the pixmux call aborts the AI SDK request', async () => {
    const { resolver, stats } = hangUntilAborted();
    server.use(http.post(URL_GENERATIONS, resolver));
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'))]);
    const controller = new AbortController();
    const call = px.generate({ prompt: 'x', signal: controller.signal });
    await expect.poll(() => stats.calls).toBe(1);
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error) && error.code).toBe('aborted');
    await expect.poll(() => stats.aborted).toBe(1);
  });

  it('falls back to the next provider when the AI SDK model fails with a 500, after retrying it', async () => {
    const seen = openaiImages(() => HttpResponse.json({ error: { message: 'The server had an error', type: 'server_error' } }, { status: 500 }));
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'), { price: 0.04 }), backup.provider], { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, jitter: 0 } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('backup');
    expect(result.images[0]!.bytes).toEqual(PNG);
    expect(seen).toHaveLength(2);
    expect(result.attempts[0]).toMatchObject({ provider: 'openai', ok: false, tries: 2, error: { code: 'provider_error', status: 500 } });
    expect(result.attempts[0]!.error!.message).toMatch(/The server had an error/);
  });

  it('maps a 429 with Retry-After into a rate_limited retry that waits what the vendor asked, then succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    openaiImages(() => {
      calls += 1;
      if (calls === 1) return HttpResponse.json({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'retry-after-ms': '5' } });
      return HttpResponse.json({ data: [{ b64_json: toBase64(png) }] });
    });
    const { px, events } = clientWith([fromAiSdk(openai.image('gpt-image-2'))]);
    const result = await px.generate({ prompt: 'x' });
    for (const event of events) if (event.type === 'retry.scheduled') retries.push(event.delayMs);
    expect(result.attempts[0]).toMatchObject({ provider: 'openai', ok: true, tries: 2 });
    expect(retries).toEqual([5]);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('does not retry a 401 (auth) and falls back, with the key scrubbed from the error', async () => {
    const seen = openaiImages(() => HttpResponse.json({ error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 }));
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'), { secrets: [KEY] }), backup.provider]);
    const result = await px.generate({ prompt: 'x' });
    expect(seen).toHaveLength(1);
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'openai', ok: false, tries: 1, error: { code: 'auth', status: 401 } });
    expect(JSON.stringify(result.attempts)).not.toContain(KEY);
  });

  it('without an OpenAI key the model throws LoadAPIKeyError: auth, not retried, and the call falls back', async () => {
    vi.stubEnv('OPENAI_API_KEY', undefined);
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(createOpenAI().image('gpt-image-2')), backup.provider]);
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'openai', ok: false, tries: 1, error: { code: 'auth', message: expect.stringMatching(/API key is missing/) } });
    vi.unstubAllEnvs();
  });

  it('stops on a 400 (invalid_request) and maps a moderation block to content_policy', async () => {
    openaiImages(() => HttpResponse.json({ error: { message: 'Invalid size', type: 'invalid_request_error', code: null } }, { status: 400 }));
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2')), backup.provider]);
    const invalid = await px.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(invalid) && invalid.code).toBe('invalid_request');
    expect(backup.state.calls).toBe(0);

    openaiImages(() => HttpResponse.json({ error: { message: 'Your request was rejected by the safety system', type: 'image_generation_user_error', code: 'moderation_blocked' } }, { status: 400 }));
    const blocked = await px.generate({ prompt: 'y' }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(blocked) && blocked.attempts?.[0]?.error?.code).toBe('content_policy');
  });

  it('maps a network failure to a retryable provider_error', async () => {
    let calls = 0;
    openaiImages(() => {
      calls += 1;
      return calls === 1 ? HttpResponse.error() : HttpResponse.json({ data: [{ b64_json: toBase64(png) }] });
    });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'))]);
    const result = await px.generate({ prompt: 'x' });
    expect(result.attempts[0]).toMatchObject({ ok: true, tries: 2 });
  });

  it.each([
    ['malformed JSON', () => new HttpResponse('{"data": [', { status: 200, headers: { 'content-type': 'application/json' } })],
    ['no images', () => HttpResponse.json({ data: [] })],
    ['base64 that is no image', () => HttpResponse.json({ data: [{ b64_json: toBase64(new TextEncoder().encode('this is not an image at all')) }] })],
  ])('a 200 with %s is a bad_response', async (_label, answer) => {
    openaiImages(answer);
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'))]);
    const error = await px.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error) && error.attempts?.[0]?.error?.code).toBe('bad_response');
  });

  it('serves a repeated request from the cache (the identity is the model), and budgets reserve its price', async () => {
    const seen = openaiImages();
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'), { price: 0.04 })], { cache: { memory: {} } });
    // Only a seeded generate is cached (without a seed each call is meant to differ).
    const first = await px.generate({ prompt: 'a fox', seed: 1 });
    const second = await px.generate({ prompt: 'a fox', seed: 1 });
    expect(seen).toHaveLength(1);
    expect([first.cached, second.cached]).toEqual([false, true]);
    const capped = await px.generate({ prompt: 'a hare', seed: 1, maxCostUsd: 0.01 }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(capped) && capped.code).toBe('budget_exceeded');
    expect(seen).toHaveLength(1);
  });

  it('passes a call that names another model over, with the reason', async () => {
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2')), backup.provider]);
    const result = await px.generate({ prompt: 'x', model: 'dall-e-3' });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'openai', skipped: 'unsupported', detail: expect.stringMatching(/runs gpt-image-2 only/) });
  });
});

describe('fromAiSdk with other specification versions and shapes', () => {
  it('takes a v2 model: its warnings are read, Uint8Array images pass, its JPEG is recognised', async () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x04, 0x00, 0x06, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9]);
    const calls: unknown[] = [];
    const model: ImageModelV2 = {
      specificationVersion: 'v2',
      provider: 'acme.image',
      modelId: 'acme-1',
      maxImagesPerCall: 2,
      async doGenerate(options) {
        calls.push({ n: options.n, size: options.size, seed: options.seed, providerOptions: options.providerOptions });
        return {
          images: Array.from({ length: options.n }, () => jpeg),
          warnings: [{ type: 'unsupported-setting', setting: 'seed', details: 'acme ignores seeds' }, { type: 'other', message: 'slow today' }],
          response: { timestamp: new Date(), modelId: 'acme-1-2026', headers: undefined },
        };
      },
    };
    const { px } = clientWith([fromAiSdk(model, { providerOptions: { acme: { style: 'flat', steps: 4 } } })]);
    const result = await px.generate({ prompt: 'x', n: 3, size: '512x512', seed: 9, providerOptions: { acme: { steps: 8 } } });
    // pixmux gives each chunk of a seeded call its own seed (seed + images before it), so the images differ.
    expect(calls).toEqual([
      { n: 2, size: '512x512', seed: 9, providerOptions: { acme: { style: 'flat', steps: 8 } } },
      { n: 1, size: '512x512', seed: 11, providerOptions: { acme: { style: 'flat', steps: 8 } } },
    ]);
    expect(result.model).toBe('acme-1-2026');
    expect(result.images.map((image) => image.mediaType)).toEqual(['image/jpeg', 'image/jpeg', 'image/jpeg']);
    const fromModel = ['acme: seed is not supported by the model: acme ignores seeds', 'acme: slow today'];
    expect(result.warnings).toEqual([...fromModel, ...fromModel, 'generate: asked for png, the provider returned image/jpeg']);
  });

  it('asks a model whose limit is a function, and splits n by what it answers', async () => {
    const counts: number[] = [];
    const seeds: Array<number | undefined> = [];
    const model: ImageModelV4 = {
      specificationVersion: 'v4',
      provider: 'gateway',
      modelId: 'some/model',
      maxImagesPerCall: async () => 2,
      async doGenerate(options) {
        counts.push(options.n);
        seeds.push(options.seed);
        return { images: Array.from({ length: options.n }, () => toBase64(png)), warnings: [], response: { timestamp: new Date(), modelId: 'some/model', headers: undefined } };
      },
    };
    const { px } = clientWith([fromAiSdk(model)]);
    const result = await px.generate({ prompt: 'x', n: 5, seed: 100 });
    expect(counts).toEqual([2, 2, 1]);
    expect(seeds).toEqual([100, 102, 104]);
    expect(result.images).toHaveLength(5);
  });

  it.each([
    ['not an object', 42],
    ['a language model', { specificationVersion: 'v4', provider: 'openai.chat', modelId: 'gpt', doStream: () => {} }],
    ['a v1 image model', { specificationVersion: 'v1', provider: 'old', modelId: 'old', doGenerate: () => {} }],
  ])('refuses %s with a typed error', (_label, value) => {
    let error: unknown;
    try {
      fromAiSdk(value as unknown as ImageModelV4);
    } catch (thrown) {
      error = thrown;
    }
    expect(PixmuxError.isInstance(error) && error.code).toBe('invalid_request');
    expect((error as Error).message).toMatch(/expected an AI SDK image model of specification v4, v3, v2/);
  });

  it('refuses a price that is no price', () => {
    expect(() => fromAiSdk(openai.image('gpt-image-2'), { price: -1 })).toThrow(/price must be/);
  });
});
