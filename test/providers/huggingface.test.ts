import { readFileSync } from 'node:fs';
import { imageSegmentation, textToImage } from '@huggingface/inference';
import { http, HttpResponse } from 'msw';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, PixmuxError, type PixmuxEvent } from 'pixmux';
import { huggingface, type HuggingFaceOptions } from '../../providers/huggingface/index.js';
import { makePng, pngFromRows, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { failureCode } from '../helpers/errors.js';
import { withEnv } from '../helpers/env.js';

const server = useMswServer();
const ROUTER = 'https://router.huggingface.co/hf-inference/models';
const URL_FLUX = `${ROUTER}/black-forest-labs/FLUX.1-schnell`;
const URL_RMBG = `${ROUTER}/briaai/RMBG-1.4`;
const KEY = 'hf_testsecret0123456789abcdef';
const generated = makePng(16, 16, [30, 60, 90, 255]);
const photo = new Uint8Array(readFileSync(new URL('../fixtures/skimage_astronaut.png', import.meta.url)));

function client(options: HuggingFaceOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [huggingface({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

/** Raw pixels as a PNG, through sharp (tests only: the provider itself never loads it). */
function png(width: number, height: number, channels: 1 | 2 | 3 | 4, pixels: number[]): Promise<Uint8Array> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels } })
    .png()
    .toBuffer()
    .then((buffer) => new Uint8Array(buffer));
}

async function rgbaOf(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records what it is sent and answers like hf-inference (or the Hub's provider mapping, for the official client). */
function recordingFetch(seen: Seen[], answer: (url: string) => Response) {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith('https://huggingface.co/api/models/')) {
      const model = decodeURIComponent(new URL(url).pathname.replace('/api/models/', ''));
      const task = model.includes('RMBG') ? 'image-segmentation' : 'text-to-image';
      return Response.json({ inferenceProviderMapping: { 'hf-inference': { providerId: model, status: 'live', task } } });
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    seen.push({ url, method: init?.method ?? 'GET', headers, body: JSON.parse(String(init?.body)) });
    return answer(url);
  }) as typeof fetch;
}

const imageAnswer = () => new Response(generated as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'image/png' } });

/** What hf-inference answers for segmentation: one foreground mask per label. */
function segments(...items: Array<{ label: string; mask: Uint8Array; score?: number }>) {
  return items.map(({ label, mask, score }) => ({ label, score: score ?? 0.99, mask: toBase64(mask) }));
}

