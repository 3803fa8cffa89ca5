import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createPixmux, PixmuxError, type Pixmux } from 'pixmux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { local, type LocalGenerateModelChoice } from '../../providers/local/index.js';
import { createWorkerPool } from '../../providers/local/pool/worker-pool.js';
import { seededNormal } from '../../providers/local/pipelines/generate/random.js';
import { HIDDEN, SEQUENCE, writeGenerateFolder, type FolderOptions } from './helpers/generate-models.js';
import { buildTestWorker } from './helpers/worker-build.js';

// Stand-in networks with the real input and output names (helpers/generate-models.ts):
//   text encoder: hidden[j][d] = ids[j]·(d+1)/1000;  UNet: ε = sample + mean(hidden) + 1e-6·t (+ 1e-3·mean(timestep_cond));
//   VAE: the first three latent channels, each value repeated over an 8×8 block.
// "a cat" with the test vocabulary is [15, 7, 9, 16] then 73 × "!" (id 0).
const PROMPT_IDS_SUM = 15 + 7 + 9 + 16;
const HIDDEN_MEAN = (PROMPT_IDS_SUM * Array.from({ length: HIDDEN }, (_, d) => (d + 1) / 1000).reduce((a, b) => a + b, 0)) / (SEQUENCE * HIDDEN);
/** ᾱ at t = 999 for SD's scaled_linear betas (numpy, float64). */
const ALPHA_BAR_999 = 0.004660098513077238;
const VAE_SCALE = 0.18215;

let workerUrl: URL;
let dir: string;
const clients: Pixmux[] = [];

beforeAll(async () => {
  workerUrl = await buildTestWorker();
  dir = mkdtempSync(join(tmpdir(), 'pixmux-generate-'));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let folders = 0;
function folder(options: FolderOptions = {}): string {
  return writeGenerateFolder(join(dir, `model-${++folders}`), options);
}

function client(generate: LocalGenerateModelChoice, workers = 1): { px: Pixmux; provider: ReturnType<typeof local> } {
  const provider = local({ workerUrl, workers, offline: true, device: 'cpu', models: { generate } });
  const px = createPixmux({ providers: [provider], retry: { retries: 0 } });
  clients.push(px);
  return { px, provider };
}

async function pixels(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** 8-bit RGB of final latents through the stand-in VAE: x / 0.18215, first three channels, 8× nearest, clamp(x/2 + 0.5)·255. */
function expectedPixels(latents: Float64Array, width: number, height: number): Uint8Array {
  const lw = width / 8;
  const lh = height / 8;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const value = latents[c * lw * lh + Math.floor(y / 8) * lw + Math.floor(x / 8)]! / VAE_SCALE;
        rgb[(y * width + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, value / 2 + 0.5)) * 255);
      }
    }
  }
  return rgb;
}

/** Exact but for float32 rounding at a .5 boundary: no pixel more than one level off, and nearly all identical. */
function expectSamePixels(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  let off = 0;
  let maxDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (diff > 0) off++;
    maxDiff = Math.max(maxDiff, diff);
  }
  expect(maxDiff).toBeLessThanOrEqual(1);
  expect(off / actual.length).toBeLessThan(0.01);
}

function spread(data: Uint8Array): number {
  return Math.max(...data) - Math.min(...data);
}

