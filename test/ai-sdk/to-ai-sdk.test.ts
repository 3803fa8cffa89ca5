import { createOpenAI } from '@ai-sdk/openai';
import { AISDKError } from '@ai-sdk/provider';
import { generateImage } from 'ai';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { defineProvider, PixmuxError, type NormalizedGenerateRequest, type ProviderDefinition } from 'pixmux';
import { fromAiSdk, toAiSdk } from '../../src/ai-sdk/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { clientWith, fail, PNG, stub } from '../policy/stub.js';

const server = useMswServer();

/** A provider that records the requests it gets and answers with one PNG per image asked for, at $0.01 each. */
function recording(id: string, options: Partial<Omit<ProviderDefinition, 'id' | 'operations'>> = {}) {
  const requests: NormalizedGenerateRequest[] = [];
  const provider = defineProvider({
    id,
    price: (_operation, request) => 0.01 * (request as NormalizedGenerateRequest).n,
    ...options,
    operations: {
      generate: async (request) => {
        requests.push(request);
        return { images: Array.from({ length: request.n }, () => ({ bytes: PNG })), model: `${id}-model`, costUsd: 0.01 * request.n };
      },
    },
  });
  return { provider, requests };
}

describe('generateImage({ model: toAiSdk(px) })', () => {
  it('returns the images, with provider, cost and attempts in providerMetadata.pixmux', async () => {
    const local = recording('gpu');
    const { px } = clientWith([local.provider]);
    const result = await generateImage({ model: toAiSdk(px), prompt: 'a watercolour fox', size: '1024x768', seed: 5 });

    expect(result.images).toHaveLength(1);
    expect(result.image.uint8Array).toEqual(PNG);
    expect(result.image.mediaType).toBe('image/png');
    expect(local.requests[0]).toMatchObject({ prompt: 'a watercolour fox', n: 1, size: { width: 1024, height: 768 }, seed: 5 });
    const attempts = [{ provider: 'gpu', model: 'gpu-model', ok: true, tries: 1, costUsd: 0.01, durationMs: expect.any(Number) }];
    expect(result.providerMetadata.pixmux).toEqual({ images: [{ provider: 'gpu', model: 'gpu-model', costUsd: 0.01, cached: false, attempts, mediaType: 'image/png', width: 8, height: 8 }] });
    // ai@7's own places for it: each image's metadata, and each model call's (with the call-level facts).
    expect(result.image.providerMetadata?.pixmux).toEqual(result.providerMetadata.pixmux!.images[0]);
    expect(result.calls[0]!.response.modelId).toBe('gpu-model');
    expect(result.calls[0]!.providerMetadata?.pixmux).toMatchObject({ provider: 'gpu', model: 'gpu-model', costUsd: 0.01, cached: false, attempts, totalMs: expect.any(Number) });
    expect(result.warnings).toEqual([]);
  });

  it('asks pixmux for all n images in one call; pixmux splits them by each provider limit', async () => {
    const local = recording('gpu', { maxImagesPerCall: 2 });
    const model = toAiSdk(clientWith([local.provider]).px);
    expect(model.maxImagesPerCall).toBe(10);
    const result = await generateImage({ model, prompt: 'x', n: 5, aspectRatio: '16:9' });
    expect(result.images).toHaveLength(5);
    expect(local.requests.map((request) => request.n)).toEqual([2, 2, 1]);
    expect(local.requests[0]!.aspectRatio).toBe('16:9');
    const images = result.providerMetadata.pixmux!.images as Array<{ costUsd: number; provider: string }>;
    expect(images).toHaveLength(5);
    expect(images.every((image) => image.provider === 'gpu')).toBe(true);
    // Each image carries its share of the call's cost, so the shares add up to what the call cost.
    expect(images.reduce((sum, image) => sum + image.costUsd, 0)).toBeCloseTo(0.05, 9);
  });

  it('falls back behind the AI SDK: the attempts show the failed provider and the one that served', async () => {
    const broken = stub('gpu', { answer: fail('provider_error', 503) });
    const cloud = recording('cloud', { tier: 'premium' });
    const { px } = clientWith([broken.provider, cloud.provider], { retry: { retries: 0 } });
    const result = await generateImage({ model: toAiSdk(px), prompt: 'x' });
    const [image] = result.providerMetadata.pixmux!.images as Array<{ provider: string; attempts: Array<{ provider: string; ok: boolean; error?: { code: string } }> }>;
    expect(image!.provider).toBe('cloud');
    expect(image!.attempts.map((attempt) => [attempt.provider, attempt.ok, attempt.error?.code])).toEqual([
      ['gpu', false, 'provider_error'],
      ['cloud', true, undefined],
    ]);
  });

  it("surfaces a failed call as a PixmuxError that is an AI SDK error, not retryable, and not retried by the AI SDK's maxRetries", async () => {
    const broken = stub('gpu', { answer: fail('rate_limited', 429) });
    const { px } = clientWith([broken.provider], { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, jitter: 0 } });
    const error = await generateImage({ model: toAiSdk(px), prompt: 'x', maxRetries: 2 }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error)).toBe(true);
    expect(AISDKError.isInstance(error)).toBe(true);
    // pixmux's own error, retryable at pixmux's level, but not for the AI SDK: pixmux already retried.
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, isRetryable: false });
    expect((error as PixmuxError).attempts?.[0]).toMatchObject({ provider: 'gpu', tries: 2, error: { code: 'rate_limited' } });
    // pixmux tried twice (its own retry); the AI SDK did not run the policy again.
    expect(broken.state.calls).toBe(2);
  });

  it('maps pixmux warnings, passes providerOptions.pixmux as call options and other keys to the provider of that id, and warns about the rest', async () => {
    const gpu = recording('gpu');
    const cloud = recording('cloud', { tier: 'premium' });
    const { px } = clientWith([gpu.provider, cloud.provider]);
    const result = await generateImage({
      model: toAiSdk(px, { call: { format: 'webp' } }),
      prompt: 'x',
      providerOptions: { pixmux: { providers: ['cloud'], negativePrompt: 'blur', colour: 'red' }, cloud: { steps: 4 } },
      headers: { 'x-trace': 'abc' },
    });
    expect(gpu.requests).toHaveLength(0);
    expect(cloud.requests[0]).toMatchObject({ negativePrompt: 'blur', format: 'webp', providerOptions: { steps: 4 } });
    expect(result.warnings).toEqual(expect.arrayContaining([
      { type: 'unsupported', feature: 'providerOptions.pixmux.colour', details: expect.stringMatching(/pixmux call options are providers, model/) },
      { type: 'unsupported', feature: 'headers', details: expect.stringMatching(/x-trace not sent/) },
      { type: 'other', message: 'generate: asked for webp, the provider returned image/png' },
    ]));
  });

  it('refuses image edits (files, masks) with a typed error', async () => {
    const { px } = clientWith([recording('gpu').provider]);
    const error = await generateImage({ model: toAiSdk(px), prompt: { text: 'x', images: [makePng(4, 4)] } }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error) && error.code).toBe('unsupported');
    expect(AISDKError.isInstance(error)).toBe(true);
  });

  it('passes the abort signal into the pixmux call', async () => {
    const slow = stub('gpu', { answer: (_call, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })) });
    const { px } = clientWith([slow.provider]);
    const controller = new AbortController();
    const call = generateImage({ model: toAiSdk(px), prompt: 'x', abortSignal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => slow.state.calls).toBe(1);
    controller.abort();
    const error = await call;
    expect(PixmuxError.isInstance(error) && error.code).toBe('aborted');
    expect(slow.state.signals[0]!.aborted).toBe(true);
  });

  it('refuses a maxImagesPerCall pixmux cannot serve', () => {
    const { px } = clientWith([recording('gpu').provider]);
    expect(() => toAiSdk(px, { maxImagesPerCall: 11 })).toThrow(/maxImagesPerCall must be a whole number from 1 to 10/);
  });
});