describe('huggingface: requests', () => {
  it('generate posts the text-to-image JSON with the bearer token and returns the bytes', async () => {
    const seen: Seen[] = [];
    const px = client({ fetch: recordingFetch(seen, imageAnswer) });
    const result = await px.generate({ prompt: 'a red fox', size: '768x512', negativePrompt: 'blurry', seed: 7, providerOptions: { huggingface: { num_inference_steps: 4, guidance_scale: 0 } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: URL_FLUX, method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });
    expect(seen[0]!.body).toEqual({ inputs: 'a red fox', parameters: { width: 768, height: 512, negative_prompt: 'blurry', seed: 7, num_inference_steps: 4, guidance_scale: 0 } });
    expect(result).toMatchObject({ provider: 'huggingface', model: 'black-forest-labs/FLUX.1-schnell', costUsd: 0.003 });
    expect(result.images[0]!.bytes).toEqual(generated);
  });

  it('sends only the prompt when nothing else is asked, and about one megapixel for an aspect ratio', async () => {
    const seen: Seen[] = [];
    const px = client({ fetch: recordingFetch(seen, imageAnswer) });
    await px.generate({ prompt: 'plain' });
    await px.generate({ prompt: 'wide', aspectRatio: '16:9' });
    expect(seen[0]!.body).toEqual({ inputs: 'plain' });
    expect(seen[1]!.body).toEqual({ inputs: 'wide', parameters: { width: 1344, height: 768 } });
  });

  it('splits n into one request per image, and routes a call model and X-HF-Bill-To', async () => {
    const seen: Seen[] = [];
    const px = client({ fetch: recordingFetch(seen, imageAnswer), billTo: 'my-org' });
    const result = await px.generate({ prompt: 'x', n: 2, model: 'stabilityai/stable-diffusion-xl-base-1.0' });
    expect(result.images).toHaveLength(2);
    expect(seen.map((item) => item.url)).toEqual([`${ROUTER}/stabilityai/stable-diffusion-xl-base-1.0`, `${ROUTER}/stabilityai/stable-diffusion-xl-base-1.0`]);
    expect(seen[0]!.headers['x-hf-bill-to']).toBe('my-org');
  });

  it('warns when the model answers in another format than asked, and drops reserved providerOptions', async () => {
    const jpeg = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer());
    const seen: Seen[] = [];
    const px = client({ fetch: recordingFetch(seen, () => new Response(jpeg as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'image/jpeg' } })) });
    const result = await px.generate({ prompt: 'x', providerOptions: { huggingface: { width: 5, seed: 1 } } });
    expect(seen[0]!.body).toEqual({ inputs: 'x' });
    expect(result.images[0]!.mediaType).toBe('image/jpeg');
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/returned image\/jpeg; png was asked/), expect.stringMatching(/providerOptions\.width is set by pixmux/), expect.stringMatching(/providerOptions\.seed is set by pixmux/)]));
    const error = await px.generate({ prompt: 'x', providerOptions: { huggingface: { num_inference_steps: 0 } } }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe('invalid_request');
    expect(seen).toHaveLength(1);
  });

  it('reads the JSON forms some models answer in, as the official client does: base64, or a result URL downloaded at once', async () => {
    server.use(http.post(URL_FLUX, () => HttpResponse.json({ data: [{ b64_json: toBase64(generated) }] })));
    expect((await client().generate({ prompt: 'x' })).images[0]!.bytes).toEqual(generated);
    let downloads = 0;
    server.use(
      // On the router's own origin, so the download needs no DNS lookup in this offline test.
      http.post(URL_FLUX, () => HttpResponse.json({ output: ['https://router.huggingface.co/results/1.png'] })),
      http.get('https://router.huggingface.co/results/1.png', () => {
        downloads += 1;
        return new HttpResponse(generated, { headers: { 'content-type': 'image/png' } });
      }),
    );
    const fromUrl = await client().generate({ prompt: 'y' });
    expect(fromUrl.images[0]!.bytes).toEqual(generated);
    expect(downloads).toBe(1);
  });

  it('removeBackground posts the image as base64 with the segmentation parameters', async () => {
    const input = await png(2, 1, 4, [255, 0, 0, 255, 0, 255, 0, 255]);
    const mask = await png(2, 1, 1, [255, 0]);
    const seen: Seen[] = [];
    const px = client({ fetch: recordingFetch(seen, () => Response.json(segments({ label: 'foreground', mask }))) });
    const result = await px.removeBackground({ image: input, providerOptions: { huggingface: { threshold: 0.5, subtask: 'semantic' } } });
    expect(seen[0]).toMatchObject({ url: URL_RMBG, method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });
    expect(seen[0]!.body).toEqual({ inputs: toBase64(input), parameters: { threshold: 0.5, subtask: 'semantic' } });
    expect(result).toMatchObject({ model: 'briaai/RMBG-1.4', costUsd: 0.001, metadata: { segments: [{ label: 'foreground', score: 0.99 }] } });
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 2, height: 1 });
  });
});

describe('huggingface: the same requests as the official @huggingface/inference client', () => {
  /** Everything but the client's own User-Agent, which pixmux does not claim. */
  const comparable = ({ url, method, headers, body }: Seen) => ({ url, method, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'user-agent')), body });

  it('textToImage: URL, method, headers and body field by field', async () => {
    const official: Seen[] = [];
    const parameters = { width: 768, height: 512, negative_prompt: 'blurry', seed: 7, num_inference_steps: 4, guidance_scale: 3.5 };
    await textToImage({ model: 'black-forest-labs/FLUX.1-schnell', provider: 'hf-inference', accessToken: KEY, inputs: 'a red fox', parameters }, { fetch: recordingFetch(official, imageAnswer), billTo: 'my-org' });
    const ours: Seen[] = [];
    await client({ fetch: recordingFetch(ours, imageAnswer), billTo: 'my-org' }).generate({ prompt: 'a red fox', size: '768x512', negativePrompt: 'blurry', seed: 7, providerOptions: { huggingface: { num_inference_steps: 4, guidance_scale: 3.5 } } });
    expect(official).toHaveLength(1);
    expect(official[0]!.headers['user-agent']).toMatch(/^@huggingface\/inference\//);
    expect(comparable(ours[0]!)).toEqual(comparable(official[0]!));
  });

  it('imageSegmentation: URL, method, headers and body field by field', async () => {
    const input = await png(2, 2, 4, [1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255]);
    const answer = Response.json(segments({ label: 'foreground', mask: await png(2, 2, 1, [255, 255, 0, 0]) }));
    const official: Seen[] = [];
    const parameters = { threshold: 0.5, mask_threshold: 0.4, subtask: 'semantic' as const };
    const officialSegments = await imageSegmentation(
      { model: 'briaai/RMBG-1.4', provider: 'hf-inference', accessToken: KEY, inputs: new Blob([input as Uint8Array<ArrayBuffer>]), parameters },
      { fetch: recordingFetch(official, () => answer.clone()), billTo: 'my-org' },
    );
    expect(officialSegments[0]!.label).toBe('foreground');
    const ours: Seen[] = [];
    await client({ fetch: recordingFetch(ours, () => answer.clone()), billTo: 'my-org' }).removeBackground({ image: input, providerOptions: { huggingface: parameters } });
    expect(official).toHaveLength(1);
    expect(comparable(ours[0]!)).toEqual(comparable(official[0]!));
  });
});

