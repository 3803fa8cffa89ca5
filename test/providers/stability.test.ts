import { readFileSync } from 'node:fs';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { stability, type StabilityOptions } from '../../providers/stability/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { hangUntilAborted, useMswServer } from '../helpers/msw.js';
import { expectSameBytes } from '../helpers/bytes.js';
import { expectValidRequestBody, specSkipReason } from '../helpers/openapi.js';
import { failureCode } from '../helpers/errors.js';

const server = useMswServer();
const BASE = 'https://api.stability.ai/v2beta/stable-image';
const KEY = 'sk-test-stability-secret-0123456789';
const png = makePng(16, 16);
const photo = new Uint8Array(readFileSync(new URL('../fixtures/skimage_chelsea.png', import.meta.url)));
// The saved Stability specs are third-party reconstructions of v2beta (no official file exists); still a useful cross-check.
const GENERATE_SPEC_MISSING = specSkipReason('stability-generate.yaml');
const EDIT_SPEC_MISSING = specSkipReason('stability-edit.yaml');

function client(options: StabilityOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [stability({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

interface Seen {
  method: string;
  url: string;
  accept: string | null;
  authorization: string | null;
  contentType: string | null;
  form: FormData;
  fields: Record<string, string>;
  files: Record<string, { type: string; size: number; name: string; bytes: Uint8Array }>;
}

async function read(request: Request): Promise<Seen> {
  const contentType = request.headers.get('content-type');
  const form = await request.formData();
  const fields: Record<string, string> = {};
  const files: Seen['files'] = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') fields[key] = value;
    else files[key] = { type: value.type, size: value.size, name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) };
  }
  return { method: request.method, url: request.url, accept: request.headers.get('accept'), authorization: request.headers.get('authorization'), contentType, form, fields, files };
}

/** The documented `accept: image/*` answer: the image, metadata in headers. */
function imageReply(bytes = png, finishReason = 'SUCCESS', seed = '343940597') {
  return new HttpResponse(bytes, { headers: { 'content-type': 'image/png', 'finish-reason': finishReason, seed, 'x-request-id': 'req-abc' } });
}

function capture(path: string, seen: Seen[], reply: () => Response = () => imageReply()) {
  return http.post(`${BASE}/${path}`, async ({ request }) => {
    seen.push(await read(request));
    return reply();
  });
}

describe('stability: generate request', () => {
  it('posts multipart form fields to generate/core with the bearer key and accept: image/*', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/core', seen));
    const result = await client().generate({ prompt: 'a lighthouse at dusk', negativePrompt: 'people', aspectRatio: '16:9', seed: 42, format: 'webp' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: `${BASE}/generate/core`, accept: 'image/*', authorization: `Bearer ${KEY}` });
    expect(seen[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]!.fields).toEqual({ prompt: 'a lighthouse at dusk', negative_prompt: 'people', aspect_ratio: '16:9', seed: '42', output_format: 'webp' });
    expect(result).toMatchObject({ provider: 'stability', model: 'core', metadata: { seed: 343940597, requestId: 'req-abc' } });
    expect(result.warnings.filter((warning) => warning.startsWith('stability'))).toEqual([]);
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('routes ultra and sd3 models to their endpoints, naming the sd3 model in the form', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/ultra', seen), capture('generate/sd3', seen));
    await client({ model: 'ultra' }).generate({ prompt: 'x', providerOptions: { stability: { style_preset: 'photographic' } } });
    await client().generate({ prompt: 'y', model: 'sd3.5-large' });
    expect(seen.map((item) => item.url)).toEqual([`${BASE}/generate/ultra`, `${BASE}/generate/sd3`]);
    expect(seen[0]!.fields).toEqual({ prompt: 'x', output_format: 'png', style_preset: 'photographic' });
    expect(seen[1]!.fields).toEqual({ prompt: 'y', output_format: 'png', model: 'sd3.5-large' });
  });

  it.skipIf(GENERATE_SPEC_MISSING)('sends forms the (third-party) generate spec accepts', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/core', seen), capture('generate/sd3', seen), capture('generate/ultra', seen));
    await client().generate({ prompt: 'a', negativePrompt: 'b', size: '1536x1024', seed: 0, format: 'jpeg' });
    await client().generate({ prompt: 'c', model: 'sd3.5-medium', aspectRatio: '2:3' });
    await client({ model: 'ultra' }).generate({ prompt: 'd', aspectRatio: '9:21', seed: 4_294_967_294 });
    const paths = ['/v2beta/stable-image/generate/core', '/v2beta/stable-image/generate/sd3', '/v2beta/stable-image/generate/ultra'];
    seen.forEach((item, index) => expectValidRequestBody('stability-generate.yaml', 'post', paths[index]!, 'multipart/form-data', item.form));
  });

  it('warns about what Stability cannot honour: pixel sizes, unlisted ratios, turbo negative prompts, out-of-range seeds, sd3 style presets', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/core', seen), capture('generate/sd3', seen));
    const sized = await client().generate({ prompt: 'x', size: '1536x1024' });
    expect(seen[0]!.fields.aspect_ratio).toBe('3:2');
    expect(sized.warnings.join()).toMatch(/aspect ratio, not a pixel size; sending aspect_ratio 3:2 for 1536x1024/);
    const ratio = await client().generate({ prompt: 'x', aspectRatio: '4:3' });
    expect(seen[1]!.fields.aspect_ratio).toBe('5:4');
    expect(ratio.warnings.join()).toMatch(/does not offer aspect ratio 4:3; using 5:4/);
    const turbo = await client().generate({ prompt: 'x', model: 'sd3.5-large-turbo', negativePrompt: 'blur', seed: 4_294_967_295, providerOptions: { stability: { style_preset: 'anime' } } });
    expect(seen[2]!.fields).toEqual({ prompt: 'x', output_format: 'png', model: 'sd3.5-large-turbo' });
    expect(turbo.warnings).toEqual([
      expect.stringMatching(/does not honour negative prompts/),
      expect.stringMatching(/seed must be 0–4294967294; seed 4294967295 was not sent/),
      expect.stringMatching(/style_preset applies to core and ultra only/),
    ]);
  });

  it('splits n into one request per image and bills each', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/core', seen));
    const result = await client().generate({ prompt: 'x', n: 3 });
    expect(seen).toHaveLength(3);
    expect(result.images).toHaveLength(3);
    expect(result.costUsd).toBeCloseTo(0.09, 6);
  });

  it('passes over an unknown model with the reason', async () => {
    const error = (await client({ model: 'stable-diffusion-xl-1024-v1-0' }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ skipped: 'unsupported', detail: expect.stringMatching(/unknown model "stable-diffusion-xl-1024-v1-0"/) });
  });
});

