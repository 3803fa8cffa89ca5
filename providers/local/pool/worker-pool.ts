import { Worker } from 'node:worker_threads';
import { pixmuxError, waitAtRate, type Capacity, type PixmuxError } from 'pixmux';
import type { ResolvedPreset } from '../pipelines/remove-background/presets.js';
import { createMovingAverage } from './moving-average.js';
import { workerExecArgv } from './worker-exec-argv.js';
import type { Device, FacesResultMessage, GenerateMessage, GeneratedMessage, RestoreFacesMessage, RunMessage, StageTimings, UsedDevice, WorkerReply } from './protocol.js';

export interface WorkerPoolOptions {
  /** The worker entry (`worker.js` / `worker.cjs` beside the provider, or a compiled file in tests). */
  workerUrl: URL;
  /** Most worker threads. */
  size: number;
  /** Most workers once a session is found to run on the GPU (one per device). */
  gpuSize: number;
  /** onnxruntime intra-op threads per worker session. */
  intraOpNumThreads: number;
  device: Device;
  /** Most requests stacked into one batch (models with a dynamic batch dimension only). */
  maxBatch: number;
  /** How long the first request of a possible batch waits for companions. */
  maxBatchWaitMs: number;
  /** The provider id, for error messages. */
  provider: string;
}

export interface PoolJob {
  modelPath: string;
  preset: ResolvedPreset;
  /** Interleaved 8-bit RGB at the preset's size. */
  image: Uint8Array;
  signal?: AbortSignal;
  /** Test hook: the worker dies while running this job. */
  testCrash?: 'exit' | 'throw';
}

export interface PoolResult {
  mask: Uint8Array;
  width: number;
  height: number;
  device: UsedDevice;
  deviceWarning: string | undefined;
  timings: StageTimings;
  /** How many requests shared the batch this one ran in. */
  batchSize: number;
  /** Time spent waiting for a worker. */
  queuedMs: number;
}

/**
 * A restoreFace job: the whole photo goes to one worker, which detects, aligns, restores and pastes back. The
 * fields are the worker message's, less what the pool adds (job id, device, threads); `image` is transferred.
 */
export type FacePoolJob = Omit<RestoreFacesMessage, 'type' | 'jobId' | 'device' | 'intraOpNumThreads'> & {
  kind: 'restoreFaces';
  signal?: AbortSignal;
};

/** The worker's answer for a face job, plus the time it waited for a worker. */
export type FacePoolResult = Omit<FacesResultMessage, 'type' | 'jobId' | 'deviceWarning'> & {
  deviceWarning: string | undefined;
  queuedMs: number;
};

/** A generate job: one prompt to `n` images in one worker (the UNet batches them when it can). */
export type GeneratePoolJob = Omit<GenerateMessage, 'type' | 'jobId' | 'device' | 'intraOpNumThreads' | 'cancel'> & {
  kind: 'generate';
  signal?: AbortSignal;
};

/** The worker's images and stage times, plus the time the job waited for a worker. */
export type GeneratePoolResult = Omit<GeneratedMessage, 'type' | 'jobId' | 'deviceWarning'> & {
  deviceWarning: string | undefined;
  queuedMs: number;
};

/** A generate job as queued: with the shared flag that stops it between steps once its call aborts. */
type QueuedGenerateJob = GeneratePoolJob & { cancel: Int32Array };

type AnyJob = PoolJob | FacePoolJob | QueuedGenerateJob;
type AnyResult = PoolResult | FacePoolResult | GeneratePoolResult;

const isFaceJob = (job: AnyJob): job is FacePoolJob => 'kind' in job && job.kind === 'restoreFaces';
const isGenerateJob = (job: AnyJob): job is QueuedGenerateJob => 'kind' in job && job.kind === 'generate';

interface Pending {
  job: AnyJob;
  key: string;
  enqueuedAt: number;
  settled: boolean;
  resolve(result: AnyResult): void;
  reject(error: PixmuxError): void;
  detach(): void;
}

interface Slot {
  id: number;
  worker: Worker;
  /** Models this worker has run once: a session's first run (allocations, kernel selection) is no sample of its rate. */
  warmed: Set<string>;
  batch: Pending[] | undefined;
  startedAt: number;
  dead: boolean;
}