describe('huggingface: the cut-out', () => {
  it('makes the mask the alpha of the input, pixel by pixel (soft edges kept, input alpha respected)', async () => {
    // 3×2 input, the last pixel half transparent already.
    const pixels = [200, 10, 10, 255, 10, 200, 10, 255, 10, 10, 200, 255, 50, 60, 70, 255, 80, 90, 100, 255, 110, 120, 130, 128];
    const input = await png(3, 2, 4, pixels);
    const mask = await png(3, 2, 1, [0, 64, 128, 192, 255, 255]);
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'foreground', mask }))));
    const result = await client().removeBackground({ image: input });
    const out = await rgbaOf(result.images[0]!.bytes);
    expect([out.width, out.height]).toEqual([3, 2]);
    const expectedAlpha = [0, 64, 128, 192, 255, 128];
    for (let i = 0; i < 6; i++) {
      expect(Array.from(out.data.subarray(i * 4, i * 4 + 3)), `pixel ${i} colour`).toEqual(pixels.slice(i * 4, i * 4 + 3));
      expect(out.data[i * 4 + 3], `pixel ${i} alpha`).toBe(expectedAlpha[i]);
    }
  });

  it('unites the masks of several subjects, and inverts a lone background mask', async () => {
    const input = await png(2, 2, 3, [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    const left = await png(2, 2, 1, [255, 0, 255, 0]);
    const top = await png(2, 2, 1, [200, 200, 0, 0]);
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'cat', mask: left }, { label: 'dog', mask: top }, { label: 'background', mask: top }))));
    const united = await rgbaOf((await client().removeBackground({ image: input })).images[0]!.bytes);
    expect([0, 1, 2, 3].map((i) => united.data[i * 4 + 3])).toEqual([255, 200, 255, 0]);

    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'background', mask: top }))));
    const inverted = await rgbaOf((await client().removeBackground({ image: input })).images[0]!.bytes);
    expect([0, 1, 2, 3].map((i) => inverted.data[i * 4 + 3])).toEqual([55, 55, 255, 255]);
  });

  it('keeps only the labels asked for, and fails over when none of them was found', async () => {
    const input = await png(2, 1, 3, [1, 1, 1, 2, 2, 2]);
    const wall = await png(2, 1, 1, [255, 0]);
    const person = await png(2, 1, 1, [0, 255]);
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'wall', mask: wall }, { label: 'person', mask: person }))));
    const model = 'nvidia/segformer-b0-finetuned-ade-512-512';
    server.use(http.post(`${ROUTER}/${model}`, () => HttpResponse.json(segments({ label: 'wall', mask: wall }, { label: 'person', mask: person }))));
    const px = client({ labels: ['person'], models: { removeBackground: model } });
    const out = await rgbaOf((await px.removeBackground({ image: input })).images[0]!.bytes);
    expect([out.data[3], out.data[7]]).toEqual([0, 255]);

    const backup = defineProvider({ id: 'backup', operations: { removeBackground: async () => ({ images: [{ bytes: generated }], costUsd: 0 }) } });
    const withBackup = createPixmux({ providers: [huggingface({ apiKey: KEY, models: { removeBackground: model } }), backup] });
    const result = await withBackup.removeBackground({ image: input, providerOptions: { huggingface: { labels: ['car'] } } });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'huggingface', ok: false, error: { code: 'provider_error' } });
    expect(result.attempts[0]!.error!.message).toMatch(/no segment labelled "car" \(labels: "wall", "person"\)/);
  });

  it('cuts out a real photo at its size and returns png for any format asked, with a warning', async () => {
    const { width, height } = await sharp(photo).metadata();
    const mask = new Uint8Array(await sharp({ create: { width: width!, height: height!, channels: 3, background: '#ffffff' } }).greyscale().png().toBuffer());
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'foreground', mask }))));
    const result = await client().removeBackground({ image: photo, format: 'jpeg' });
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width, height });
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/returning png, not jpeg/)]));
    const [ours, original] = await Promise.all([rgbaOf(result.images[0]!.bytes), rgbaOf(photo)]);
    expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(original.data))).toBe(0);
  });

  it('passes over a JPEG input with the reason, unless decodeImage is set', async () => {
    const jpeg = new Uint8Array(await sharp(photo).jpeg().toBuffer());
    const error = (await client().removeBackground({ image: jpeg }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ provider: 'huggingface', skipped: 'unsupported' });
    expect(error.attempts?.[0]?.detail).toMatch(/decodes only PNG without native code; pass a PNG, or set decodeImage/);

    const mask = await png(2, 1, 1, [255, 0]);
    const small = new Uint8Array(await sharp(Buffer.from([10, 20, 30, 40, 50, 60]), { raw: { width: 2, height: 1, channels: 3 } }).jpeg().toBuffer());
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'foreground', mask }))));
    const decodeImage = async ({ bytes }: { bytes: Uint8Array }) => rgbaOf(bytes);
    const result = await client({ decodeImage }).removeBackground({ image: small });
    const out = await rgbaOf(result.images[0]!.bytes);
    expect([out.data[3], out.data[7]]).toEqual([255, 0]);

    // A decoder that answers with the wrong shape is caught before anything is sent.
    const calls = { n: 0 };
    server.use(http.post(URL_RMBG, () => (calls.n++, HttpResponse.json(segments({ label: 'foreground', mask })))));
    const wrong = await client({ decodeImage: async () => ({ width: 2, height: 1, data: new Uint8Array(6) }) }).removeBackground({ image: small, cache: false }).catch((e: unknown) => e);
    expect(failureCode(wrong)).toBe('invalid_image');
    expect((wrong as Error).message).toMatch(/decodeImage must return the 2x1 input as RGBA \(8 bytes\); got 2x1, 6 bytes/);
    expect(calls.n).toBe(0);
  });

  it('passes over an interlaced PNG with the reason', () => {
    const provider = huggingface({ apiKey: KEY });
    const interlaced = makePng(2, 2);
    interlaced[28] = 1;
    const request = { image: { bytes: interlaced, mediaType: 'image/png', width: 2, height: 2 }, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.supports?.('removeBackground', request)).toMatch(/interlaced \(Adam7\) PNG/);
    expect(provider.supports?.('removeBackground', { ...request, image: { ...request.image, width: 6000, height: 6000 } })).toMatch(/up to 25 megapixels/);
    expect(provider.supports?.('restoreFace', { ...request, fidelity: 0.5 })).toMatch(/does not offer restoreFace/);
  });
});

