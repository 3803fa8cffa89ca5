import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { clipdrop, type ClipdropOptions } from '../../providers/clipdrop/index.js';
import { makePng } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { captureMultipart, type SeenMultipart } from '../helpers/multipart.js';
import { expectSameBytes } from '../helpers/bytes.js';
import { failureCode } from '../helpers/errors.js';
import { withEnv } from '../helpers/env.js';

const server = useMswServer();
const URL_GENERATE = 'https://clipdrop-api.co/text-to-image/v1';
const URL_REMOVE = 'https://clipdrop-api.co/remove-background/v1';
const KEY = 'cd-test-secret-0123456789abcdef';
const photo = new Uint8Array(readFileSync(new URL('../fixtures/skimage_astronaut.png', import.meta.url)));
const generated = makePng(32, 32, [1, 2, 3, 255]);
const cutout = makePng(24, 24, [10, 200, 10, 0]);

function client(options: ClipdropOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [clipdrop({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

type Seen = SeenMultipart;

/** Clipdrop's documented success: the image, with the credits left and spent in headers. */
function imageReply(bytes: Uint8Array, headers: Record<string, string> = {}) {
  return () => new HttpResponse(bytes, { headers: { 'content-type': 'image/png', 'x-remaining-credits': '97', 'x-credits-consumed': '1', ...headers } });
}

const capture = captureMultipart;

describe('clipdrop: generate', () => {
  it('posts the prompt as multipart with x-api-key; credits go into metadata and the cost', async () => {
    const seen: Seen[] = [];
    server.use(capture(URL_GENERATE, seen, imageReply(generated)));
    const result = await client().generate({ prompt: 'shot of vaporwave fashion dog in miami' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: URL_GENERATE, apiKey: KEY, accept: null, file: undefined });
    expect(seen[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]!.fields).toEqual({ prompt: 'shot of vaporwave fashion dog in miami' });
    expect(result).toMatchObject({ provider: 'clipdrop', model: 'text-to-image', costUsd: 0.02, metadata: { creditsConsumed: 1, remainingCredits: 97 }, warnings: [] });
    expect(result.images[0]!.bytes).toEqual(generated);
  });

  it('says what text-to-image cannot do instead of dropping it silently, and splits n', async () => {
    const seen: Seen[] = [];
    server.use(capture(URL_GENERATE, seen, imageReply(generated)));
    const result = await client().generate({ prompt: 'x', n: 2, size: '512x768', negativePrompt: 'blur', seed: 3, format: 'webp', model: 'sdxl' });
    expect(seen.map((item) => item.fields)).toEqual([{ prompt: 'x' }, { prompt: 'x' }]);
    expect(result.images).toHaveLength(2);
    for (const pattern of [/always returns 1024x1024; size 512x768 was not sent/, /no negative prompt/, /no seed/, /always returns png, not webp/, /model "sdxl" ignored/]) {
      expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    }
    const ratio = await client().generate({ prompt: 'x', aspectRatio: '16:9', cache: false });
    expect(ratio.warnings).toEqual([expect.stringMatching(/aspect ratio 16:9 was not sent/)]);
  });

  it('bills the credits Clipdrop reports, and estimates one credit when the header is missing', async () => {
    server.use(http.post(URL_GENERATE, imageReply(generated, { 'x-credits-consumed': '3' })));
    expect((await client().generate({ prompt: 'x' })).costUsd).toBeCloseTo(0.06);
    server.use(http.post(URL_GENERATE, () => new HttpResponse(generated, { headers: { 'content-type': 'image/png' } })));
    const result = await client({ prices: { default: { perImage: 0.01 } } }).generate({ prompt: 'y' });
    expect(result).toMatchObject({ costUsd: 0.01, metadata: {} });
  });

  it('passes over prompts longer than 1000 characters', () => {
    const provider = clipdrop({ apiKey: KEY });
    const request = { prompt: 'a'.repeat(1001), negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('generate', request)).toMatch(/prompts up to 1000 characters \(got 1001\)/);
    expect(provider.supports?.('generate', { ...request, prompt: 'a'.repeat(1000) })).toBe(true);
  });
});

describe('clipdrop: removeBackground', () => {
  it('uploads image_file as multipart, asks for the format with accept, and returns the bytes', async () => {
    const seen: Seen[] = [];
    server.use(capture(URL_REMOVE, seen, imageReply(cutout)));
    const result = await client().removeBackground({ image: photo });
    expect(seen[0]).toMatchObject({ method: 'POST', url: URL_REMOVE, apiKey: KEY, accept: 'image/png' });
    expect(seen[0]!.fields).toEqual({});
    expect(seen[0]!.file).toMatchObject({ type: 'image/png', name: 'image.png' });
    expectSameBytes(seen[0]!.file!.bytes, photo);
    expect(result).toMatchObject({ model: 'remove-background', costUsd: 0.02, metadata: { creditsConsumed: 1, remainingCredits: 97 } });
    expect(result.images[0]!.bytes).toEqual(cutout);
  });

  it('sends transparency_handling, and accept image/webp or image/jpg (as the docs spell it)', async () => {
    const seen: Seen[] = [];
    server.use(capture(URL_REMOVE, seen, imageReply(cutout)));
    const px = client();
    await px.removeBackground({ image: photo, format: 'webp', providerOptions: { clipdrop: { transparency_handling: 'discard_alpha_layer' } } });
    await px.removeBackground({ image: photo, format: 'jpeg' });
    expect(seen[0]).toMatchObject({ accept: 'image/webp', fields: { transparency_handling: 'discard_alpha_layer' } });
    expect(seen[1]!.accept).toBe('image/jpg');
    const error = await px.removeBackground({ image: photo, providerOptions: { clipdrop: { transparency_handling: 'keep' } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect(seen).toHaveLength(2);
  });

  it('passes over inputs past the documented limits', () => {
    const provider = clipdrop({ apiKey: KEY });
    const base = { format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(10), mediaType: 'image/gif', width: 10, height: 10 } })).toMatch(/JPEG, PNG or WebP, not image\/gif/);
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(31 * 1024 * 1024), mediaType: 'image/png', width: 10, height: 10 } })).toMatch(/up to 30 MB/);
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(10), mediaType: 'image/png', width: 6000, height: 5000 } })).toMatch(/up to 25 megapixels/);
    expect(provider.supports?.('restoreFace', { ...base, fidelity: 0.5, image: { bytes: new Uint8Array(10), mediaType: 'image/png', width: 10, height: 10 } })).toMatch(/does not offer restoreFace/);
  });
});

