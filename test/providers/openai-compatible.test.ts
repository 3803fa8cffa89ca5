import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';

const server = useMswServer();
const BASE = 'http://gpu-box.test/v1';
const png = makePng(16, 16);

function client(options: Partial<Parameters<typeof openaiCompatible>[0]> = {}) {
  return createPixmux({
    providers: [openaiCompatible({ baseURL: BASE, model: 'flux-schnell', apiKey: 'sk-test-secret-123456', ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

describe('openaiCompatible', () => {
  it('posts the documented body with the bearer key and decodes b64_json', async () => {
    let seen: { body: unknown; auth: string | null; url: string } | undefined;
    server.use(
      http.post(`${BASE}/images/generations`, async ({ request }) => {
        seen = { body: await request.json(), auth: request.headers.get('authorization'), url: request.url };
        return HttpResponse.json({ created: 1, data: [{ b64_json: toBase64(png) }] });
      }),
    );
    const result = await client().generate({ prompt: 'a red bicycle', size: '512x512' });
    expect(seen).toEqual({
      url: `${BASE}/images/generations`,
      auth: 'Bearer sk-test-secret-123456',
      body: { model: 'flux-schnell', prompt: 'a red bicycle', n: 1, size: '512x512', response_format: 'b64_json' },
    });
    expect(result.provider).toBe('openai-compatible');
    expect(result.model).toBe('flux-schnell');
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 16, height: 16 });
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('downloads url results so the caller always gets bytes', async () => {
    server.use(
      http.post(`${BASE}/images/generations`, () => HttpResponse.json({ data: [{ url: 'http://cdn.test/out.png?sig=abc' }] })),
      http.get('http://cdn.test/out.png', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })),
    );
    const result = await client({ responseFormat: 'url' }).generate({ prompt: 'x' });
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('fails with bad_response when a result URL cannot be downloaded', async () => {
    server.use(
      http.post(`${BASE}/images/generations`, () => HttpResponse.json({ data: [{ url: 'http://cdn.test/gone.png' }] })),
      http.get('http://cdn.test/gone.png', () => new HttpResponse(null, { status: 404 })),
    );
    const error = await client({ responseFormat: 'url' }).generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error)).toBe(true);
    expect((error as PixmuxError).attempts?.at(-1)?.error?.code).toBe('bad_response');
  });

  it('turns seed and negativePrompt into warnings unless fields are configured', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${BASE}/images/generations`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ data: [{ b64_json: toBase64(png) }] });
      }),
    );
    const plain = await client().generate({ prompt: 'x', seed: 7, negativePrompt: 'blur' });
    expect(plain.warnings.join('\n')).toMatch(/seed is not part/);
    expect(plain.warnings.join('\n')).toMatch(/negativePrompt is not part/);
    const mapped = await client({ fields: { seed: 'seed', negativePrompt: 'negative_prompt' } }).generate({ prompt: 'x', seed: 7, negativePrompt: 'blur' });
    expect(mapped.warnings).toEqual([]);
    expect(bodies[1]).toMatchObject({ seed: 7, negative_prompt: 'blur' });
  });

  it('snaps sizes to the configured list with a warning, and derives size from the aspect ratio', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    server.use(
      http.post(`${BASE}/images/generations`, async ({ request }) => {
        bodies.push((await request.json()) as Record<string, unknown>);
        return HttpResponse.json({ data: [{ b64_json: toBase64(png) }] });
      }),
    );
    const snapped = await client({ sizes: ['1024x1024', '1536x1024'] }).generate({ prompt: 'x', size: '1600x1000' });
    expect(bodies[0]!.size).toBe('1536x1024');
    expect(snapped.warnings.join()).toMatch(/1600x1000 is not offered; using 1536x1024/);
    await client().generate({ prompt: 'x', aspectRatio: '16:9' });
    expect(bodies[1]!.size).toBe('1344x768');
  });

  it('splits n above maxImagesPerCall into bounded requests', async () => {
    const ns: number[] = [];
    server.use(
      http.post(`${BASE}/images/generations`, async ({ request }) => {
        const body = (await request.json()) as { n: number };
        ns.push(body.n);
        return HttpResponse.json({ data: Array.from({ length: body.n }, () => ({ b64_json: toBase64(png) })) });
      }),
    );
    const result = await client({ maxImagesPerCall: 2 }).generate({ prompt: 'x', n: 5 });
    expect(ns.sort()).toEqual([1, 2, 2]);
    expect(result.images).toHaveLength(5);
  });

  it('maps a 200 with no images to bad_response, never an empty success', async () => {
    server.use(http.post(`${BASE}/images/generations`, () => HttpResponse.json({ data: [] })));
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.code).toBe('bad_response');
    expect(error.attempts?.[0]?.error?.code).toBe('bad_response');
  });

  it.each([
    [401, { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } }, 'auth'],
    [400, { error: { message: 'Your request was rejected by the safety system', type: 'image_generation_user_error', code: 'moderation_blocked' } }, 'content_policy'],
    [429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } }, 'insufficient_credits'],
    [400, { error: { message: 'size must be one of', type: 'invalid_request_error', code: null } }, 'invalid_request'],
  ])('maps HTTP %i to %s', async (status, body, code) => {
    server.use(http.post(`${BASE}/images/generations`, () => HttpResponse.json(body, { status })));
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    const failure = error.code === 'all_failed' ? error.attempts?.at(-1)?.error?.code : error.code;
    expect(failure).toBe(code);
    expect(error.attempts?.at(-1)?.tries).toBe(1);
  });

  it('rejects missing configuration', () => {
    expect(() => openaiCompatible({ baseURL: '', model: 'x' })).toThrow(/baseURL is required/);
  });
});