describe('stability: responses', () => {
  it('parses the documented JSON answer when responseFormat is json', async () => {
    const seen: Seen[] = [];
    server.use(capture('generate/core', seen, () => HttpResponse.json({ image: toBase64(png), finish_reason: 'SUCCESS', seed: 1050625087 })));
    const result = await client({ responseFormat: 'json' }).generate({ prompt: 'x' });
    expect(seen[0]!.accept).toBe('application/json');
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.metadata).toMatchObject({ seed: 1050625087 });
  });

  it.each([
    ['the finish-reason header', () => imageReply(png, 'CONTENT_FILTERED')],
    ['the JSON finish_reason', () => HttpResponse.json({ image: toBase64(png), finish_reason: 'CONTENT_FILTERED', seed: 1 })],
  ])('turns a 200 filtered by %s into content_policy, tried once', async (_name, reply) => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/generate/core`, () => {
        calls += 1;
        return reply();
      }),
    );
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('content_policy');
    expect(calls).toBe(1);
  });

  it.each([
    ['an empty image body', () => new HttpResponse(new Uint8Array(), { headers: { 'content-type': 'image/png', 'finish-reason': 'SUCCESS' } })],
    ['bytes that are not an image', () => new HttpResponse('oops', { headers: { 'content-type': 'image/png', 'finish-reason': 'SUCCESS' } })],
    ['JSON without an image', () => HttpResponse.json({ finish_reason: 'SUCCESS' })],
    ['JSON that does not parse', () => new HttpResponse('{"image": ', { headers: { 'content-type': 'application/json' } })],
  ])('maps a 200 with %s to bad_response', async (_name, reply) => {
    server.use(http.post(`${BASE}/generate/core`, reply));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('stability: removeBackground', () => {
  it('uploads the image as a multipart file with output_format and returns the cut-out', async () => {
    const seen: Seen[] = [];
    const cutout = makePng(451, 300, [0, 0, 0, 0]);
    server.use(capture('edit/remove-background', seen, () => new HttpResponse(cutout, { headers: { 'content-type': 'image/webp' } })));
    const result = await client().removeBackground({ image: photo, format: 'webp' });
    expect(seen[0]).toMatchObject({ url: `${BASE}/edit/remove-background`, accept: 'image/*', authorization: `Bearer ${KEY}` });
    expect(seen[0]!.fields).toEqual({ output_format: 'webp' });
    expect(seen[0]!.files.image).toMatchObject({ type: 'image/png', name: 'image.png', size: photo.byteLength });
    expectSameBytes(seen[0]!.files.image!.bytes, photo);
    expect(result).toMatchObject({ provider: 'stability', model: 'remove-background', costUsd: 0.05 });
    expect(result.images[0]!.bytes).toEqual(cutout);
  });

  it.skipIf(EDIT_SPEC_MISSING)('sends a form the (third-party) edit spec accepts', async () => {
    const seen: Seen[] = [];
    server.use(capture('edit/remove-background', seen));
    await client().removeBackground({ image: photo });
    expectValidRequestBody('stability-edit.yaml', 'post', '/v2beta/stable-image/edit/remove-background', 'multipart/form-data', seen[0]!.form);
  });

  it('asks for png with a warning when jpeg is requested (no transparency in jpeg)', async () => {
    const seen: Seen[] = [];
    server.use(capture('edit/remove-background', seen));
    const result = await client().removeBackground({ image: photo, format: 'jpeg' });
    expect(seen[0]!.fields.output_format).toBe('png');
    expect(result.warnings.join()).toMatch(/returns png or webp/);
  });

  it('passes over images outside the endpoint limits', async () => {
    const error = (await client().removeBackground({ image: makePng(32, 200) }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ skipped: 'unsupported', detail: expect.stringMatching(/at least 64 px/) });
  });
});

describe('stability: errors', () => {
  it.each([
    [401, { id: 'e1', name: 'unauthorized', errors: ['authorization: invalid or missing'] }, 'auth'],
    [402, { id: 'e2', name: 'payment_required', errors: ['You lack sufficient credits to make this request.'] }, 'insufficient_credits'],
    [403, { id: 'e3', name: 'content_moderation', errors: ['Your request was flagged by our content moderation system.'] }, 'content_policy'],
    [400, { id: 'e4', name: 'bad_request', errors: ['prompt: cannot be empty'] }, 'invalid_request'],
    [413, { id: 'e5', name: 'payload_too_large', errors: ['body: payloads cannot be larger than 10MiB in size'] }, 'image_too_large'],
  ])('maps HTTP %i to a single try of %s', async (status, body, code) => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/generate/core`, () => {
        calls += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    const error = await client().generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('retries a 429 after its Retry-After', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(`${BASE}/generate/core`, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ id: 'e6', name: 'rate_limit_exceeded', errors: ['too many requests'] }, { status: 429, headers: { 'retry-after': '0' } });
        return imageReply();
      }),
    );
    await client({}, events).generate({ prompt: 'x' });
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 0, error: { code: 'rate_limited' } });
  });

  it('treats a 429 without a hint as the documented 60 s lockout and moves on instead of hammering', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/generate/core`, () => {
        calls += 1;
        return HttpResponse.json({ id: 'e7', name: 'rate_limit_exceeded', errors: ['too many requests'] }, { status: 429 });
      }),
    );
    const px = createPixmux({ providers: [stability({ apiKey: KEY })], retry: { retries: 2, minDelayMs: 1, maxRetryAfterMs: 30_000 } });
    expect(failureCode(await px.generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('rate_limited');
    expect(calls).toBe(1);
  });

  it('retries 500s as provider_error', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/edit/remove-background`, () => {
        calls += 1;
        return HttpResponse.json({ id: 'e8', name: 'internal_error', errors: ['An unexpected server error occurred'] }, { status: 500 });
      }),
    );
    expect(failureCode(await client().removeBackground({ image: photo }).catch((e: unknown) => e))).toBe('provider_error');
    expect(calls).toBe(3);
  });
});

