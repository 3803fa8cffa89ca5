import { readFileSync } from 'node:fs';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, PixmuxError, type PixmuxEvent } from 'pixmux';
import { removebg, type RemoveBgOptions } from '../../providers/removebg/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { hangUntilAborted, useMswServer } from '../helpers/msw.js';
import { expectSameBytes } from '../helpers/bytes.js';
import { expectValidRequestBody, specSkipReason } from '../helpers/openapi.js';
import { failureCode } from '../helpers/errors.js';

const server = useMswServer();
const URL_REMOVEBG = 'https://api.remove.bg/v1.0/removebg';
const KEY = 'rbg-test-secret-0123456789';
const photo = new Uint8Array(readFileSync(new URL('../fixtures/skimage_astronaut.png', import.meta.url)));
const cutout = makePng(24, 24, [10, 200, 10, 0]);
const SPEC_MISSING = specSkipReason('removebg.yaml');

function client(options: RemoveBgOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [removebg({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

interface Seen {
  method: string;
  url: string;
  apiKey: string | null;
  accept: string | null;
  contentType: string | null;
  form: FormData;
  fields: Record<string, string>;
  file: { type: string; name: string; bytes: Uint8Array } | undefined;
}

/** The documented binary answer: the image, with credits, size and foreground type in headers. */
function imageReply(headers: Record<string, string> = {}) {
  return new HttpResponse(cutout, {
    headers: { 'content-type': 'image/png', 'x-credits-charged': '1', 'x-width': '24', 'x-height': '24', 'x-type': 'person', 'x-ratelimit-limit': '500', 'x-ratelimit-remaining': '499', ...headers },
  });
}

function capture(seen: Seen[], reply: () => Response = () => imageReply()) {
  return http.post(URL_REMOVEBG, async ({ request }) => {
    const contentType = request.headers.get('content-type');
    const form = await request.formData();
    const fields: Record<string, string> = {};
    let file: Seen['file'];
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') fields[key] = value;
      else if (key === 'image_file') file = { type: value.type, name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) };
    }
    seen.push({ method: request.method, url: request.url, apiKey: request.headers.get('x-api-key'), accept: request.headers.get('accept'), contentType, form, fields, file });
    return reply();
  });
}

function errorReply(status: number, code: string, title: string, headers: Record<string, string> = {}) {
  return () => HttpResponse.json({ errors: [{ title, code }] }, { status, headers });
}

describe('removebg: request', () => {
  it('uploads image_file as multipart with X-Api-Key, size full and format png', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().removeBackground({ image: photo });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: URL_REMOVEBG, apiKey: KEY, accept: 'image/*' });
    expect(seen[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]!.fields).toEqual({ size: 'full', format: 'png' });
    expect(seen[0]!.file).toMatchObject({ type: 'image/png', name: 'image.png' });
    expectSameBytes(seen[0]!.file!.bytes, photo);
    expect(result).toMatchObject({ provider: 'removebg', model: 'removebg', costUsd: 0.2 });
    expect(result.metadata).toEqual({ size: 'full', creditsCharged: 1, foregroundType: 'person', resultWidth: 24, resultHeight: 24 });
    expect(result.images[0]!.bytes).toEqual(cutout);
  });

  it('sends providerOptions as form fields and maps jpeg to jpg', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    await client().removeBackground({
      image: photo,
      format: 'jpeg',
      providerOptions: { removebg: { size: 'preview', type: 'person', type_level: '2', crop: true, crop_margin: '10%', bg_color: '81d4fa', semitransparency: false, channels: 'rgba' } },
    });
    expect(seen[0]!.fields).toEqual({ size: 'preview', format: 'jpg', type: 'person', type_level: '2', crop: 'true', crop_margin: '10%', bg_color: '81d4fa', semitransparency: 'false', channels: 'rgba' });
  });

  it.skipIf(SPEC_MISSING)('sends forms that the official OpenAPI file accepts', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const px = client();
    await px.removeBackground({ image: photo });
    await px.removeBackground({ image: photo, format: 'jpeg', providerOptions: { removebg: { size: 'auto', type: 'product', crop: true, scale: '80%', position: 'center', roi: '0% 0% 100% 100%', add_shadow: false, shadow_method: 'latest' } } });
    for (const item of seen) expectValidRequestBody('removebg.yaml', 'post', '/removebg', 'multipart/form-data', item.form);
    const wrong = new FormData();
    wrong.append('image_file', new Blob([photo]));
    wrong.append('format', 'webp');
    wrong.append('crop', 'sometimes');
    expect(() => expectValidRequestBody('removebg.yaml', 'post', '/removebg', 'multipart/form-data', wrong)).toThrow(/crop: must be boolean[\s\S]*format: must be equal to one of/);
  });

  it('returns png with a warning for webp, and warns about a model it does not have', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().removeBackground({ image: photo, format: 'webp', model: 'birefnet' });
    expect(seen[0]!.fields.format).toBe('png');
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/returns png or jpg; returning png for webp/), expect.stringMatching(/model "birefnet" ignored/)]));
  });

  it('refuses reserved providerOptions with a warning and rejects invalid values before calling', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().removeBackground({ image: photo, providerOptions: { removebg: { format: 'zip', image_url: 'https://x.test/a.png' } } });
    expect(seen[0]!.fields).toEqual({ size: 'full', format: 'png' });
    expect(result.warnings.filter((warning) => /providerOptions\.(format|image_url) is not supported/.test(warning))).toHaveLength(2);
    const error = await client().removeBackground({ image: photo, providerOptions: { removebg: { size: 'huge' } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect((error as Error).message).toMatch(/providerOptions.size/);
    expect(seen).toHaveLength(1);
  });

  it('passes over inputs remove.bg cannot take, with the reason', async () => {
    const provider = removebg({ apiKey: KEY });
    const base = { format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(10), mediaType: 'image/webp', width: 10, height: 10 } })).toMatch(/JPG or PNG, not image\/webp/);
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(10), mediaType: 'image/png', width: 8000, height: 7000 } })).toMatch(/up to 50 megapixels/);
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(13 * 1024 * 1024), mediaType: 'image/jpeg', width: 10, height: 10 } })).toMatch(/up to 12 MB/);
    expect(provider.supports?.('generate', { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, ...base })).toMatch(/only removes backgrounds/);
  });
});

