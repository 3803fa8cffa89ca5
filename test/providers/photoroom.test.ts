import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { photoroom, type PhotoroomOptions } from '../../providers/photoroom/index.js';
import { makePng } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { captureMultipart, type SeenMultipart } from '../helpers/multipart.js';
import { expectSameBytes } from '../helpers/bytes.js';
import { failureCode } from '../helpers/errors.js';
import { withEnv } from '../helpers/env.js';

const server = useMswServer();
const URL_SEGMENT = 'https://sdk.photoroom.com/v1/segment';
const KEY = 'pr-test-secret-0123456789abcdef';
const photo = new Uint8Array(readFileSync(new URL('../fixtures/skimage_astronaut.png', import.meta.url)));
const cutout = makePng(24, 24, [10, 200, 10, 0]);

function client(options: PhotoroomOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [photoroom({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

type Seen = SeenMultipart;

const capture = (seen: Seen[], reply: () => Response = () => new HttpResponse(cutout, { headers: { 'content-type': 'image/png', 'x-request-id': 'req-1' } })) => captureMultipart(URL_SEGMENT, seen, reply);

describe('photoroom: request', () => {
  it('uploads image_file as multipart with x-api-key and format png, and returns the bytes', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().removeBackground({ image: photo });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: URL_SEGMENT, apiKey: KEY });
    expect(seen[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]!.fields).toEqual({ format: 'png' });
    expect(seen[0]!.file).toMatchObject({ type: 'image/png', name: 'image.png' });
    expectSameBytes(seen[0]!.file!.bytes, photo);
    expect(result).toMatchObject({ provider: 'photoroom', model: 'segment', costUsd: 0.02, metadata: { requestId: 'req-1' } });
    expect(result.images[0]!.bytes).toEqual(cutout);
  });

  it('sends jpeg as jpg, webp as webp, and providerOptions as form fields', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const px = client();
    const jpeg = await px.removeBackground({ image: photo, format: 'jpeg', cache: false });
    await px.removeBackground({ image: photo, format: 'webp', providerOptions: { photoroom: { channels: 'alpha', bg_color: 'FF00FF', size: 'hd', crop: true, despill: false } }, cache: false });
    expect(seen[0]!.fields).toEqual({ format: 'jpg' });
    expect(jpeg.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/jpeg has no transparency; .*bg_color/)]));
    expect(seen[1]!.fields).toEqual({ format: 'webp', channels: 'alpha', bg_color: 'FF00FF', size: 'hd', crop: 'true', despill: 'false' });
  });

  it('drops reserved fields with a warning and rejects invalid options before calling', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client().removeBackground({ image: photo, model: 'other', providerOptions: { photoroom: { format: 'zip' } } });
    expect(seen[0]!.fields).toEqual({ format: 'png' });
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/providerOptions\.format is set by pixmux/), expect.stringMatching(/model "other" ignored/)]));
    const error = await client().removeBackground({ image: photo, providerOptions: { photoroom: { size: 'giant' } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect((error as Error).message).toMatch(/providerOptions\.size/);
    expect(seen).toHaveLength(1);
  });

  it('a sandbox key: warned as watermarked, billed 0', async () => {
    const seen: Seen[] = [];
    server.use(capture(seen));
    const result = await client({ apiKey: 'sandbox_pr-test-0123456789' }).removeBackground({ image: photo });
    expect(result).toMatchObject({ costUsd: 0, metadata: { sandbox: true } });
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/sandbox key: the result is watermarked/)]));
  });

  it('passes over inputs Photoroom cannot read and operations it does not offer', () => {
    const provider = photoroom({ apiKey: KEY });
    const base = { format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('removeBackground', { ...base, image: { bytes: new Uint8Array(10), mediaType: 'image/gif', width: 10, height: 10 } })).toMatch(/JPEG, PNG or WebP, not image\/gif/);
    expect(provider.supports?.('generate', { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, ...base })).toMatch(/only removes backgrounds/);
  });
});

describe('photoroom: errors', () => {
  it.each([
    [400, { detail: 'Invalid image: could not decode', status_code: 400, type: 'invalid_image' }, 'invalid_request', /could not decode/],
    [401, { detail: 'Missing API key' }, 'auth', /Missing API key/],
    [403, { detail: `Invalid API key ${KEY}` }, 'auth', /Invalid API key/],
    [402, { error: { detail: 'API credits exhausted. Visit https://app.photoroom.com/api-dashboard to purchase more API credits' } }, 'insufficient_credits', /API credits exhausted/],
    [413, { detail: 'Image too large' }, 'image_too_large', /too large/],
  ])('maps HTTP %i to a single try of %s, with the vendor message and never the key', async (status, body, code, message) => {
    let calls = 0;
    server.use(
      http.post(URL_SEGMENT, () => {
        calls += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    const error = (await client().removeBackground({ image: photo }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    expect(error.attempts!.at(-1)!.error!.message).toMatch(message);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('retries 429 at Retry-After, then 5xx as provider_error', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(URL_SEGMENT, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ detail: 'Too many requests' }, { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json({ detail: 'Internal error' }, { status: 500 });
      }),
    );
    const error = await client({}, events).removeBackground({ image: photo }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('provider_error');
    expect(calls).toBe(3);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 0, error: { code: 'rate_limited' } });
  });

  it.each([
    ['a JSON body', () => HttpResponse.json({ detail: 'queued, try later' }), /returned JSON instead of an image: queued, try later/],
    ['an empty body', () => new HttpResponse(null, { status: 200, headers: { 'content-type': 'image/png' } }), /empty image/],
    ['bytes that are not an image', () => new HttpResponse('not an image', { headers: { 'content-type': 'image/png' } }), /not a readable image/],
  ])('a 200 with %s is a bad_response', async (_name, reply, message) => {
    server.use(http.post(URL_SEGMENT, reply));
    const error = (await client().removeBackground({ image: photo }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('bad_response');
    expect(error.attempts!.at(-1)!.error!.message).toMatch(message);
  });
});

describe('photoroom: configuration', () => {
  it('reads PHOTOROOM_API_KEY, and without a key is passed over as missing_credentials', async () => {
    await withEnv('PHOTOROOM_API_KEY', undefined, async () => {
      const error = (await createPixmux({ providers: [photoroom()] }).removeBackground({ image: photo }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'photoroom', skipped: 'missing_credentials' });
    });
    await withEnv('PHOTOROOM_API_KEY', 'pr-from-env-123456', async () => {
      const seen: Seen[] = [];
      server.use(capture(seen));
      await createPixmux({ providers: [photoroom()] }).removeBackground({ image: photo });
      expect(seen[0]!.apiKey).toBe('pr-from-env-123456');
    });
  });

  it('defaults to the cheap tier, takes a base URL and a price override', async () => {
    expect(photoroom({ apiKey: KEY }).tier).toBe('cheap');
    server.use(http.post('https://proxy.test/photoroom/v1/segment', () => new HttpResponse(cutout, { headers: { 'content-type': 'image/png' } })));
    const result = await client({ baseURL: 'https://proxy.test/photoroom/v1/', prices: { default: { perImage: 0.01 } } }).removeBackground({ image: photo });
    expect(result.costUsd).toBe(0.01);
  });
});
