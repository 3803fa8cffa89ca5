import type { ResolvedPreset } from '../presets.js';

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

export type WorkerErrorCode = 'provider_unavailable' | 'provider_error' | 'bad_response' | 'invalid_request';

export interface ErrorMessage {
  type: 'error';
  jobId: number;
  code: WorkerErrorCode;
  message: string;
  retryable: boolean;
}

export type WorkerReply = ResultMessage | ErrorMessage;
