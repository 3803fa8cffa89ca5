import type { ImageFormat } from 'pixmux';
import type { SharpFn } from '../../native.js';
import type { WorkerPool } from '../../pool/worker-pool.js';
import type { ResolvedPreset } from './presets.js';
import { alphaAtImageSize, composeOutput, type CutoutOutput } from './compose.js';
import { decodeImage, resizeForModel } from '../image-io.js';

export interface RemoveBackgroundJob {
  bytes: Uint8Array;
  /** Pixels the header declares (within `limits.maxPixels`); decoding more is refused. */
  maxPixels: number;
  modelPath: string;
  preset: ResolvedPreset;
  format: ImageFormat;
  output: CutoutOutput;
  background: string | undefined;
  signal: AbortSignal;
  provider: string;
  warn(message: string): void;
  testCrash?: 'exit' | 'throw';
}

/** Milliseconds per stage: decode and resize, tensor, inference and mask (worker), resize and encode. */
export interface RemoveBackgroundTimings {
  decodeMs: number;
  queueMs: number;
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
  encodeMs: number;
  batchSize: number;
}

export interface RemoveBackgroundOutput {
  bytes: Uint8Array;
  width: number;
  height: number;
  device: string;
  deviceWarning: string | undefined;
  timings: RemoveBackgroundTimings;
}

/**
 * Decode and resize on the calling thread (sharp is asynchronous with its own thread pool), tensor building,
 * inference and mask extraction in a worker (8-bit pixels go there and back, transferred, not copied), then the
 * mask is scaled to the original size and the result encoded, again with sharp.
 */
export async function removeBackgroundPipeline(sharp: SharpFn, pool: WorkerPool, job: RemoveBackgroundJob): Promise<RemoveBackgroundOutput> {
  const t0 = performance.now();
  const image = await decodeImage(sharp, job.bytes, job.provider, job.maxPixels);
  const input = await resizeForModel(sharp, image, job.preset.size);
  const t1 = performance.now();
  const result = await pool.run({ modelPath: job.modelPath, preset: job.preset, image: input, signal: job.signal, ...(job.testCrash ? { testCrash: job.testCrash } : {}) });
  const t2 = performance.now();
  const alpha = await alphaAtImageSize(sharp, image, result);
  const bytes = await composeOutput(sharp, image, alpha, { format: job.format, output: job.output, background: job.background, provider: job.provider, warn: job.warn });
  const t3 = performance.now();
  return {
    bytes,
    width: image.width,
    height: image.height,
    device: result.device,
    deviceWarning: result.deviceWarning,
    timings: {
      decodeMs: t1 - t0,
      queueMs: result.queuedMs,
      preprocessMs: result.timings.preprocessMs,
      inferenceMs: result.timings.inferenceMs,
      postprocessMs: result.timings.postprocessMs,
      encodeMs: t3 - t2,
      batchSize: result.batchSize,
    },
  };
}