describe('both directions at once: generateImage → toAiSdk(pixmux) → fromAiSdk(openai.image) → msw', () => {
  it('runs the real OpenAI AI SDK model behind pixmux, behind the AI SDK, and falls back when it fails', async () => {
    const bodies: unknown[] = [];
    let status = 200;
    server.use(
      http.post('https://api.openai.com/v1/images/generations', async ({ request }) => {
        bodies.push(await request.json());
        if (status !== 200) return HttpResponse.json({ error: { message: 'overloaded', type: 'server_error' } }, { status });
        return HttpResponse.json({ data: [{ b64_json: toBase64(makePng(12, 12)) }, { b64_json: toBase64(makePng(12, 12)) }] });
      }),
    );
    const openai = createOpenAI({ apiKey: 'sk-roundtrip-secret-123456' });
    const backup = recording('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(openai.image('gpt-image-2'), { price: 0.04 }), backup.provider], { retry: { retries: 0 } });

    const served = await generateImage({ model: toAiSdk(px), prompt: 'a fox', n: 2, size: '1024x1024', providerOptions: { openai: { quality: 'low' } } });
    expect(bodies).toEqual([{ model: 'gpt-image-2', prompt: 'a fox', n: 2, size: '1024x1024', quality: 'low' }]);
    expect(served.images.map((image) => image.mediaType)).toEqual(['image/png', 'image/png']);
    expect(served.providerMetadata.pixmux!.images).toMatchObject([
      { provider: 'openai', model: 'gpt-image-2', costUsd: 0.04 },
      { provider: 'openai', model: 'gpt-image-2', costUsd: 0.04 },
    ]);

    status = 503;
    const fallback = await generateImage({ model: toAiSdk(px), prompt: 'a hare' });
    const [image] = fallback.providerMetadata.pixmux!.images as Array<{ provider: string; attempts: Array<{ provider: string; error?: { code: string; status?: number } }> }>;
    expect(image!.provider).toBe('backup');
    expect(image!.attempts[0]).toMatchObject({ provider: 'openai', error: { code: 'provider_error', status: 503 } });
    expect(fallback.image.uint8Array).toEqual(PNG);
  });
});