describe('stability: timeouts and aborts', () => {
  /** The generate endpoint never answers: only the client's own timeout or abort can end the call. */
  function hanging(onRequest?: () => void) {
    const hang = hangUntilAborted(onRequest);
    server.use(http.post(`${BASE}/generate/core`, hang.resolver));
    return hang.stats;
  }

  it('turns a request that hangs past requestTimeoutMs into a retried timeout, never a hang', async () => {
    const seen = hanging();
    const call = (px: ReturnType<typeof client>, signal?: AbortSignal) => px.generate({ prompt: 'x', signal });
    expect(failureCode(await call(client({ requestTimeoutMs: 40 })).catch((e: unknown) => e))).toBe('timeout');
    // Each of the three tries was cut by the timeout (the server would have held it forever).
    expect(seen).toEqual({ calls: 3, aborted: 3 });
  });

  it('stops at once with aborted when the caller aborts', async () => {
    const controller = new AbortController();
    const seen = hanging(() => controller.abort());
    const call = (px: ReturnType<typeof client>, signal?: AbortSignal) => px.generate({ prompt: 'x', signal });
    const error = await call(client(), controller.signal).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error) && (error as PixmuxError).code).toBe('aborted');
    expect(seen).toEqual({ calls: 1, aborted: 1 });
  });
});

