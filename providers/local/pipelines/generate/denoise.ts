import type { GenerateSettings, GenerateStageTimings } from '../../pool/protocol.js';
import { WorkerFailure } from '../../pool/worker-failure.js';
import type { SchedulerConfig } from './configs.js';
import { eulerAncestralStep, eulerScaleInput, eulerSchedule } from './euler-ancestral.js';
import { guidanceEmbedding, lcmStep, lcmTimesteps } from './lcm.js';
import { alphasCumprod } from './noise-schedule.js';
import { seededNormal, type SeededNormal } from './random.js';
import type { PromptTokenizer } from './tokenizer.js';

/** Latent channels and the VAE's downscale factor of SD 1.x/2.x. */
export const LATENT_CHANNELS = 4;
export const VAE_FACTOR = 8;

/** The three networks as plain functions on float32 data (the worker wraps the onnxruntime sessions; tests pass stubs). */
export interface GenerateModels {
  /** `[1, length]` ids → the text encoder's `[1, length, width]` hidden states. */
  encodeText(ids: Int32Array): Promise<Float32Array>;
  /** One UNet run for the whole batch: ε for `sample` `[batch, 4, h, w]` at `timestep`. */
  unet(input: { sample: Float32Array; batch: number; timestep: number; hiddenStates: Float32Array; timestepCond: Float32Array | undefined }): Promise<Float32Array>;
  /** `[batch, 4, h, w]` latents (already divided by the scaling factor) → `[batch, 3, 8h, 8w]` in [−1, 1]. */
  decode(latents: Float32Array, batch: number): Promise<Float32Array>;
  /** `timestep_cond`'s width for LCM UNets; undefined when the UNet has no such input. */
  readonly timestepCondWidth: number | undefined;
}

export interface DenoiseJob extends GenerateSettings {
  scheduler: SchedulerConfig;
  vaeScalingFactor: number;
}

export interface DenoiseResult {
  /** One interleaved 8-bit RGB image per request, `width × height`. */
  images: Uint8Array[];
  timings: GenerateStageTimings;
}

/** Image `i`'s generator: seed + i, wrapped to 32 bits (the core gives later chunks of a split call seed + offset too). */
export function imageNoise(seed: number, index: number): SeededNormal {
  return seededNormal((seed + index) >>> 0);
}

/** The initial latents: each image's N(0, 1) draws from its own generator, times the scheduler's initial σ. */
export function initialLatents(noises: SeededNormal[], perImage: number, initNoiseSigma: number): Float32Array {
  const latents = new Float32Array(perImage * noises.length);
  noises.forEach((noise, index) => {
    for (let i = 0; i < perImage; i++) latents[index * perImage + i] = noise.next() * initNoiseSigma;
  });
  return latents;
}

/** VAE output `[batch, 3, H, W]` in [−1, 1] → 8-bit RGB per image: clamp(x/2 + 0.5, 0, 1)·255, rounded. */
export function toRgb(decoded: Float32Array, batch: number, width: number, height: number): Uint8Array[] {
  const plane = width * height;
  if (decoded.length !== batch * 3 * plane) throw new WorkerFailure('bad_response', `the VAE decoder returned ${decoded.length} values, expected ${batch}×3×${height}×${width}`);
  return Array.from({ length: batch }, (_, item) => {
    const rgb = new Uint8Array(plane * 3);
    const base = item * 3 * plane;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) {
        const value = decoded[base + c * plane + p]! / 2 + 0.5;
        rgb[p * 3 + c] = Math.round(Math.min(1, Math.max(0, Number.isNaN(value) ? 0 : value)) * 255);
      }
    }
    return rgb;
  });
}

/** `data` repeated `times` times, end to end (the prompt's hidden states for each image of the batch). */
export function tile(data: Float32Array, times: number): Float32Array {
  if (times === 1) return data;
  const result = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) result.set(data, i * data.length);
  return result;
}

/**
 * Text to images: tokenize, encode the prompt once, start from seeded noise, run the scheduler's steps (the UNet on
 * the whole batch, the update per image with that image's generator), then decode. `cancelled` is asked before each
 * network run, so an abort stops between steps.
 */
export async function denoise(job: DenoiseJob, tokenizer: PromptTokenizer, models: GenerateModels, cancelled: () => boolean): Promise<DenoiseResult> {
  const stop = () => {
    if (cancelled()) throw new WorkerFailure('aborted', 'the generation was aborted');
  };
  const t0 = performance.now();
  const ids = tokenizer.encode(job.prompt);
  const t1 = performance.now();
  stop();
  const hiddenStates = tile(await models.encodeText(ids), job.n);
  const t2 = performance.now();

  const latentWidth = job.width / VAE_FACTOR;
  const latentHeight = job.height / VAE_FACTOR;
  const perImage = LATENT_CHANNELS * latentWidth * latentHeight;
  const alphas = alphasCumprod(job.scheduler);
  const noises = Array.from({ length: job.n }, (_, index) => imageNoise(job.seed, index));
  const unetStepsMs: number[] = [];
  let latents: Float32Array;
  const slice = (data: Float32Array, index: number) => data.subarray(index * perImage, (index + 1) * perImage);

  if (job.pipeline === 'sd-turbo') {
    const schedule = eulerSchedule(alphas, job.steps, job.scheduler.timestepSpacing, job.scheduler.stepsOffset);
    latents = initialLatents(noises, perImage, schedule.initNoiseSigma);
    for (let index = 0; index < job.steps; index++) {
      stop();
      const started = performance.now();
      const sample = eulerScaleInput(latents, schedule, index);
      const epsilon = await models.unet({ sample, batch: job.n, timestep: schedule.timesteps[index]!, hiddenStates, timestepCond: undefined });
      for (let item = 0; item < job.n; item++) eulerAncestralStep(slice(latents, item), slice(epsilon, item), schedule, index, noises[item]!);
      unetStepsMs.push(performance.now() - started);
    }
  } else {
    if (models.timestepCondWidth === undefined) throw new WorkerFailure('provider_unavailable', 'the LCM pipeline needs a UNet with a timestep_cond input (the guidance embedding)');
    const schedule = { timesteps: lcmTimesteps(job.scheduler.numTrainTimesteps, job.steps, job.scheduler.originalInferenceSteps) };
    const timestepCond = tile(guidanceEmbedding(job.guidanceScale, models.timestepCondWidth), job.n);
    latents = initialLatents(noises, perImage, 1);
    for (let index = 0; index < job.steps; index++) {
      stop();
      const started = performance.now();
      const epsilon = await models.unet({ sample: latents.slice(), batch: job.n, timestep: schedule.timesteps[index]!, hiddenStates, timestepCond });
      for (let item = 0; item < job.n; item++) lcmStep(slice(latents, item), slice(epsilon, item), alphas, schedule, index, job.scheduler.timestepScaling, noises[item]!);
      unetStepsMs.push(performance.now() - started);
    }
  }
  if (latents.some((value) => !Number.isFinite(value))) throw new WorkerFailure('bad_response', 'the UNet produced non-finite latents (NaN or Infinity)');

  stop();
  const t3 = performance.now();
  const scaled = new Float32Array(latents.length);
  for (let i = 0; i < latents.length; i++) scaled[i] = latents[i]! / job.vaeScalingFactor;
  const decoded = await models.decode(scaled, job.n);
  const images = toRgb(decoded, job.n, job.width, job.height);
  const t4 = performance.now();
  return { images, timings: { tokenizeMs: t1 - t0, textEncoderMs: t2 - t1, unetStepsMs, vaeMs: t4 - t3 } };
}