describe('local().generate with stand-in networks', () => {
  it('SD-Turbo, one step: the pixels are the Euler closed form of the seeded noise, and the result says how it ran', async () => {
    const { px } = client({ path: folder(), pipeline: 'sd-turbo' });
    const result = await px.generate({ prompt: 'a cat', size: '64x64', seed: 42 });
    expect(result.provider).toBe('local');
    expect(result.model).toBe('model-1');
    expect(result.costUsd).toBe(0);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.mediaType).toBe('image/png');
    expect(result.metadata).toMatchObject({ device: 'cpu', seed: 42, steps: 1, width: 64, height: 64, pipeline: 'sd-turbo', precision: 'float32', batched: true });
    const timings = result.metadata.timings as { unetStepsMs: number[] } & Record<string, number>;
    expect(timings.unetStepsMs).toHaveLength(1);
    for (const stage of ['queueMs', 'tokenizeMs', 'textEncoderMs', 'unetMs', 'vaeMs', 'encodeMs']) expect(timings[stage]).toBeGreaterThanOrEqual(0);
    expect(result.warnings.some((warning) => /generated on the CPU, which is slow: the UNet took \d+ ms for 1 step/.test(warning))).toBe(true);

    // x_T = σ·z; ε = x_T/√(σ²+1) + mean(hidden) + 1e-6·999; one step to σ = 0 leaves x₀ = x_T − σ·ε.
    const sigma = Math.sqrt((1 - ALPHA_BAR_999) / ALPHA_BAR_999);
    const noise = seededNormal(42).fill(4 * 8 * 8);
    const latents = Float64Array.from(noise, (z) => {
      const x = z * sigma;
      return x - sigma * (x / Math.sqrt(sigma * sigma + 1) + HIDDEN_MEAN + 999e-6);
    });
    const image = await pixels(result.images[0]!.bytes);
    expect([image.width, image.height]).toEqual([64, 64]);
    const expected = expectedPixels(latents, 64, 64);
    expect(spread(expected)).toBeGreaterThan(60); // the check is not against a flat image
    expectSamePixels(image.data, expected);
  });

  it('LCM, one step: the boundary-condition closed form with the guidance embedding fed to timestep_cond', async () => {
    const { px } = client({ path: folder({ pipeline: 'lcm' }), pipeline: 'lcm' });
    const result = await px.generate({ prompt: 'a cat', size: '64x64', seed: 7, providerOptions: { local: { steps: 1, guidanceScale: 4 } } });
    expect(result.metadata).toMatchObject({ pipeline: 'lcm', steps: 1, seed: 7 });
    // mean of [sin(w'·f_k), cos(w'·f_k)] with w' = (4 − 1)·1000, f_k = exp(−k·ln 10000 / 127), k < 128.
    let embeddingSum = 0;
    for (let k = 0; k < 128; k++) {
      const angle = 3000 * Math.exp((-k * Math.log(10000)) / 127);
      embeddingSum += Math.sin(angle) + Math.cos(angle);
    }
    const a = ALPHA_BAR_999;
    const scaled = 999 * 10;
    const cSkip = 0.25 / (scaled * scaled + 0.25);
    const cOut = scaled / Math.sqrt(scaled * scaled + 0.25);
    const latents = Float64Array.from(seededNormal(7).fill(4 * 8 * 8), (x) => {
      const epsilon = x + HIDDEN_MEAN + 999e-6 + (embeddingSum / 256) * 1e-3;
      return cOut * ((x - Math.sqrt(1 - a) * epsilon) / Math.sqrt(a)) + cSkip * x;
    });
    const expected = expectedPixels(latents, 64, 64);
    expect(spread(expected)).toBeGreaterThan(60);
    expectSamePixels((await pixels(result.images[0]!.bytes)).data, expected);
  });

  it('the same seed gives identical bytes, another seed different ones (SD-Turbo 4 steps, LCM 4 steps)', async () => {
    for (const pipeline of ['sd-turbo', 'lcm'] as const) {
      const { px } = client({ path: folder({ pipeline }), pipeline });
      const call = (seed: number) => px.generate({ prompt: 'a dog', size: '64x128', seed, providerOptions: { local: { steps: 4 } }, cache: false });
      const [first, again, other] = [await call(1), await call(1), await call(2)];
      expect(Buffer.from(again.images[0]!.bytes).equals(Buffer.from(first.images[0]!.bytes))).toBe(true);
      expect(Buffer.from(other.images[0]!.bytes).equals(Buffer.from(first.images[0]!.bytes))).toBe(false);
      expect((first.metadata.timings as unknown as { unetStepsMs: number[] }).unetStepsMs).toHaveLength(4);
      const { width, height } = await pixels(first.images[0]!.bytes);
      expect([width, height]).toEqual([64, 128]);
    }
  });

  it('n: 3 gives three different images in one batch; image i is the one seed + i gives alone', async () => {
    const { px } = client({ path: folder(), pipeline: 'sd-turbo' });
    const three = await px.generate({ prompt: 'a cat', size: '64x64', seed: 10, n: 3, providerOptions: { local: { steps: 2 } } });
    expect(three.images).toHaveLength(3);
    expect(three.metadata.batched).toBe(true);
    const bytes = three.images.map((image) => Buffer.from(image.bytes));
    expect(new Set(bytes.map((b) => b.toString('base64'))).size).toBe(3);
    const alone = await px.generate({ prompt: 'a cat', size: '64x64', seed: 12, providerOptions: { local: { steps: 2 } } });
    expect(Buffer.from(alone.images[0]!.bytes).equals(bytes[2]!)).toBe(true);
  });

  it('a UNet and VAE with a fixed batch of 1 run the images one by one, with the same pixels', async () => {
    const { px: batched } = client({ path: folder(), pipeline: 'sd-turbo' });
    const { px: single } = client({ path: folder({ unet: { batch: 1 }, vaeBatch: 1 }), pipeline: 'sd-turbo' });
    const request = { prompt: 'a cat', size: '64x64', seed: 3, n: 2 } as const;
    const [a, b] = [await batched.generate(request), await single.generate(request)];
    expect(b.metadata.batched).toBe(false);
    expect(b.images.map((image) => Buffer.from(image.bytes).toString('base64'))).toEqual(a.images.map((image) => Buffer.from(image.bytes).toString('base64')));
  });

  it('a tokenizer.json and int64 token ids give the same image as vocab.json + merges.txt and int32 ids', async () => {
    const { px: bpe } = client({ path: folder(), pipeline: 'sd-turbo' });
    const { px: json } = client({ path: folder({ tokenizer: 'json', idType: 'int64' }), pipeline: 'sd-turbo' });
    const request = { prompt: 'A  CAT, a dog', size: '64x64', seed: 5 } as const;
    const [a, b] = [await bpe.generate(request), await json.generate(request)];
    expect(Buffer.from(b.images[0]!.bytes).equals(Buffer.from(a.images[0]!.bytes))).toBe(true);
  });

  it('a float16 UNet gets float16 inputs (precision read from its metadata) and gives nearly the same image', async () => {
    const { px: full } = client({ path: folder(), pipeline: 'sd-turbo' });
    const { px: half } = client({ path: folder({ unet: { precision: 'float16' } }), pipeline: 'sd-turbo' });
    const request = { prompt: 'a cat', size: '64x64', seed: 9 } as const;
    const [a, b] = [await full.generate(request), await half.generate(request)];
    expect(b.metadata.precision).toBe('float16');
    const [x, y] = [await pixels(a.images[0]!.bytes), await pixels(b.images[0]!.bytes)];
    // The stand-in's x₀ = x − σ·ε cancels two large numbers, so float16's rounding shows; a misread buffer would not be close.
    let total = 0;
    for (let i = 0; i < x.data.length; i++) total += Math.abs(x.data[i]! - y.data[i]!);
    expect(total / x.data.length).toBeLessThan(3);
  });

  it('warns that negativePrompt (and SD-Turbo guidanceScale) are ignored; reports capacity from measured runs', async () => {
    const { px, provider } = client({ path: folder(), pipeline: 'sd-turbo' });
    const result = await px.generate({ prompt: 'a cat', negativePrompt: 'a dog', size: '64x64', seed: 1, providerOptions: { local: { guidanceScale: 3 } } });
    expect(result.warnings).toContain('local: negativePrompt is ignored: SD-Turbo runs without classifier-free guidance');
    expect(result.warnings).toContain('local: guidanceScale is ignored: SD-Turbo has no guidance');
    await px.generate({ prompt: 'a cat', size: '64x64', seed: 2 });
    const capacity = provider.capacity!();
    expect(capacity.throughputPerSecond).toBeGreaterThan(0);
    expect(capacity.inFlight).toBe(0);
  });
});