describe('removebg: responses and cost', () => {
  it('parses the documented JSON answer when responseFormat is json', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen, () => HttpResponse.json({ data: { result_b64: toBase64(cutout) } }, { headers: { 'x-credits-charged': '1' } })));
    const result = await client({ responseFormat: 'json' }).removeBackground({ image: photo });
    expect(seen[0]!.accept).toBe('application/json');
    expect(result.images[0]!.bytes).toEqual(cutout);
  });

  it('bills X-Credits-Charged at the per-credit price, and estimates before the call', async () => {
    server.use(capture([], () => imageReply({ 'x-credits-charged': '0.25' })));
    const preview = await client({ size: 'preview', prices: { full: { perImage: 0.1 } } }).removeBackground({ image: photo });
    expect(preview.costUsd).toBe(0.025);
    const provider = removebg({ apiKey: KEY });
    const request = { image: { bytes: photo, mediaType: 'image/png', width: 512, height: 512 }, format: 'png' as const, model: undefined };
    expect(provider.price?.('removeBackground', { ...request, providerOptions: {} })).toBe(0.2);
    expect(provider.price?.('removeBackground', { ...request, providerOptions: { size: 'preview' } })).toBe(0.05);
    expect(removebg({ apiKey: KEY, prices: { full: { perImage: 0.09 } } }).price?.('removeBackground', { ...request, providerOptions: { size: 'regular' } })).toBe(0.0225);
  });

  it.each([
    ['an empty body', () => new HttpResponse(new Uint8Array(), { headers: { 'content-type': 'image/png' } })],
    ['bytes that are not an image', () => new HttpResponse('not an image', { headers: { 'content-type': 'image/png' } })],
    ['JSON without result_b64', () => HttpResponse.json({ data: {} })],
    ['JSON that does not parse', () => new HttpResponse('{"data":', { headers: { 'content-type': 'application/json' } })],
    ['a zip archive', () => new HttpResponse(new Uint8Array([0x50, 0x4b, 3, 4]), { headers: { 'content-type': 'application/zip' } })],
  ])('maps a 200 with %s to bad_response, never an empty success', async (_name, reply) => {
    server.use(http.post(URL_REMOVEBG, reply));
    expect(failureCode(await client().removeBackground({ image: photo }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('removebg: errors', () => {
  it.each([
    [402, 'insufficient_credits', 'Insufficient credits', 'insufficient_credits'],
    [403, 'auth_failed', 'Forbidden: invalid API key', 'auth'],
    [400, 'file_too_large', 'File too large', 'image_too_large'],
    [400, 'failed_to_read_image', 'There was an error reading the image.', 'invalid_image'],
    [400, 'invalid_crop_margin', 'Invalid crop_margin parameter given', 'invalid_request'],
  ])('maps HTTP %i %s to a single try of %s', async (status, vendorCode, title, code) => {
    let calls = 0;
    server.use(
      http.post(URL_REMOVEBG, () => {
        calls += 1;
        return errorReply(status, vendorCode, title)();
      }),
    );
    const error = await client().removeBackground({ image: photo }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('fails over to the next provider when remove.bg finds no foreground', async () => {
    server.use(http.post(URL_REMOVEBG, errorReply(400, 'unknown_foreground', 'Could not identify foreground in image')));
    const backup = defineProvider({ id: 'backup', operations: { removeBackground: async () => ({ images: [{ bytes: cutout }], costUsd: 0 }) } });
    const px = createPixmux({ providers: [removebg({ apiKey: KEY }), backup], retry: { retries: 2, minDelayMs: 1 } });
    const result = await px.removeBackground({ image: photo });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'removebg', ok: false, tries: 1, error: { code: 'provider_error', status: 400 } });
  });

  it('retries a 429 at the X-RateLimit-Reset unix time', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(URL_REMOVEBG, () => {
        calls += 1;
        // A reset time already reached: retry at once.
        const reset = String(Math.floor(Date.now() / 1000) - 5);
        if (calls === 1) return errorReply(429, 'rate_limit_exceeded', 'Rate limit exceeded', { 'x-ratelimit-limit': '500', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })();
        return imageReply();
      }),
    );
    await client({}, events).removeBackground({ image: photo });
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ provider: 'removebg', delayMs: 0, error: { code: 'rate_limited' } });
  });

  it('moves on without retrying when the reset is past the retry cap', async () => {
    let calls = 0;
    server.use(
      http.post(URL_REMOVEBG, () => {
        calls += 1;
        const reset = String(Math.floor(Date.now() / 1000) + 3600);
        return errorReply(429, 'rate_limit_exceeded', 'Rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })();
      }),
    );
    expect(failureCode(await client().removeBackground({ image: photo }).catch((e: unknown) => e))).toBe('rate_limited');
    expect(calls).toBe(1);
  });

  it('retries 5xx as provider_error', async () => {
    let calls = 0;
    server.use(
      http.post(URL_REMOVEBG, () => {
        calls += 1;
        return new HttpResponse('upstream error', { status: 503 });
      }),
    );
    expect(failureCode(await client().removeBackground({ image: photo }).catch((e: unknown) => e))).toBe('provider_error');
    expect(calls).toBe(3);
  });
});

describe('removebg: timeouts and aborts', () => {
  /** remove.bg never answers: only the client's own timeout or abort can end the call. */
  function hanging(onRequest?: () => void) {
    const hang = hangUntilAborted(onRequest);
    server.use(http.post(URL_REMOVEBG, hang.resolver));
    return hang.stats;
  }

  it('turns a request that hangs past requestTimeoutMs into a retried timeout, never a hang', async () => {
    const seen = hanging();
    const call = (px: ReturnType<typeof client>, signal?: AbortSignal) => px.removeBackground({ image: photo, signal });
    expect(failureCode(await call(client({ requestTimeoutMs: 40 })).catch((e: unknown) => e))).toBe('timeout');
    // Each of the three tries was cut by the timeout (the server would have held it forever).
    expect(seen).toEqual({ calls: 3, aborted: 3 });
  });

  it('stops at once with aborted when the caller aborts', async () => {
    const controller = new AbortController();
    const seen = hanging(() => controller.abort());
    const call = (px: ReturnType<typeof client>, signal?: AbortSignal) => px.removeBackground({ image: photo, signal });
    const error = await call(client(), controller.signal).catch((e: unknown) => e);
    expect(PixmuxError.isInstance(error) && (error as PixmuxError).code).toBe('aborted');
    expect(seen).toEqual({ calls: 1, aborted: 1 });
  });
});

describe('removebg: configuration', () => {
  it('reads REMOVE_BG_API_KEY, and without a key is passed over as missing_credentials', async () => {
    const saved = process.env.REMOVE_BG_API_KEY;
    try {
      delete process.env.REMOVE_BG_API_KEY;
      const bare = removebg();
      expect(bare.hasCredentials?.()).toBe(false);
      const error = (await createPixmux({ providers: [bare] }).removeBackground({ image: photo }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'removebg', skipped: 'missing_credentials' });
      process.env.REMOVE_BG_API_KEY = 'rbg-from-env-123456';
      const seen: Seen[] = [];
      server.use(capture(seen));
      await createPixmux({ providers: [removebg()] }).removeBackground({ image: photo });
      expect(seen[0]!.apiKey).toBe('rbg-from-env-123456');
    } finally {
      if (saved === undefined) delete process.env.REMOVE_BG_API_KEY;
      else process.env.REMOVE_BG_API_KEY = saved;
    }
  });

  it('defaults to the cheap tier and validates its own options', () => {
    expect(removebg({ apiKey: KEY }).tier).toBe('cheap');
    expect(removebg({ apiKey: KEY, tier: 'premium' }).tier).toBe('premium');
    expect(() => removebg({ apiKey: KEY, size: 'giant' as never })).toThrow(/size must be one of/);
  });
});