describe('clipdrop: errors', () => {
  it.each([
    [400, 'Invalid prompt', 'invalid_request'],
    [401, 'No api key provided', 'auth'],
    [402, 'Not enough credits', 'insufficient_credits'],
    [403, `Invalid api key ${KEY}`, 'auth'],
    [406, 'Accept header not supported', 'invalid_request'],
  ])('maps HTTP %i to a single try of %s, never showing the key', async (status, message, code) => {
    let calls = 0;
    server.use(
      http.post(URL_GENERATE, () => {
        calls += 1;
        return HttpResponse.json({ error: message }, { status });
      }),
    );
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(error.attempts!.at(-1)!.error!.message).toContain(message.replace(KEY, '').trim());
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('says plainly when the format asked for cannot be returned (406)', async () => {
    server.use(http.post(URL_REMOVE, () => HttpResponse.json({ error: 'Not acceptable' }, { status: 406 })));
    const error = (await client().removeBackground({ image: photo, format: 'webp' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts!.at(-1)!.error!.message).toMatch(/cannot return the requested format \(Not acceptable\)/);
  });

  it('retries 429 at Retry-After, then 500 as provider_error', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(URL_REMOVE, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ error: 'Too many requests' }, { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json({ error: 'Internal server error' }, { status: 500 });
      }),
    );
    const error = await client({}, events).removeBackground({ image: photo }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('provider_error');
    expect(calls).toBe(3);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 0, error: { code: 'rate_limited' } });
  });

  it.each([
    ['a JSON error', () => HttpResponse.json({ error: 'Upstream model failed' }), /returned JSON instead of an image: Upstream model failed/],
    ['an empty body', () => new HttpResponse(null, { status: 200, headers: { 'content-type': 'image/png' } }), /empty image/],
    ['bytes that are not an image', () => new HttpResponse('%PDF-1.4', { headers: { 'content-type': 'image/png' } }), /not a readable image/],
  ])('a 200 with %s is a bad_response, on both operations', async (_name, reply, message) => {
    server.use(http.post(URL_GENERATE, reply), http.post(URL_REMOVE, reply));
    for (const call of [client().generate({ prompt: 'x' }), client().removeBackground({ image: photo })]) {
      const error = (await call.catch((e: unknown) => e)) as PixmuxError;
      expect(failureCode(error)).toBe('bad_response');
      expect(error.attempts!.at(-1)!.error!.message).toMatch(message);
    }
  });
});

describe('clipdrop: configuration', () => {
  it('reads CLIPDROP_API_KEY, and without a key is passed over as missing_credentials', async () => {
    await withEnv('CLIPDROP_API_KEY', undefined, async () => {
      const error = (await createPixmux({ providers: [clipdrop()] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'clipdrop', skipped: 'missing_credentials' });
    });
    await withEnv('CLIPDROP_API_KEY', 'cd-from-env-123456', async () => {
      const seen: Seen[] = [];
      server.use(capture(URL_GENERATE, seen, imageReply(generated)));
      await createPixmux({ providers: [clipdrop()] }).generate({ prompt: 'x' });
      expect(seen[0]!.apiKey).toBe('cd-from-env-123456');
    });
  });

  it('defaults to the cheap tier and prices n images before the call', () => {
    const provider = clipdrop({ apiKey: KEY });
    expect(provider.tier).toBe('cheap');
    const request = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 3, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', request)).toBeCloseTo(0.06);
  });
});
