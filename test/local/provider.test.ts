import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createPixmux, PixmuxError, type Pixmux, type PixmuxEvent, type PixmuxResult } from 'pixmux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { local, type LocalOptions } from '../../providers/local/index.js';
import { identityModel, writeTinyModel } from './helpers/tiny-model.js';
import { buildTestWorker, REPO_FIXTURES } from './helpers/worker-build.js';

let workerUrl: URL;
let dir: string;
let identityPath: string;
const clients: Pixmux[] = [];

beforeAll(async () => {
  workerUrl = await buildTestWorker();
  dir = mkdtempSync(join(tmpdir(), 'pixmux-local-'));
  identityPath = writeTinyModel(join(dir, 'identity.onnx'), identityModel([8, 4]));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

/** The identity model with a preset whose mask is the input's red channel, exactly. */
function client(overrides: LocalOptions = {}): Pixmux {
  const px = createPixmux({
    providers: [local({ workerUrl, workers: 1, models: { removeBackground: { path: identityPath, preset: { size: [8, 4], output: { channel: 0, normalize: 'clip' } } } }, ...overrides })],
    retry: { retries: 0 },
  });
  clients.push(px);
  return px;
}

/** An 8×4 RGB image whose red channel is `x × 32 + y` and green and blue are constant. */
function redRamp(): { raw: Buffer; red: number[] } {
  const raw = Buffer.alloc(8 * 4 * 3);
  const red: number[] = [];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 8; x++) {
      const value = x * 32 + y;
      red.push(value);
      raw.set([value, 60, 200], (y * 8 + x) * 3);
    }
  }
  return { raw, red };
}

const RAW = { raw: { width: 8, height: 4, channels: 3 as const } };

async function decode(result: PixmuxResult) {
  return sharp(result.images[0]!.bytes).raw().toBuffer({ resolveWithObject: true });
}

/** A mask result: a one-channel (grayscale) image. */
async function decodeMask(result: PixmuxResult) {
  expect((await sharp(result.images[0]!.bytes).metadata()).channels).toBe(1);
  return sharp(result.images[0]!.bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
}

async function failure(promise: Promise<unknown>): Promise<PixmuxError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(PixmuxError.isInstance(error)).toBe(true);
  const outer = error as PixmuxError;
  // A single provider's failure arrives as all_failed with the provider's own error as the cause.
  return outer.code === 'all_failed' && PixmuxError.isInstance(outer.cause) ? outer.cause : outer;
}