type Sharp = ReturnType<typeof sharp>;

describe('huggingface: the PNG decoder reads what encoders write', () => {
  // sharp writes each row with the filter that suits it (all five occur), palettes, 16 bits, gray and gray+alpha.
  it.each([
    ['rgba, adaptive filters', (image: Sharp) => image.ensureAlpha().png()],
    ['rgb', (image: Sharp) => image.removeAlpha().png()],
    ['4-bit palette with transparency', (image: Sharp) => image.ensureAlpha(0.5).png({ palette: true, colours: 16, dither: 0 })],
    ['1-bit palette', (image: Sharp) => image.png({ palette: true, colours: 2, dither: 0 })],
    ['16-bit rgb', (image: Sharp) => image.removeAlpha().toColourspace('rgb16').png()],
    ['16-bit rgba', (image: Sharp) => image.ensureAlpha(0.5).toColourspace('rgb16').png()],
    ['gray', (image: Sharp) => image.removeAlpha().toColourspace('b-w').png()],
    ['16-bit gray', (image: Sharp) => image.removeAlpha().toColourspace('grey16').png()],
    ['gray + alpha', (image: Sharp) => image.toColourspace('b-w').ensureAlpha(0.25).png()],
  ])('%s: a mask in that form becomes the same alpha as sharp reads from it', async (_name, encode) => {
    const source = sharp(photo).resize(37, 23);
    const mask = new Uint8Array(await encode(source.clone()).toBuffer());
    const input = await png(37, 23, 3, Array.from({ length: 37 * 23 * 3 }, (_, i) => i % 251));
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'foreground', mask }))));
    const out = await rgbaOf((await client().removeBackground({ image: input })).images[0]!.bytes);
    const reference = await rgbaOf(mask);
    for (let i = 0; i < 37 * 23; i++) {
      const at = i * 4;
      const expected = Math.round((((reference.data[at]! + reference.data[at + 1]! + reference.data[at + 2]!) / 3) * reference.data[at + 3]!) / 255);
      // sharp reads 16-bit samples with rounding, pixmux keeps the high byte: at most one level apart.
      expect(Math.abs(out.data[at + 3]! - expected), `pixel ${i}`).toBeLessThanOrEqual(1);
    }
  });

  it('2-bit gray with a colour key (tRNS), which sharp does not write', async () => {
    // Four pixels 0..3 at 2 bits; the key makes level 2 transparent.
    const mask = pngFromRows({ width: 4, height: 1, bitDepth: 2, colorType: 0, rows: [[0b00011011]], chunks: { tRNS: [0, 2] } });
    const input = await png(4, 1, 3, Array.from({ length: 12 }, () => 100));
    server.use(http.post(URL_RMBG, () => HttpResponse.json(segments({ label: 'foreground', mask }))));
    const out = await rgbaOf((await client().removeBackground({ image: input })).images[0]!.bytes);
    expect([0, 1, 2, 3].map((i) => out.data[i * 4 + 3])).toEqual([0, 85, 0, 255]);
  });
});

