import type { ImageFormat } from 'pixmux';
import type { SharpFn } from '../../native.js';
import type { GenerateSettings } from '../../pool/protocol.js';
import type { WorkerPool } from '../../pool/worker-pool.js';
import { encode } from '../image-io.js';

export interface GenerateJob extends GenerateSettings {
  folder: string;
  format: ImageFormat;
  signal: AbortSignal;
}

/** Milliseconds per stage: waiting for a worker, then tokenizer, text encoder, each UNet step, VAE (worker), encoding (here). */
export interface GenerateTimings {
  queueMs: number;
  tokenizeMs: number;
  textEncoderMs: number;
  /** One entry per denoising step, for the whole batch. */
  unetStepsMs: number[];
  unetMs: number;
  vaeMs: number;
  encodeMs: number;
}

export interface GenerateOutput {
  images: Uint8Array[];
  device: string;
  deviceWarning: string | undefined;
  /** All images shared each UNet run (the UNet's batch dimension is dynamic). */
  batched: boolean;
  precision: 'float32' | 'float16';
  timings: GenerateTimings;
}

/**
 * Everything from the prompt to decoded pixels runs in a worker (8-bit RGB comes back, transferred); the images are
 * encoded here with sharp, which works on its own threads.
 */
export async function generatePipeline(sharp: SharpFn, pool: WorkerPool, job: GenerateJob): Promise<GenerateOutput> {
  const { format, signal, ...fields } = job;
  const result = await pool.generate({ kind: 'generate', ...fields, signal });
  const started = performance.now();
  const images = await Promise.all(
    result.images.map(async (rgb) => {
      const bytes = await encode(sharp(rgb, { raw: { width: result.width, height: result.height, channels: 3 } }), format).toBuffer();
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }),
  );
  const { tokenizeMs, textEncoderMs, unetStepsMs, vaeMs } = result.timings;
  return {
    images,
    device: result.device,
    deviceWarning: result.deviceWarning,
    batched: result.batched,
    precision: result.precision,
    timings: {
      queueMs: result.queuedMs,
      tokenizeMs,
      textEncoderMs,
      unetStepsMs,
      unetMs: unetStepsMs.reduce((sum, ms) => sum + ms, 0),
      vaeMs,
      encodeMs: performance.now() - started,
    },
  };
}