describe('local().removeBackground', () => {
  it('returns a PNG cut-out at the original size whose alpha is the model mask', async () => {
    const { raw, red } = redRamp();
    const png = await sharp(raw, RAW).png().toBuffer();
    const result = await client().removeBackground({ image: png });
    expect(result.provider).toBe('local');
    expect(result.model).toBe('identity.onnx');
    expect(result.costUsd).toBe(0);
    expect(result.images[0]!.mediaType).toBe('image/png');
    const { data, info } = await decode(result);
    expect([info.width, info.height, info.channels]).toEqual([8, 4, 4]);
    const alpha = Array.from({ length: 32 }, (_, p) => data[p * 4 + 3]);
    expect(alpha).toEqual(red);
    // The colours are the original pixels, untouched.
    expect(Array.from(data.subarray(4, 7))).toEqual([32, 60, 200]);
    expect(result.metadata.timings).toMatchObject({ batchSize: 1 });
  });

  it("returns the mask alone with output: 'mask'", async () => {
    const { raw, red } = redRamp();
    const result = await client().removeBackground({ image: await sharp(raw, RAW).png().toBuffer(), providerOptions: { local: { output: 'mask' } } });
    const { data } = await decodeMask(result);
    expect(Array.from(data)).toEqual(red);
  });

  it('composites the subject onto a background colour', async () => {
    const raw = Buffer.alloc(8 * 4 * 3);
    for (let p = 0; p < 32; p++) raw.set([p % 8 < 4 ? 0 : 255, 0, 0], p * 3); // left half transparent (red 0), right half opaque red
    const result = await client().removeBackground({ image: await sharp(raw, RAW).png().toBuffer(), providerOptions: { local: { background: '#00ff00' } } });
    const { data, info } = await decode(result);
    expect(info.channels).toBe(3);
    expect(Array.from(data.subarray(0, 3))).toEqual([0, 255, 0]);
    expect(Array.from(data.subarray(7 * 3, 8 * 3))).toEqual([255, 0, 0]);
  });

  it('writes WebP with alpha, and JPEG on white with a warning', async () => {
    const { raw } = redRamp();
    const png = await sharp(raw, RAW).png().toBuffer();
    const webp = await client().removeBackground({ image: png, format: 'webp' });
    expect(webp.images[0]!.mediaType).toBe('image/webp');
    expect((await sharp(webp.images[0]!.bytes).metadata()).hasAlpha).toBe(true);
    const jpeg = await client().removeBackground({ image: png, format: 'jpeg' });
    expect(jpeg.images[0]!.mediaType).toBe('image/jpeg');
    expect(jpeg.warnings.join('\n')).toMatch(/JPEG has no alpha channel/);
  });

  it('keeps the transparency an input already had', async () => {
    const rgba = Buffer.alloc(8 * 4 * 4);
    for (let p = 0; p < 32; p++) rgba.set([255, 255, 255, p % 8 < 2 ? 0 : 255], p * 4);
    const result = await client().removeBackground({ image: await sharp(rgba, { raw: { width: 8, height: 4, channels: 4 } }).png().toBuffer() });
    const { data } = await decode(result);
    expect(data[3]).toBe(0); // transparent in the input, whatever the model says
    expect(data[4 * 4 + 3]).toBe(255);
  });

  it('decodes grayscale, 16-bit and CMYK inputs and follows EXIF orientation', async () => {
    const { raw, red } = redRamp();
    const gray = await sharp(Buffer.from(red), { raw: { width: 8, height: 4, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const grayMask = await decodeMask(await client().removeBackground({ image: gray, providerOptions: { local: { output: 'mask' } } }));
    expect(Array.from(grayMask.data)).toEqual(red);

    const sixteen = await sharp(raw, RAW).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    const sixteenMask = await decodeMask(await client().removeBackground({ image: sixteen, providerOptions: { local: { output: 'mask' } } }));
    sixteenMask.data.forEach((value, index) => expect(Math.abs(value - red[index]!)).toBeLessThanOrEqual(1));

    const cmyk = await sharp(raw, RAW).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const cmykResult = await client().removeBackground({ image: cmyk });
    expect((await decode(cmykResult)).info).toMatchObject({ width: 8, height: 4, channels: 4 });

    // Stored 8×4 with a bright left half; orientation 6 displays it rotated 90° clockwise: 4×8, bright top half.
    const halves = Buffer.alloc(8 * 4 * 3);
    for (let p = 0; p < 32; p++) halves.set([p % 8 < 4 ? 250 : 5, 0, 0], p * 3);
    const rotated = await sharp(halves, RAW).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const upright = await decodeMask(await client().removeBackground({ image: rotated, providerOptions: { local: { output: 'mask' } } }));
    expect([upright.info.width, upright.info.height]).toEqual([4, 8]);
    const top = upright.data.subarray(0, 8).reduce((sum, value) => sum + value, 0) / 8;
    const bottom = upright.data.subarray(24, 32).reduce((sum, value) => sum + value, 0) / 8;
    expect(top).toBeGreaterThan(180);
    expect(bottom).toBeLessThan(60);
  });

  it('falls back from CUDA to the CPU: the reason once (logger and event), a short line without paths on results', async () => {
    const { raw } = redRamp();
    const logged: string[] = [];
    const notices: PixmuxEvent[] = [];
    const px = createPixmux({
      providers: [local({ workerUrl, workers: 1, device: 'auto', models: { removeBackground: { path: identityPath, preset: { size: [8, 4], output: { channel: 0, normalize: 'clip' } } } } })],
      retry: { retries: 0 },
      logger: { warn: (message: string) => logged.push(message) },
      onEvent: (event) => (event.type === 'provider.notice' ? notices.push(event) : undefined),
    });
    clients.push(px);
    const result = await px.removeBackground({ image: await sharp(raw, RAW).png().toBuffer() });
    if (result.metadata.device === 'cuda') return; // a machine with a working CUDA provider: nothing fell back
    expect(result.metadata.device).toBe('cpu');
    expect(result.warnings).toEqual(['local: ran on the CPU because CUDA is not available']);
    // The decision is remembered: later calls still say so on the result, but the long reason is not repeated.
    const again = await px.removeBackground({ image: await sharp(raw, RAW).png().toBuffer() });
    expect(again.warnings).toEqual(['local: ran on the CPU because CUDA is not available']);
    expect(logged.filter((line) => /CUDA is not available, so the model ran on the CPU \(.+\)/.test(line))).toHaveLength(1);
    expect(notices).toHaveLength(1);
  });

  it('device cpu runs without a warning; device cuda without CUDA is provider_unavailable with install advice', async () => {
    const { raw } = redRamp();
    const png = await sharp(raw, RAW).png().toBuffer();
    const cpu = await client({ device: 'cpu' }).removeBackground({ image: png });
    expect(cpu.warnings).toEqual([]);
    expect(cpu.metadata.device).toBe('cpu');
    const cuda = client({ device: 'cuda' });
    const outcome = await cuda.removeBackground({ image: png }).then(
      (result) => result,
      (error: unknown) => error,
    );
    if (!PixmuxError.isInstance(outcome)) return expect((outcome as PixmuxResult).metadata.device).toBe('cuda');
    const error = await failure(Promise.reject(outcome));
    expect(error.code).toBe('provider_unavailable');
    expect(error.message).toMatch(/device 'cuda' is not available/);
    expect(error.message).toMatch(/npm install onnxruntime-node sharp/);
    expect(error.message).toMatch(/CUDA 12/);
  });

  it('warns about unknown per-call options and rejects invalid ones', async () => {
    const { raw } = redRamp();
    const png = await sharp(raw, RAW).png().toBuffer();
    const px = client();
    const result = await px.removeBackground({ image: png, providerOptions: { local: { alphaMatting: true } } });
    expect(result.warnings.join('\n')).toMatch(/ignored unknown providerOptions alphaMatting/);
    expect((await failure(px.removeBackground({ image: png, providerOptions: { local: { output: 'trimap' } } }))).code).toBe('invalid_request');
    expect((await failure(px.removeBackground({ image: png, providerOptions: { local: { background: 'not-a-colour' } } }))).code).toBe('invalid_request');
  });

  it('rejects an image sharp cannot decode as invalid_image', async () => {
    // A valid PNG signature and header, then garbage: the core accepts the header, sharp cannot decode it.
    const png = await sharp(redRamp().raw, RAW).png().toBuffer();
    const broken = Buffer.concat([png.subarray(0, 40), Buffer.alloc(40, 7)]);
    const error = await failure(client().removeBackground({ image: broken }));
    expect(['invalid_image', 'invalid_request']).toContain(error.code);
  });

  it('says what it cannot do, costs nothing, and reports capacity before and after use', async () => {
    const provider = local({ workerUrl, workers: 2, maxQueue: 5, models: { removeBackground: { path: identityPath, preset: 'u2net' } } });
    expect(provider.tier).toBe('local');
    expect(provider.supports?.('generate', {} as never)).toMatch(/generate needs a model: local\(\{ models: \{ generate: 'lcm-dreamshaper-v7' \} \}\) or a folder, \{ path, pipeline: 'sd-turbo' \| 'lcm' \}/);
    expect(provider.supports?.('restoreFace', {} as never)).toBe(true);
    expect(provider.supports?.('removeBackground', {} as never)).toBe(true);
    expect(provider.price?.('removeBackground', {} as never)).toBe(0);
    expect(provider.capacity?.()).toEqual({ inFlight: 0, queued: 0, limit: 2, accepted: 0 });
    await provider.dispose?.();
  });

  it('validates its options when created', () => {
    expect(() => local({ device: 'tpu' as never })).toThrow(/device must be one of/);
    expect(() => local({ workers: 0 })).toThrow(/workers/);
    expect(() => local({ models: { removeBackground: { path: '/m.onnx', preset: 'nope' as never } } })).toThrow(/preset "nope" is unknown/);
    expect(() => local({ models: { removeBackground: { path: '/m.onnx', preset: { size: [0, 1] } } } })).toThrow(/size/);
  });

  it('fails with provider_unavailable when a model file or the worker entry is missing', async () => {
    const png = await sharp(redRamp().raw, RAW).png().toBuffer();
    const missingModel = createPixmux({ providers: [local({ workerUrl, models: { removeBackground: { path: join(dir, 'absent.onnx'), preset: 'u2net' } } })], retry: { retries: 0 } });
    clients.push(missingModel);
    const modelError = await failure(missingModel.removeBackground({ image: png }));
    expect(modelError.code).toBe('provider_unavailable');
    expect(modelError.message).toMatch(/absent\.onnx does not exist/);
    const missingWorker = createPixmux({ providers: [local({ workerUrl: join(dir, 'worker.js'), models: { removeBackground: { path: identityPath, preset: 'u2net' } } })], retry: { retries: 0 } });
    clients.push(missingWorker);
    expect((await failure(missingWorker.removeBackground({ image: png }))).message).toMatch(/worker entry .* is missing/);
  });

  it('offline with no model in the cache: provider_unavailable with where to put the file, or how to pass one by path', async () => {
    const png = await sharp(redRamp().raw, RAW).png().toBuffer();
    const offline = createPixmux({ providers: [local({ workerUrl, offline: true, cacheDir: join(dir, 'empty-cache') })], retry: { retries: 0 } });
    clients.push(offline);
    const error = await failure(offline.removeBackground({ image: png }));
    expect(error.code).toBe('provider_unavailable');
    expect(error.message).toMatch(/birefnet-general-lite/);
    expect(error.message).toContain(join(dir, 'empty-cache'));
    expect(error.message).toMatch(/path/);
  });

  it('a call can name the configured by-path model; an unknown model id is invalid_request', async () => {
    const png = await sharp(redRamp().raw, RAW).png().toBuffer();
    const px = createPixmux({
      providers: [local({ workerUrl, offline: true, cacheDir: join(dir, 'empty-cache'), models: { removeBackground: { id: 'mine', path: identityPath, preset: { size: [8, 4], output: { normalize: 'clip' } } } } })],
      retry: { retries: 0 },
    });
    clients.push(px);
    expect((await px.removeBackground({ image: png, model: 'mine' })).model).toBe('mine');
    expect((await failure(px.removeBackground({ image: png, model: 'no-such-model' }))).code).toBe('invalid_request');
  });

  it('cuts a real photo without errors at its full size', async () => {
    const coffee = readFileSync(join(REPO_FIXTURES, 'skimage_coffee.png'));
    const result = await client().removeBackground({ image: coffee });
    const meta = await sharp(coffee).metadata();
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([meta.width, meta.height]);
  });
});
