import type { ImageFormat } from 'pixmux';
import type { ResolvedFacePreset } from './presets.js';
import type { SharpFn } from '../../native.js';
import type { WorkerPool } from '../../pool/worker-pool.js';
import { decodeImage, encode, type DecodedImage } from '../image-io.js';

/** YuNet 2023mar's fixed input side. */
export const DETECTOR_SIZE = 640;

export interface RestoreFaceJob {
  bytes: Uint8Array;
  /** Pixels the header declares (within `limits.maxPixels`); decoding more is refused. */
  maxPixels: number;
  restorerPath: string;
  detectorPath: string;
  preset: ResolvedFacePreset;
  format: ImageFormat;
  fidelity: number;
  blend: number;
  maxFaces: number;
  minEyeDistance: number;
  signal: AbortSignal;
  provider: string;
  warn(message: string): void;
}

/** Milliseconds per stage: decode and detector input (here), detection, alignment, inference, paste-back (worker), encode (here). */
export interface RestoreFaceTimings {
  decodeMs: number;
  queueMs: number;
  detectMs: number;
  alignMs: number;
  inferenceMs: number;
  pasteMs: number;
  encodeMs: number;
}

export interface RestoreFaceOutput {
  bytes: Uint8Array;
  width: number;
  height: number;
  /** Faces restored. */
  faces: number;
  device: string;
  deviceWarning: string | undefined;
  timings: RestoreFaceTimings;
}

/**
 * The detector's input, as facefusion builds it: the photo shrunk to fit (never enlarged), pasted at the top left
 * of a black square, 8-bit RGB. `scale` maps detector pixels back to the photo's.
 */
export async function detectorInput(sharp: SharpFn, image: DecodedImage, size = DETECTOR_SIZE): Promise<{ rgb: Uint8Array; scale: number }> {
  const fit = Math.min(1, size / Math.max(image.width, image.height));
  const width = Math.max(1, Math.min(size, Math.round(image.width * fit)));
  const height = Math.max(1, Math.min(size, Math.round(image.height * fit)));
  let pipeline = sharp(image.rgba, { raw: { width: image.width, height: image.height, channels: 4 } }).removeAlpha();
  if (width !== image.width || height !== image.height) pipeline = sharp(await pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  const rgb = await pipeline.extend({ right: size - width, bottom: size - height, background: { r: 0, g: 0, b: 0 } }).raw().toBuffer();
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), scale: image.width / width };
}

/** Encodes the restored RGBA photo: alpha kept when the input had it (JPEG: on white, with a warning). */
async function encodeRestored(sharp: SharpFn, rgba: Uint8Array, source: Omit<DecodedImage, 'rgba'>, job: RestoreFaceJob): Promise<Uint8Array> {
  let pipeline = sharp(rgba, { raw: { width: source.width, height: source.height, channels: 4 } });
  if (!source.hadAlpha) pipeline = pipeline.removeAlpha();
  else if (job.format === 'jpeg') {
    job.warn(`${job.provider}: JPEG has no alpha channel, so the transparent parts were put on white; ask for png or webp to keep them`);
    pipeline = pipeline.flatten({ background: '#ffffff' });
  }
  const bytes = await encode(pipeline, job.format).toBuffer();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decode (EXIF orientation applied) and the detector's input with sharp on this thread; detection, alignment,
 * restoration and paste-back in a worker (the RGBA photo is transferred there and back); encoding with sharp.
 * No face: the photo comes back re-encoded, with a warning.
 */
export async function restoreFacePipeline(sharp: SharpFn, pool: WorkerPool, job: RestoreFaceJob): Promise<RestoreFaceOutput> {
  const t0 = performance.now();
  const image = await decodeImage(sharp, job.bytes, job.provider, job.maxPixels);
  const detector = await detectorInput(sharp, image);
  const { width, height, hadAlpha } = image;
  const t1 = performance.now();
  const result = await pool.restoreFaces({
    kind: 'restoreFaces',
    restorerPath: job.restorerPath,
    detectorPath: job.detectorPath,
    preset: job.preset,
    image: image.rgba,
    width,
    height,
    detectorInput: detector.rgb,
    detectorSize: DETECTOR_SIZE,
    detectorScale: detector.scale,
    fidelity: job.fidelity,
    blend: job.blend,
    maxFaces: job.maxFaces,
    minEyeDistance: job.minEyeDistance,
    scoreThreshold: 0.5,
    nmsThreshold: 0.4,
    signal: job.signal,
  });
  const t2 = performance.now();
  if (result.detected === 0) job.warn(`${job.provider}: no face found; the image is returned unchanged`);
  else if (result.faces === 0) job.warn(`${job.provider}: no face large enough to restore; the image is returned unchanged`);
  if (result.tooSmall > 0) job.warn(`${job.provider}: skipped ${result.tooSmall} face(s) too small to restore (eyes under ${job.minEyeDistance} px apart)`);
  if (result.overLimit > 0) job.warn(`${job.provider}: restored the ${job.maxFaces} largest face(s) and left ${result.overLimit} more as they were (providerOptions.${job.provider}.maxFaces)`);
  const bytes = await encodeRestored(sharp, result.image, { width, height, hadAlpha }, job);
  const t3 = performance.now();
  return {
    bytes,
    width,
    height,
    faces: result.faces,
    device: result.device,
    deviceWarning: result.deviceWarning,
    timings: {
      decodeMs: t1 - t0,
      queueMs: result.queuedMs,
      detectMs: result.timings.detectMs,
      alignMs: result.timings.alignMs,
      inferenceMs: result.timings.inferenceMs,
      pasteMs: result.timings.pasteMs,
      encodeMs: t3 - t2,
    },
  };
}