/** What the worker pool offers the provider. */
export interface WorkerPool {
  run(job: PoolJob): Promise<PoolResult>;
  /** Restores the faces in one photo (never batched with other requests). */
  restoreFaces(job: FacePoolJob): Promise<FacePoolResult>;
  /** Generates images from a prompt (never batched with other requests; an abort stops it between steps). */
  generate(job: GeneratePoolJob): Promise<GeneratePoolResult>;
  capacity(): Capacity;
  /** The device sessions ran on so far (`undefined` before the first run). */
  readonly device: UsedDevice | undefined;
  /** Live worker threads. */
  readonly workers: number;
  dispose(): Promise<void>;
}

/**
 * Set once a session asked for `auto` ran on the CPU because CUDA could not load: later pools in this process
 * go straight to the CPU (no repeated failing CUDA load and its log noise) and carry the same warning.
 */
let autoFallbackWarning: string | undefined;

/** A fresh, unshared buffer holding the bytes, so it can be transferred to a worker. */
function transferable(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

/**
 * Runs inference in `worker_threads`: a bounded FIFO queue, workers spawned on demand up to `size`,
 * micro-batches of same-model same-size requests, and crashed workers replaced while the pool keeps serving.
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  const dynamicBatch = new Map<string, boolean>();
  /** Milliseconds of worker time per request at the batching seen so far (a batch's time shared by its members). */
  const itemTime = createMovingAverage();
  let nextJobId = 1;
  let nextSlotId = 1;
  let batchTimer: NodeJS.Timeout | undefined;
  let disposed = false;
  let usedDevice: UsedDevice | undefined;
  let maxWorkers = options.size;

  const fail = (code: Parameters<typeof pixmuxError>[0], message: string, retryable: boolean) =>
    pixmuxError(code, `${options.provider}: ${message}`, { provider: options.provider, retryable });

  /** After `auto` fell back to the CPU once, new workers go straight to the CPU and skip the failing CUDA load. */
  const effectiveDevice = (): Device => (options.device === 'auto' && autoFallbackWarning ? 'cpu' : options.device);

  function spawn(): Slot {
    const slot: Slot = { id: nextSlotId++, worker: new Worker(options.workerUrl, { execArgv: workerExecArgv(process.execArgv) }), warmed: new Set(), batch: undefined, startedAt: 0, dead: false };
    slot.worker.unref();
    slot.worker.on('message', (reply: WorkerReply) => onReply(slot, reply));
    slot.worker.on('error', (error) => onDeath(slot, `the worker thread crashed: ${error.message}`));
    slot.worker.on('exit', (code) => onDeath(slot, `the worker thread exited with code ${code}`));
    slots.push(slot);
    return slot;
  }

  function onDeath(slot: Slot, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    const batch = slot.batch;
    slot.batch = undefined;
    if (!disposed) {
      for (const pending of batch ?? []) settle(pending, undefined, fail('provider_error', `${reason}; the call can be retried`, true));
      void slot.worker.terminate();
      dispatch();
    }
  }

  function onReply(slot: Slot, reply: WorkerReply): void {
    const batch = slot.batch;
    if (!batch) return;
    slot.batch = undefined;
    slot.worker.unref();
    if (reply.type === 'generated') {
      const { tokenizeMs, textEncoderMs, unetStepsMs, vaeMs } = reply.timings;
      sample(slot, `${(batch[0]!.job as QueuedGenerateJob).folder}|generate`, tokenizeMs + textEncoderMs + unetStepsMs.reduce((sum, ms) => sum + ms, 0) + vaeMs);
      settleSingle(slot, batch[0]!, reply);
    } else if (reply.type === 'faces') {
      const { detectMs, alignMs, inferenceMs, pasteMs } = reply.timings;
      sample(slot, (batch[0]!.job as FacePoolJob).restorerPath, detectMs + alignMs + inferenceMs + pasteMs);
      settleSingle(slot, batch[0]!, reply);
    } else if (reply.type === 'result') {
      // Stage times, not the round trip: they leave out a session's one-time load, which says nothing of the rate.
      const { preprocessMs, inferenceMs, postprocessMs } = reply.timings;
      sample(slot, (batch[0]!.job as PoolJob).modelPath, (preprocessMs + inferenceMs + postprocessMs) / batch.length);
      noteDevice(reply);
      const warning = options.device === 'auto' && reply.device === 'cpu' ? (reply.deviceWarning ?? autoFallbackWarning) : undefined;
      dynamicBatch.set((batch[0]!.job as PoolJob).modelPath, reply.dynamicBatch);
      batch.forEach((pending, index) => {
        const mask = reply.masks[index]!;
        settle(pending, {
          ...mask,
          device: reply.device,
          deviceWarning: warning,
          timings: reply.timings,
          batchSize: batch.length,
          queuedMs: slot.startedAt - pending.enqueuedAt,
        });
      });
    } else {
      for (const pending of batch) settle(pending, undefined, fail(reply.code, reply.message, reply.retryable));
    }
    retireExtraWorkers();
    dispatch();
  }

  /** Settles a job that had a worker to itself (faces, generate) with its reply, less the message fields. */
  function settleSingle(slot: Slot, pending: Pending, reply: FacesResultMessage | GeneratedMessage): void {
    noteDevice(reply);
    const { type: _type, jobId: _jobId, deviceWarning, ...rest } = reply;
    const warning = options.device === 'auto' && reply.device === 'cpu' ? (deviceWarning ?? autoFallbackWarning) : undefined;
    settle(pending, { ...rest, deviceWarning: warning, queuedMs: slot.startedAt - pending.enqueuedAt } as AnyResult);
  }

  /** The device a reply ran on: remembered, the auto fallback recorded, the pool shrunk to one worker on a GPU. */
  function noteDevice(reply: { device: UsedDevice; deviceWarning?: string | undefined }): void {
    usedDevice = reply.device;
    if (options.device === 'auto' && reply.device === 'cpu' && reply.deviceWarning) autoFallbackWarning = reply.deviceWarning;
    if (reply.device !== 'cpu') maxWorkers = Math.min(maxWorkers, options.gpuSize);
  }

  /** Counts a request's worker time towards the rate, except the first run of a model on a worker (its warm-up). */
  function sample(slot: Slot, model: string, ms: number): void {
    if (slot.warmed.has(model)) itemTime.add(ms);
    else slot.warmed.add(model);
  }

  function retireExtraWorkers(): void {
    while (slots.length > maxWorkers) {
      const idle = slots.find((slot) => !slot.batch);
      if (!idle) return;
      idle.dead = true;
      slots.splice(slots.indexOf(idle), 1);
      void idle.worker.terminate();
    }
  }

  function settle(pending: Pending, result: AnyResult | undefined, error?: PixmuxError): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detach();
    if (error) pending.reject(error);
    else pending.resolve(result!);
  }

  function takeBatch(): Pending[] | undefined {
    const head = queue[0];
    if (!head) return undefined;
    if (isFaceJob(head.job) || isGenerateJob(head.job)) return queue.splice(0, 1);
    const batchable = options.maxBatch > 1 && dynamicBatch.get(head.job.modelPath) === true;
    if (!batchable) return queue.splice(0, 1);
    const members = queue.filter((pending) => pending.key === head.key).slice(0, options.maxBatch);
    const waited = performance.now() - head.enqueuedAt;
    if (members.length < options.maxBatch && waited < options.maxBatchWaitMs) {
      batchTimer ??= setTimeout(() => {
        batchTimer = undefined;
        dispatch();
      }, Math.max(1, options.maxBatchWaitMs - waited));
      batchTimer.unref();
      return undefined;
    }
    for (const member of members) queue.splice(queue.indexOf(member), 1);
    return members;
  }

  function dispatch(): void {
    while (!disposed && queue.length > 0) {
      let slot = slots.find((candidate) => !candidate.batch);
      if (!slot && slots.length < maxWorkers) slot = spawn();
      if (!slot) return;
      const batch = takeBatch();
      if (!batch) return;
      send(slot, batch);
    }
  }

  function send(slot: Slot, batch: Pending[]): void {
    slot.batch = batch;
    slot.startedAt = performance.now();
    slot.worker.ref();
    const only = batch[0]!.job;
    if (isFaceJob(only)) {
      const { kind: _kind, signal: _signal, ...fields } = only;
      const faceMessage: RestoreFacesMessage = {
        type: 'restoreFaces',
        jobId: nextJobId++,
        device: effectiveDevice(),
        intraOpNumThreads: options.intraOpNumThreads,
        ...fields,
        image: transferable(only.image),
        detectorInput: transferable(only.detectorInput),
      };
      slot.worker.postMessage(faceMessage, [faceMessage.image.buffer as ArrayBuffer, faceMessage.detectorInput.buffer as ArrayBuffer]);
      return;
    }
    if (isGenerateJob(only)) {
      const { kind: _kind, signal: _signal, ...fields } = only;
      const generateMessage: GenerateMessage = { type: 'generate', jobId: nextJobId++, device: effectiveDevice(), intraOpNumThreads: options.intraOpNumThreads, ...fields };
      slot.worker.postMessage(generateMessage);
      return;
    }
    const first = only as PoolJob;
    const images = batch.map((pending) => transferable((pending.job as PoolJob).image));
    const crash = batch.map((pending) => (pending.job as PoolJob).testCrash).find(Boolean);
    const message: RunMessage = {
      type: 'run',
      jobId: nextJobId++,
      modelPath: first.modelPath,
      device: effectiveDevice(),
      intraOpNumThreads: options.intraOpNumThreads,
      preset: first.preset,
      images,
      ...(crash ? { testCrash: crash } : {}),
    };
    slot.worker.postMessage(message, images.map((image) => image.buffer as ArrayBuffer));
  }

  function run(job: PoolJob): Promise<PoolResult> {
    return enqueue(job, `${job.modelPath}|${job.preset.size.join('x')}|${JSON.stringify(job.preset)}`) as Promise<PoolResult>;
  }

  function restoreFaces(job: FacePoolJob): Promise<FacePoolResult> {
    // A unique key: face jobs never share a batch.
    return enqueue(job, `faces|${nextJobId++}`) as Promise<FacePoolResult>;
  }

  function generate(job: GeneratePoolJob): Promise<GeneratePoolResult> {
    const cancel = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    return enqueue({ ...job, cancel }, `generate|${nextJobId++}`) as Promise<GeneratePoolResult>;
  }

  function enqueue(job: AnyJob, key: string): Promise<AnyResult> {
    if (disposed) return Promise.reject(fail('provider_unavailable', 'the local provider was disposed', false));
    if (job.signal?.aborted) return Promise.reject(pixmuxError('aborted', 'The call was aborted', { provider: options.provider }));
    return new Promise<AnyResult>((resolve, reject) => {
      const onAbort = () => {
        const index = queue.indexOf(pending);
        if (index >= 0) queue.splice(index, 1);
        // A generation already running stops before its next step; its worker is free again once it says so.
        if (isGenerateJob(job)) Atomics.store(job.cancel, 0, 1);
        settle(pending, undefined, pixmuxError('aborted', 'The call was aborted', { provider: options.provider }));
      };
      const pending: Pending = {
        job,
        key,
        enqueuedAt: performance.now(),
        settled: false,
        resolve,
        reject,
        detach: () => job.signal?.removeEventListener('abort', onAbort),
      };
      job.signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(pending);
      dispatch();
    });
  }

  /**
   * Load and measured rate. The rate is per request at the batching seen so far, over every worker the pool may run:
   * a queue of 40 behind one worker that runs batches of 4 in 200 ms waits about 2 s, not 8.
   */
  function capacity(): Capacity {
    const inFlight = slots.reduce((sum, slot) => sum + (slot.batch?.length ?? 0), 0);
    const queued = queue.length;
    const perItemMs = itemTime.get();
    if (!(perItemMs > 0)) return { inFlight, queued, limit: maxWorkers };
    const throughputPerSecond = (1000 * maxWorkers) / perItemMs;
    return { inFlight, queued, limit: maxWorkers, throughputPerSecond, expectedWaitMs: waitAtRate(inFlight, queued, maxWorkers, throughputPerSecond) };
  }

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    if (batchTimer) clearTimeout(batchTimer);
    const error = fail('provider_unavailable', 'the local provider was disposed', false);
    for (const pending of queue.splice(0)) settle(pending, undefined, error);
    const all = slots.splice(0);
    for (const slot of all) {
      slot.dead = true;
      for (const pending of slot.batch ?? []) settle(pending, undefined, error);
    }
    await Promise.all(all.map((slot) => slot.worker.terminate()));
  }

  return {
    run,
    restoreFaces,
    generate,
    capacity,
    get device() {
      return usedDevice;
    },
    get workers() {
      return slots.length;
    },
    dispose,
  };
}