describe('stability: configuration', () => {
  it('reads STABILITY_API_KEY, and without a key is passed over as missing_credentials', async () => {
    const saved = process.env.STABILITY_API_KEY;
    try {
      delete process.env.STABILITY_API_KEY;
      const bare = stability();
      expect(bare.hasCredentials?.()).toBe(false);
      const error = (await createPixmux({ providers: [bare] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'stability', skipped: 'missing_credentials' });
      process.env.STABILITY_API_KEY = 'sk-stability-from-env-123';
      const seen: Seen[] = [];
      server.use(capture('generate/core', seen));
      await createPixmux({ providers: [stability()] }).generate({ prompt: 'x' });
      expect(seen[0]!.authorization).toBe('Bearer sk-stability-from-env-123');
    } finally {
      if (saved === undefined) delete process.env.STABILITY_API_KEY;
      else process.env.STABILITY_API_KEY = saved;
    }
  });

  it('defaults core to the cheap tier and ultra to premium; prices are estimated and overridable', () => {
    expect(stability({ apiKey: KEY }).tier).toBe('cheap');
    expect(stability({ apiKey: KEY, model: 'ultra' }).tier).toBe('premium');
    expect(stability({ apiKey: KEY, tier: 'premium' }).tier).toBe('premium');
    const provider = stability({ apiKey: KEY, prices: { ultra: { perImage: 0.1 } } });
    const base = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, seed: undefined, format: 'png' as const, providerOptions: {} };
    expect(provider.price?.('generate', { ...base, n: 2, model: undefined })).toBe(0.06);
    expect(provider.price?.('generate', { ...base, n: 1, model: 'ultra' })).toBe(0.1);
    expect(provider.price?.('generate', { ...base, n: 1, model: 'sd3.5-large' })).toBe(0.065);
  });
});
