import type { ResolvedFacePreset } from '../pipelines/restore-face/presets.js';
import type { GeneratePipelineId } from '../pipelines/generate/layout.js';
import type { ResolvedPreset } from '../pipelines/remove-background/presets.js';

/** Where a session runs. `auto` tries CUDA and falls back to the CPU. */
export type Device = 'auto' | 'cuda' | 'cpu' | 'webgpu';

/** A device a session actually ran on. */
export type UsedDevice = 'cuda' | 'cpu' | 'webgpu';

/** Main thread → worker: run one batch of same-size images through one model. */
export interface RunMessage {
  type: 'run';
  jobId: number;
  modelPath: string;
  device: Device;
  intraOpNumThreads: number;
  preset: ResolvedPreset;
  /** Interleaved 8-bit RGB at the preset's size, one per batch item (their buffers are transferred). */
  images: Uint8Array[];
  /** Test hook: make the worker die while this job is in flight. */
  testCrash?: 'exit' | 'throw';
}

/** Main thread → worker: find the faces in one photo and restore each (detector and restorer sessions are kept per worker). */
export interface RestoreFacesMessage {
  type: 'restoreFaces';
  jobId: number;
  device: Device;
  intraOpNumThreads: number;
  restorerPath: string;
  detectorPath: string;
  preset: ResolvedFacePreset;
  /** The photo: interleaved 8-bit RGBA, `width × height` (transferred; it comes back restored). */
  image: Uint8Array;
  width: number;
  height: number;
  /** The photo scaled to fit the detector's input (only ever shrunk) and padded at the right and bottom: 8-bit RGB, `detectorSize²`. */
  detectorInput: Uint8Array;
  detectorSize: number;
  /** Original pixels per detector-input pixel. */
  detectorScale: number;
  /** Passed to the restorer's weight input, when its preset names one. */
  fidelity: number;
  /** How much of the restored face replaces the original, 0..1. */
  blend: number;
  maxFaces: number;
  /** Faces whose eyes are closer than this (pixels, in the photo) are skipped. */
  minEyeDistance: number;
  scoreThreshold: number;
  nmsThreshold: number;
}

/** Worker → main thread: the photo with its faces restored. */
export interface FacesResultMessage {
  type: 'faces';
  jobId: number;
  /** The restored RGBA photo, same size (its buffer is transferred). */
  image: Uint8Array;
  /** Faces restored. */
  faces: number;
  /** Faces found (after NMS). */
  detected: number;
  /** Faces skipped as too small. */
  tooSmall: number;
  /** Faces over `maxFaces`, left as they were. */
  overLimit: number;
  device: UsedDevice;
  deviceWarning?: string;
  timings: FaceStageTimings;
}

export interface FaceStageTimings {
  /** Detector tensor, inference and decoding. */
  detectMs: number;
  /** Aligning the crops (warps and tensors), summed over faces. */
  alignMs: number;
  /** Restorer inference, summed over faces. */
  inferenceMs: number;
  /** Output to pixels, inverse warp and blend, summed over faces. */
  pasteMs: number;
}

/** What a generate call asks for, as the main thread, the worker message and the denoising loop all carry it. */
export interface GenerateSettings {
  pipeline: GeneratePipelineId;
  prompt: string;
  width: number;
  height: number;
  n: number;
  /** Image `i` draws its noise from `seed + i`. */
  seed: number;
  steps: number;
  /** LCM's embedded guidance scale (unused by SD-Turbo). */
  guidanceScale: number;
}

/** Main thread → worker: text to `n` images with one model folder (tokenizer, text encoder, UNet, VAE decoder). */
export interface GenerateMessage extends GenerateSettings {
  type: 'generate';
  jobId: number;
  device: Device;
  intraOpNumThreads: number;
  /** The model folder (Hugging Face ONNX layout). */
  folder: string;
  /** One Int32 over a SharedArrayBuffer: the pool sets it to 1 on abort, the worker stops before the next step. */
  cancel: Int32Array;
}

/** Worker → main thread: `n` images as interleaved 8-bit RGB (buffers transferred). */
export interface GeneratedMessage {
  type: 'generated';
  jobId: number;
  images: Uint8Array[];
  width: number;
  height: number;
  device: UsedDevice;
  deviceWarning?: string;
  /** The UNet ran all images in one batch (its batch dimension is dynamic). */
  batched: boolean;
  /** The UNet's sample input type. */
  precision: 'float32' | 'float16';
  timings: GenerateStageTimings;
}

export interface GenerateStageTimings {
  tokenizeMs: number;
  textEncoderMs: number;
  /** One entry per denoising step (the whole batch). */
  unetStepsMs: number[];
  vaeMs: number;
}

export type WorkerMessage = RunMessage | RestoreFacesMessage | GenerateMessage;

export interface StageTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

/** Worker → main thread: one mask per batch item, at the model output's resolution. */
export interface ResultMessage {
  type: 'result';
  jobId: number;
  masks: Array<{ mask: Uint8Array; width: number; height: number }>;
  device: UsedDevice;
  /** Why the worker did not use the device it was asked for. */
  deviceWarning?: string;
  /** The model's first input has a symbolic batch dimension, so requests can be stacked. */
  dynamicBatch: boolean;
  timings: StageTimings;
}

export type WorkerErrorCode = 'provider_unavailable' | 'provider_error' | 'bad_response' | 'invalid_request' | 'aborted';

export interface ErrorMessage {
  type: 'error';
  jobId: number;
  code: WorkerErrorCode;
  message: string;
  retryable: boolean;
}

export type WorkerReply = ResultMessage | FacesResultMessage | GeneratedMessage | ErrorMessage;