describe('aborting a generation', () => {
  it('an aborted call rejects at once; its worker stops before the next network run and takes the next job', async () => {
    const pool = createWorkerPool({ workerUrl, size: 1, gpuSize: 1, intraOpNumThreads: 1, device: 'cpu', maxBatch: 1, maxBatchWaitMs: 0, provider: 'local' });
    try {
      const job = { kind: 'generate' as const, folder: folder(), pipeline: 'sd-turbo' as const, prompt: 'a cat', width: 64, height: 64, n: 1, seed: 1, steps: 4, guidanceScale: 1 };
      const controller = new AbortController();
      const aborted = pool.generate({ ...job, signal: controller.signal });
      expect(pool.capacity().inFlight).toBe(1); // handed to the worker, not merely queued
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
      const next = await pool.generate(job);
      expect(next.images).toHaveLength(1);
      expect(next.timings.unetStepsMs).toHaveLength(4);
    } finally {
      await pool.dispose();
    }
  });
});

describe('local().generate errors name what is wrong', () => {
  /** The local provider's own error (the client wraps it in all_failed when it was the only provider and failed). */
  async function failure(generate: LocalGenerateModelChoice, request: Partial<Parameters<Pixmux['generate']>[0]> = {}): Promise<{ code: string; message: string }> {
    const { px } = client(generate);
    const error = (await px.generate({ prompt: 'a cat', size: '64x64', seed: 1, ...request }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )) as { code: string; message: string; cause?: { code: string; message: string } } | undefined;
    expect(PixmuxError.isInstance(error)).toBe(true);
    return error!.code === 'all_failed' ? error!.cause! : error!;
  }

  it('a missing folder, a folder without its UNet, a folder without a tokenizer', async () => {
    const missing = await failure({ path: join(dir, 'nowhere'), pipeline: 'sd-turbo' });
    expect(missing.code).toBe('provider_unavailable');
    expect(missing.message).toMatch(/generate model folder .*nowhere does not exist/);
    const noUnet = await failure({ path: folder({ omit: ['unet/model.onnx'] }), pipeline: 'sd-turbo' });
    expect(noUnet.code).toBe('provider_unavailable');
    expect(noUnet.message).toMatch(/is incomplete: missing unet\/model\.onnx$/);
    const noTokenizer = await failure({ path: folder({ omit: ['tokenizer/merges.txt', 'scheduler/scheduler_config.json'] }), pipeline: 'sd-turbo' });
    expect(noTokenizer.message).toMatch(/missing scheduler\/scheduler_config\.json, tokenizer\/tokenizer\.json \(or tokenizer\/merges\.txt\)/);
  });

  it('a UNet whose inputs do not fit the pipeline', async () => {
    const lcmAsTurbo = await failure({ path: folder({ unet: { inputs: 'lcm' } }), pipeline: 'sd-turbo' });
    expect(lcmAsTurbo.code).toBe('provider_unavailable');
    expect(lcmAsTurbo.message).toMatch(/has inputs sample, timestep, encoder_hidden_states, timestep_cond; the sd-turbo pipeline needs sample, timestep, encoder_hidden_states \(unknown timestep_cond\).*use pipeline: 'lcm'/);
    const turboAsLcm = await failure({ path: folder({ pipeline: 'lcm', unet: { inputs: 'sd-turbo' } }), pipeline: 'lcm' });
    expect(turboAsLcm.message).toMatch(/\(missing timestep_cond\).*no LCM UNet/);
    const sdxl = await failure({ path: folder({ unet: { inputs: ['sample', 'timestep', 'text_embeds'] } }), pipeline: 'sd-turbo' });
    expect(sdxl.message).toMatch(/\(missing encoder_hidden_states\) \(unknown text_embeds\)/);
  });

  it('sizes: not a multiple of 64 (nearest valid sizes named), or not the one a fixed-size UNet takes', async () => {
    const odd = await failure({ path: folder(), pipeline: 'sd-turbo' }, { size: '500x500' });
    expect(odd.code).toBe('invalid_request');
    expect(odd.message).toMatch(/size 500x500 cannot be generated locally: width and height must be multiples of 64 from 64 to 2048; nearest valid sizes: 512x512, 448x512, 512x448, 448x448/);
    const fixed = await failure({ path: folder({ unet: { latent: 64 } }), pipeline: 'sd-turbo' }, { size: '128x128' });
    expect(fixed.code).toBe('invalid_request');
    expect(fixed.message).toMatch(/this UNet takes 512x512 images only/);
  });

  it('too many steps for the pipeline; a bad configuration fails when the provider is created', async () => {
    const steps = await failure({ path: folder(), pipeline: 'sd-turbo' }, { providerOptions: { local: { steps: 5 } } });
    expect(steps.code).toBe('invalid_request');
    expect(steps.message).toMatch(/SD-Turbo runs 1 to 4 steps/);
    expect(() => local({ models: { generate: { path: '/x', pipeline: 'sdxl' as never } } })).toThrow(/models\.generate\.pipeline "sdxl" is unknown; pipelines: sd-turbo, lcm/);
    expect(local().supports!('generate', {} as never)).toMatch(/generate needs a model: local\(\{ models: \{ generate: 'lcm-dreamshaper-v7' \} \}\) or a folder/);
    expect(() => local({ models: { generate: 'sdxl-turbo' } })).toThrow(/unknown model "sdxl-turbo" for generate; known: lcm-dreamshaper-v7, sd-turbo/);
    expect(() => local({ models: { generate: 'u2net' } })).toThrow(/model "u2net" is for removeBackground, not generate/);
    const other = await failure({ path: folder(), pipeline: 'sd-turbo', id: 'mine' }, { model: 'lcm-dreamshaper-v7' });
    expect(other.code).toBe('invalid_request');
    expect(other.message).toMatch(/model "lcm-dreamshaper-v7" is not the configured generate model "mine"/);
    const unknown = await failure({ path: folder(), pipeline: 'sd-turbo', id: 'mine' }, { model: 'sdxl-turbo' });
    expect(unknown.message).toMatch(/unknown model "sdxl-turbo" for generate/);
    expect(local({ models: { generate: { path: '/x', pipeline: 'lcm' } } }).supports!('generate', {} as never)).toBe(true);
  });
});
