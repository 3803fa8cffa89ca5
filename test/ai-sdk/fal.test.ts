import { createFal } from '@ai-sdk/fal';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { fromAiSdk } from '../../src/ai-sdk/index.js';
import { makePng } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { clientWith, PNG, stub } from '../policy/stub.js';

const server = useMswServer();
const KEY = 'fal-aisdk-test-secret-123456';
const MODEL_URL = 'https://fal.run/fal-ai/flux/schnell';
const png = makePng(24, 16);

/** A second real AI SDK provider: fal answers with URLs, which the AI SDK model downloads itself, one image a request. */
describe('fromAiSdk(fal.image(…)) inside a pixmux client', () => {
  it('sends one request per image (fal.image takes one), downloads the URLs, and bills each image', async () => {
    const seen: Array<{ body: unknown; auth: string | null }> = [];
    server.use(
      http.post(MODEL_URL, async ({ request }) => {
        seen.push({ body: await request.json(), auth: request.headers.get('authorization') });
        return HttpResponse.json({ images: [{ url: `https://v3.fal.media/files/out-${seen.length}.png`, width: 24, height: 16, content_type: 'image/png' }], seed: 42, prompt: 'x' });
      }),
      http.get('https://v3.fal.media/files/:name', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })),
    );
    const provider = fromAiSdk(createFal({ apiKey: KEY }).image('fal-ai/flux/schnell'), { price: 0.003 });
    expect(provider.id).toBe('fal');
    expect(provider.maxImagesPerCall).toBe(1);
    const { px } = clientWith([provider]);
    const result = await px.generate({ prompt: 'a red bicycle', n: 2, size: '512x384', providerOptions: { fal: { numInferenceSteps: 4 } } });

    expect(seen).toEqual([
      { auth: `Key ${KEY}`, body: { prompt: 'a red bicycle', image_size: { width: 512, height: 384 }, num_images: 1, num_inference_steps: 4 } },
      { auth: `Key ${KEY}`, body: { prompt: 'a red bicycle', image_size: { width: 512, height: 384 }, num_images: 1, num_inference_steps: 4 } },
    ]);
    expect(result.images.map((image) => [image.mediaType, image.width, image.height])).toEqual([
      ['image/png', 24, 16],
      ['image/png', 24, 16],
    ]);
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.costUsd).toBeCloseTo(0.006, 9);
    expect(result.model).toBe('fal-ai/flux/schnell');
  });

  it('without a fal key (fal throws a plain Error, not an AI SDK error) the attempt fails once, unretried, and the call falls back', async () => {
    vi.stubEnv('FAL_KEY', undefined);
    vi.stubEnv('FAL_API_KEY', undefined);
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(createFal().image('fal-ai/flux/schnell')), backup.provider]);
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('backup');
    expect(result.images[0]!.bytes).toEqual(PNG);
    expect(result.attempts[0]).toMatchObject({ provider: 'fal', ok: false, tries: 1, error: { code: 'provider_error', message: expect.stringMatching(/API key is missing/) } });
    vi.unstubAllEnvs();
  });

  it('a result URL that cannot be downloaded fails the attempt and falls back', async () => {
    server.use(
      http.post(MODEL_URL, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/gone.png' }], prompt: 'x' })),
      http.get('https://v3.fal.media/files/gone.png', () => new HttpResponse(null, { status: 404 })),
    );
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([fromAiSdk(createFal({ apiKey: KEY }).image('fal-ai/flux/schnell')), backup.provider]);
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'fal', ok: false, error: { status: 404 } });
  });
});
