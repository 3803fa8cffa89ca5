/**
 * The per-pixel half of restoreFace, run inside a worker thread: detect, align each face to the template,
 * restore it with the model, paste it back. Pure JS over typed arrays; the model calls come in through `FaceModels`.
 */
import type { FaceStageTimings, RestoreFacesMessage } from '../../pool/protocol.js';
import { invertAffine, similarityFromPoints, type Point } from './affine.js';
import { boxMask } from './box-mask.js';
import { boxArea, eyeDistance, nms, scaleDetection, type FaceDetection } from './detections.js';
import { pasteBack } from './paste-back.js';
import { samplesFor, warpAffine } from './warp.js';
import { decodeYunet, type YunetOutputs } from './yunet.js';

/** The two models, as the worker runs them. */
export interface FaceModels {
  /** Runs the detector on a float32 `[1, 3, size, size]` BGR tensor. */
  detect(tensor: Float32Array, size: number): Promise<YunetOutputs>;
  /** Runs the restorer on a float32 `[1, 3, size, size]` RGB tensor in [−1, 1]; returns its first output, same layout. */
  restore(tensor: Float32Array, size: number): Promise<Float32Array>;
}

export interface RestoreFacesOutcome {
  faces: number;
  detected: number;
  tooSmall: number;
  overLimit: number;
  timings: FaceStageTimings;
}

const masks = new Map<number, Float32Array>();

/** YuNet's input: BGR, raw 0–255, planar. */
export function detectorTensor(rgb: Uint8Array, size: number): Float32Array {
  const plane = size * size;
  const tensor = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    tensor[p] = rgb[p * 3 + 2]!;
    tensor[plane + p] = rgb[p * 3 + 1]!;
    tensor[2 * plane + p] = rgb[p * 3]!;
  }
  return tensor;
}

/** Finds faces (score and NMS thresholds), maps them to the photo and orders them largest first. */
export async function detectFaces(message: RestoreFacesMessage, models: FaceModels): Promise<FaceDetection[]> {
  const { detectorSize: size } = message;
  const outputs = await models.detect(detectorTensor(message.detectorInput, size), size);
  const found = nms(decodeYunet(outputs, size, size, message.scoreThreshold), message.nmsThreshold);
  return found.map((face) => scaleDetection(face, message.detectorScale)).sort((x, y) => boxArea(y) - boxArea(x));
}

/** An aligned crop as the restorer's input: RGB planes in [−1, 1] from interleaved RGBA floats 0..255. */
export function cropTensor(rgba: Float32Array, size: number): Float32Array {
  const plane = size * size;
  const tensor = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) tensor[c * plane + p] = rgba[p * 4 + c]! / 127.5 - 1;
  return tensor;
}

/** The restorer's output as interleaved RGB 0..255: clipped to [−1, 1], then `(x + 1) / 2 × 255`. */
export function cropFromOutput(output: Float32Array, size: number): Float32Array {
  const plane = size * size;
  if (output.length < plane * 3) throw new RangeError(`the restorer returned ${output.length} values, expected at least 3 × ${size} × ${size}`);
  const rgb = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const value = Math.min(1, Math.max(-1, output[c * plane + p]!));
      rgb[p * 3 + c] = (value + 1) * 127.5;
    }
  }
  return rgb;
}

/** Restores every face in `message.image`, in place. */
export async function restoreFaces(message: RestoreFacesMessage, models: FaceModels): Promise<RestoreFacesOutcome> {
  const t0 = performance.now();
  const found = await detectFaces(message, models);
  const timings: FaceStageTimings = { detectMs: performance.now() - t0, alignMs: 0, inferenceMs: 0, pasteMs: 0 };
  const { size, template } = message.preset;
  const photo = { data: message.image, width: message.width, height: message.height, channels: 4 };
  let faces = 0;
  let tooSmall = 0;
  let overLimit = 0;
  for (const face of found) {
    if (eyeDistance(face) < message.minEyeDistance) {
      tooSmall++;
      continue;
    }
    if (faces >= message.maxFaces) {
      overLimit++;
      continue;
    }
    const t1 = performance.now();
    const imageToCrop = similarityFromPoints(face.landmarks as Point[], template);
    const cropToImage = invertAffine(imageToCrop);
    const input = cropTensor(warpAffine(photo, cropToImage, size, size, samplesFor(cropToImage)), size);
    const t2 = performance.now();
    const output = await models.restore(input, size);
    const t3 = performance.now();
    let mask = masks.get(size);
    if (!mask) masks.set(size, (mask = boxMask(size)));
    pasteBack({ image: message.image, width: message.width, height: message.height, crop: cropFromOutput(output, size), mask, size, imageToCrop, cropToImage, blend: message.blend });
    const t4 = performance.now();
    timings.alignMs += t2 - t1;
    timings.inferenceMs += t3 - t2;
    timings.pasteMs += t4 - t3;
    faces++;
  }
  return { faces, detected: found.length, tooSmall, overLimit, timings };
}