/** A PNG whose header says another size (the CRC is not checked by the decoder). */
function withSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  new DataView(copy.buffer).setUint32(16, width);
  new DataView(copy.buffer).setUint32(20, height);
  return copy;
}

/** A PNG with garbage where its compressed pixels are (IDAT data starts after signature 8 + IHDR 25 + 8). */
function corruptIdat(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy.fill(0xff, 41, 47);
  return copy;
}

describe('huggingface: errors', () => {
  it.each([
    [400, { error: 'Input validation error: inputs must not be empty' }, 'invalid_request'],
    [401, { error: 'Invalid credentials in Authorization header' }, 'auth'],
    [403, { error: 'This authentication method does not have sufficient permissions to call Inference Providers' }, 'auth'],
    [402, { error: 'You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits.' }, 'insufficient_credits'],
    [422, { error: ['Input should be a valid integer', 'num_inference_steps'] }, 'invalid_request'],
  ])('maps HTTP %i to a single try of %s, keeping the message and never the token', async (status, body, code) => {
    let calls = 0;
    server.use(
      http.post(URL_FLUX, () => {
        calls += 1;
        return HttpResponse.json({ ...body, echoed: `Bearer ${KEY}` }, { status });
      }),
    );
    const error = await client().generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    const last = (error as PixmuxError).attempts!.at(-1)!.error!;
    expect(last.message).toContain(Array.isArray(body.error) ? body.error.join('; ') : body.error);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('waits out a loading model (503 with estimated_time) and tries again', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(URL_FLUX, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ error: 'Model black-forest-labs/FLUX.1-schnell is currently loading', estimated_time: 0.02 }, { status: 503 });
        return new HttpResponse(generated, { headers: { 'content-type': 'image/png' } });
      }),
    );
    await client({}, events).generate({ prompt: 'x' });
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ provider: 'huggingface', delayMs: 20, error: { code: 'provider_unavailable' } });
  });

  it('moves on at once when the model needs longer to load than the retry cap allows', async () => {
    let calls = 0;
    server.use(
      http.post(URL_FLUX, () => {
        calls += 1;
        return HttpResponse.json({ error: 'Model is currently loading', estimated_time: 600 }, { status: 503 });
      }),
    );
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('provider_unavailable');
    // Worth trying again later: the call's error says when.
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 600_000 });
    expect(calls).toBe(1);
  });

  it('retries 429 at Retry-After and 5xx as provider_error', async () => {
    let calls = 0;
    server.use(
      http.post(URL_FLUX, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ error: 'Rate limit reached' }, { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json({ error: 'upstream' }, { status: 500 });
      }),
    );
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('provider_error');
    expect(calls).toBe(3);
    expect(error.attempts![0]!.tries).toBe(3);
  });

  it.each([
    ['a JSON error in a 200', () => HttpResponse.json({ error: 'Model too busy' }), /returned JSON instead of an image: Model too busy/],
    ['JSON that is neither an image nor an error', () => HttpResponse.json({ images: [] }), /unexpected response/],
    ['b64_json that is not base64', () => HttpResponse.json({ data: [{ b64_json: '***' }] }), /not valid base64/],
    ['an empty body', () => new HttpResponse(null, { status: 200, headers: { 'content-type': 'image/png' } }), /empty image/],
    ['bytes that are not an image', () => new HttpResponse('<html>oops</html>', { headers: { 'content-type': 'image/png' } }), /not a readable image/],
  ])('generate: %s is a bad_response', async (_name, reply, message) => {
    server.use(http.post(URL_FLUX, reply));
    const error = (await client({}).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('bad_response');
    expect(error.attempts!.at(-1)!.error!.message).toMatch(message);
  });

  it.each([
    ['not a list', () => HttpResponse.json({ error: 'weird' }), /unexpected response/],
    ['an empty list', () => HttpResponse.json([]), /returned no segments/],
    ['a mask that is not base64', () => HttpResponse.json([{ label: 'fg', score: 1, mask: '!!!' }]), /not valid base64/],
    ['a mask that is not a PNG', () => HttpResponse.json([{ label: 'fg', score: 1, mask: toBase64(new TextEncoder().encode('GIF89a but not really')) }]), /that is not a PNG file/],
    ['a mask of another size', () => HttpResponse.json(segments({ label: 'fg', mask: makePng(5, 5) })), /returned a 5x5 mask for a 2x1 image/],
    ['a mask whose header claims 60000×60000 (never inflated)', () => HttpResponse.json(segments({ label: 'fg', mask: withSize(makePng(2, 1), 60000, 60000) })), /returned a 60000x60000 mask for a 2x1 image/],
    ['a mask whose pixel data does not inflate', () => HttpResponse.json(segments({ label: 'fg', mask: corruptIdat(makePng(2, 1)) })), /does not inflate|pixel data/],
    ['a truncated mask', () => HttpResponse.json(segments({ label: 'fg', mask: makePng(2, 1).subarray(0, 40) })), /cut short/],
  ])('removeBackground: %s is a bad_response', async (_name, reply, message) => {
    const input = await png(2, 1, 3, [1, 2, 3, 4, 5, 6]);
    server.use(http.post(URL_RMBG, reply));
    const error = (await client().removeBackground({ image: input }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('bad_response');
    expect(error.attempts!.at(-1)!.error!.message).toMatch(message);
  });
});

describe('huggingface: configuration', () => {
  it('reads HF_TOKEN, and without a token is passed over as missing_credentials', async () => {
    await withEnv('HF_TOKEN', undefined, async () => {
      const error = (await createPixmux({ providers: [huggingface()] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'huggingface', skipped: 'missing_credentials' });
    });
    await withEnv('HF_TOKEN', 'hf_fromenv0123456789', async () => {
      const seen: Seen[] = [];
      await createPixmux({ providers: [huggingface({ fetch: recordingFetch(seen, imageAnswer) })] }).generate({ prompt: 'x' });
      expect(seen[0]!.headers.authorization).toBe('Bearer hf_fromenv0123456789');
    });
  });

  it('defaults to the cheap tier, prices by model and validates its own options', () => {
    const provider = huggingface({ apiKey: KEY });
    expect(provider.tier).toBe('cheap');
    const request = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 3, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', request, { remainingMs: 1000 })).toBeCloseTo(0.009);
    expect(provider.price?.('generate', { ...request, n: 1, model: 'someone/new-model' }, { remainingMs: 1000 })).toBe(0.01);
    expect(provider.supports?.('generate', { ...request, model: '../etc/passwd' })).toMatch(/not a Hub model id/);
    expect(() => huggingface({ apiKey: KEY, models: { generate: 'bad id with spaces' } })).toThrow(/models.generate must be a Hub model id/);
    expect(() => huggingface({ apiKey: KEY, labels: [] })).toThrow(/labels must be a non-empty list/);
  });
});
