import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  defineProvider,
  pixmuxError,
  type Capacity,
  type NormalizedGenerateRequest,
  type NormalizedRemoveBackgroundRequest,
  type NormalizedRestoreFaceRequest,
  type Operation,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { chooseRestoreFaceModels, validateFaceChoices, type LocalFaceDetectorChoice, type LocalFaceModelChoice } from './pipelines/restore-face/model-choice.js';
import { chooseRemoveBackgroundModel, validateModelChoice, type LocalModelChoice } from './pipelines/remove-background/model-choice.js';
import type { DownloadProgress } from './models/index.js';
import { loadSharp } from './native.js';
import type { GeneratePipelineId } from './pipelines/generate/layout.js';
import { chooseGenerateModel, validateGenerateChoice, type LocalGenerateModelChoice } from './pipelines/generate/model-choice.js';
import { generatePipeline } from './pipelines/generate/pipeline.js';
import { generateSize } from './pipelines/generate/size.js';
import { assertColour } from './pipelines/remove-background/compose.js';
import { removeBackgroundPipeline } from './pipelines/remove-background/pipeline.js';
import { restoreFacePipeline } from './pipelines/restore-face/pipeline.js';
import type { Device } from './pool/protocol.js';
import { createCallStages, type TrackedCall } from './pool/call-stages.js';
import { createWorkerPool, type WorkerPool } from './pool/worker-pool.js';

export type { LocalModelByPath, LocalModelChoice } from './pipelines/remove-background/model-choice.js';
export type { LocalFaceModelByPath, LocalFaceModelChoice, LocalFaceDetectorChoice } from './pipelines/restore-face/model-choice.js';
export type { FacePreset, FacePresetId, FaceTemplateId } from './pipelines/restore-face/presets.js';
export { FACE_PRESETS, FACE_TEMPLATES } from './pipelines/restore-face/presets.js';
export type { Preset, PresetId, MaskOutputSpec } from './pipelines/remove-background/presets.js';
export { PRESETS } from './pipelines/remove-background/presets.js';
export type { Device } from './pool/protocol.js';
export type { LocalGenerateModelByPath, LocalGenerateModelChoice } from './pipelines/generate/model-choice.js';
export type { GeneratePipelineId } from './pipelines/generate/layout.js';
export type { GenerateTimings } from './pipelines/generate/pipeline.js';
/** The model manifest and downloader, for fetching models ahead of time (a Docker build, a warm-up step). */
export { MODELS, DEFAULT_MODELS, ensureModel, resolveCacheDir } from './models/index.js';
export type { ModelSpec, ModelFile, ModelId, EnsureOptions, DownloadProgress } from './models/index.js';

export interface LocalOptions {
  /** @default 'local' */
  id?: string;
  /** Where the provider sits in the fallback order. @default 'local' */
  tier?: Tier;
  /**
   * The model per operation: a manifest id (downloaded and verified on first use) or your own file,
   * `{ path: '/models/x.onnx', preset: 'u2net' }` (restoreFace: `{ path, preset: 'gfpgan' | 'codeformer' | { size, template, weightInput } }`).
   * `faceDetector` is the face detector restoreFace uses: a manifest id or a YuNet-compatible file `{ path }`.
   * `generate` is a manifest id (`'lcm-dreamshaper-v7'`; `'sd-turbo'` is non-commercial: naming it opts in, each call warns),
   * downloaded into the cache on first use, or a model folder in the Hugging Face ONNX layout, `{ path: '/models/sd-turbo', pipeline: 'sd-turbo' | 'lcm' }`;
   * without it the provider does not offer generate (no model is a default: each is gigabytes, see the README for licences).
   * A call's `model` can name another manifest model.
   * @default { removeBackground: 'birefnet-general-lite', restoreFace: 'gfpgan-1.4', faceDetector: 'yunet-2023mar' } (the manifest's defaults; no generate model)
   */
  models?: { removeBackground?: LocalModelChoice; restoreFace?: LocalFaceModelChoice; faceDetector?: LocalFaceDetectorChoice; generate?: LocalGenerateModelChoice };
  /**
   * Where inference runs. `auto` tries CUDA and falls back to the CPU: the reason is logged once per provider (and sent
   * as a `provider.notice` event), each result carries a short warning;
   * `cuda` and `webgpu` fail with `provider_unavailable` when the device cannot be used.
   * @default 'auto'
   */
  device?: Device;
  /** Worker threads running inference. @default 1 for `cuda`/`webgpu`; otherwise max(1, floor(cores / 2)) */
  workers?: number;
  /** onnxruntime intra-op threads per worker. @default max(1, floor(cores / workers)) */
  intraOpNumThreads?: number;
  /**
   * Requests decoded and waiting inside the provider for a worker. Calls beyond it wait in pixmux's queue, not yet
   * decoded, so memory stays bounded; nothing is refused: the policy spills by expected wait (`policy.spill`). @default 32
   */
  maxQueue?: number;
  /** Most concurrent requests (same model, same input size) stacked into one inference, for models with a dynamic batch dimension. @default 4 */
  maxBatch?: number;
  /** How long a request that could be batched waits for companions. @default 2 */
  maxBatchWaitMs?: number;
  /** Model cache root. @default PIXMUX_CACHE_DIR, else the platform's cache folder (`~/.cache/pixmux` on Linux) */
  cacheDir?: string;
  /** Never download; a missing model fails with instructions. @default true when PIXMUX_OFFLINE=1 */
  offline?: boolean;
  /** fetch used for model downloads. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called as model files download (first use only). @default none */
  onProgress?: (progress: DownloadProgress) => void;
  /** The worker entry file, for bundlers that move it. @default `worker.js` (ESM) or `worker.cjs` (CJS) beside this module */
  workerUrl?: string | URL;
}

/**
 * Per-call options, passed as `providerOptions: { local: { … } }`.
 */
export interface LocalRemoveBackgroundOptions {
  /** `cutout`: the photo with a transparent background; `mask`: the 8-bit mask alone. @default 'cutout' */
  output?: 'cutout' | 'mask';
  /** A CSS colour (`'#ffffff'`, `'white'`) to put the subject on instead of transparency. JPEG output uses white when none is given. @default none (transparent) */
  background?: string;
}

/**
 * Per-call restoreFace options, passed as `providerOptions: { local: { … } }`. The request's `fidelity` goes to models
 * with a weight input (CodeFormer) and does not apply to the others (GFPGAN, RestoreFormer++).
 */
export interface LocalRestoreFaceOptions {
  /** How much of the restored face replaces the original (0: none, 1: all of it, inside the soft face mask). @default 1 */
  blend?: number;
  /** Most faces restored per image, largest first; the others are left as they were, with a warning. @default 10 */
  maxFaces?: number;
}

/**
 * Per-call generate options, passed as `providerOptions: { local: { … } }`. The request's `seed` makes the output
 * repeatable (same seed, size, steps and model on the same device); without one a random seed is used and reported
 * as `metadata.seed`. `negativePrompt` has no effect: neither pipeline uses classifier-free guidance (a warning says so).
 */
export interface LocalGenerateOptions {
  /** Denoising steps: 1–4 for SD-Turbo, 1–8 for LCM. @default 1 (SD-Turbo), 4 (LCM) */
  steps?: number;
  /** LCM's embedded guidance scale (w); SD-Turbo has none and ignores it with a warning. @default 8.5 */
  guidanceScale?: number;
}

const callOptionsSchema = z.object({ output: z.enum(['cutout', 'mask']).optional(), background: z.string().min(1).optional() });
const faceCallOptionsSchema = z.object({ blend: z.number().min(0).max(1).optional(), maxFaces: z.number().int().min(1).max(100).optional() });
const generateCallOptionsSchema = z.object({ steps: z.number().int().min(1).max(8).optional(), guidanceScale: z.number().min(1).max(20).optional() });

/** Steps per pipeline: the default and the most the distilled models were trained for (local-models.md §3.2, §3.3). */
const GENERATE_STEPS: Record<GeneratePipelineId, { default: number; max: number; label: string }> = {
  'sd-turbo': { default: 1, max: 4, label: 'SD-Turbo' },
  lcm: { default: 4, max: 8, label: 'LCM' },
};
/** LCM's guidance scale when the call gives none: diffusers' LatentConsistencyModelPipeline default. */
const LCM_GUIDANCE_SCALE = 8.5;

/** restoreFace defaults: faces with eyes closer than this many pixels are too small to restore. */
const FACE_DEFAULTS = { blend: 1, maxFaces: 10, minEyeDistance: 16 } as const;

const DEFAULTS = { maxQueue: 32, maxBatch: 4, maxBatchWaitMs: 2 } as const;
const DEVICES: readonly Device[] = ['auto', 'cuda', 'cpu', 'webgpu'];

/**
 * `worker.js` beside the ESM build, `worker.cjs` beside the CJS build. The ESM build asks `import.meta.url` first:
 * a `__filename` may be in scope there without being this module's (`node -e` defines a global `__filename` of
 * "[eval]"). The CJS build has no `import.meta` (the bundler leaves an empty object), so it falls to `__filename`.
 */
function defaultWorkerUrl(): URL {
  const meta = (import.meta as { url?: unknown }).url;
  const here = typeof meta === 'string' && meta.startsWith('file:') ? meta : pathToFileURL(__filename).href;
  return new URL(here.endsWith('.cjs') ? './worker.cjs' : './worker.js', here);
}

function positiveInteger(value: number | undefined, name: string, min = 1): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min)) throw pixmuxError('invalid_request', `local: ${name} must be a whole number of at least ${min}`);
}

/**
 * Background removal, face restoration and (with a model folder configured) text-to-image generation on this machine
 * with onnxruntime-node and sharp (optional peer dependencies, loaded on first use; generation also needs
 * @huggingface/tokenizers).
 * Inference runs in worker threads, so the event loop stays free; models download on first use.
 *
 * @example
 * const px = createPixmux({ providers: [local(), removebg()] });
 * const { images, metadata } = await px.removeBackground({ image: './photo.jpg' });
 * console.log(metadata.device); // 'cuda' or 'cpu'
 */
export function local(options: LocalOptions = {}): Provider {
  const id = options.id ?? 'local';
  const device = options.device ?? 'auto';
  if (!DEVICES.includes(device)) throw pixmuxError('invalid_request', `local: device must be one of ${DEVICES.join(', ')}`);
  positiveInteger(options.workers, 'workers');
  positiveInteger(options.intraOpNumThreads, 'intraOpNumThreads');
  positiveInteger(options.maxQueue, 'maxQueue', 0);
  positiveInteger(options.maxBatch, 'maxBatch');
  positiveInteger(options.maxBatchWaitMs, 'maxBatchWaitMs', 0);
  validateModelChoice(options.models?.removeBackground, 'local: models.removeBackground');
  validateFaceChoices(options.models?.restoreFace, options.models?.faceDetector, 'local: models');
  validateGenerateChoice(options.models?.generate, 'local: models.generate');

  const cores = Math.max(1, availableParallelism());
  const workers = options.workers ?? (device === 'cuda' || device === 'webgpu' ? 1 : Math.max(1, Math.floor(cores / 2)));
  const intraOpNumThreads = options.intraOpNumThreads ?? Math.max(1, Math.floor(cores / workers));
  const maxQueue = options.maxQueue ?? DEFAULTS.maxQueue;
  const maxBatch = options.maxBatch ?? DEFAULTS.maxBatch;
  let pool: WorkerPool | undefined;
  const stages = createCallStages();
  let deviceWarned = false;

  function getPool(): WorkerPool {
    if (pool) return pool;
    const workerUrl = options.workerUrl === undefined ? defaultWorkerUrl() : new URL(options.workerUrl, pathToFileURL(`${process.cwd()}/`));
    if (workerUrl.protocol === 'file:' && !existsSync(fileURLToPath(workerUrl))) {
      throw pixmuxError('provider_unavailable', `${id}: the worker entry ${fileURLToPath(workerUrl)} is missing; use the built package (dist/) or pass workerUrl`, { provider: id, retryable: false });
    }
    pool = createWorkerPool({
      workerUrl,
      size: workers,
      gpuSize: 1,
      intraOpNumThreads,
      device,
      maxBatch,
      maxBatchWaitMs: options.maxBatchWaitMs ?? DEFAULTS.maxBatchWaitMs,
      provider: id,
    });
    return pool;
  }

  function parseCallOptions<T extends z.ZodRawShape>(schema: z.ZodObject<T>, providerOptions: Record<string, unknown>, context: ProviderContext): z.infer<z.ZodObject<T>> {
    const parsed = schema.safeParse(providerOptions);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw pixmuxError('invalid_request', `${id}: providerOptions.${id}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, { provider: id });
    }
    const known = Object.keys(schema.shape);
    const unknown = Object.keys(providerOptions).filter((key) => !known.includes(key));
    if (unknown.length > 0) context.warn(`${id}: ignored unknown providerOptions ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return parsed.data;
  }

  function callOptions(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): LocalRemoveBackgroundOptions {
    return parseCallOptions(callOptionsSchema, request.providerOptions, context);
  }

  function ensureOptions(context: ProviderContext) {
    return {
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.offline !== undefined ? { offline: options.offline } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onProgress: downloadReporter(context),
      signal: context.signal,
    };
  }

  /** Model download progress to `onProgress` and, as `model.download` events, to the client's `onEvent`. */
  function downloadReporter(context: ProviderContext): (progress: DownloadProgress) => void {
    const started = new Map<string, { at: number; bytes: number }>();
    return (progress) => {
      options.onProgress?.(progress);
      const key = `${progress.model}/${progress.file}`;
      const start = started.get(key) ?? { at: performance.now(), bytes: progress.receivedBytes };
      started.set(key, start);
      const seconds = (performance.now() - start.at) / 1000;
      const bytesPerSecond = seconds > 0 ? Math.round((progress.receivedBytes - start.bytes) / seconds) : 0;
      context.report({ type: 'model.download', ...progress, bytesPerSecond });
    };
  }

  /** Runs an operation as one tracked call, so capacity() knows its stage until it returns. */
  function tracked<Request>(operation: (request: Request, context: ProviderContext, call: TrackedCall) => Promise<ProviderResult>) {
    return async (request: Request, context: ProviderContext): Promise<ProviderResult> => {
      const call = stages.enter();
      try {
        return await operation(request, context, call);
      } finally {
        call.leave();
      }
    };
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext, call: TrackedCall): Promise<ProviderResult> {
    const { output = 'cutout', background } = callOptions(request, context);
    const sharp = await loadSharp(id);
    if (background) assertColour(sharp, background, id);
    const model = await chooseRemoveBackgroundModel({
      provider: id,
      requested: request.model,
      configured: options.models?.removeBackground,
      warn: context.warn,
      ensure: ensureOptions(context),
    });
    const result = await removeBackgroundPipeline(sharp, call.pool(getPool()), {
      bytes: request.image.bytes,
      maxPixels: request.image.width * request.image.height,
      modelPath: model.path,
      preset: model.preset,
      format: request.format,
      output,
      background,
      signal: context.signal,
      provider: id,
      warn: context.warn,
    });
    return toResult(result, model.id, request.format, context);
  }

  async function restoreFace(request: NormalizedRestoreFaceRequest, context: ProviderContext, call: TrackedCall): Promise<ProviderResult> {
    const { blend = FACE_DEFAULTS.blend, maxFaces = FACE_DEFAULTS.maxFaces } = parseCallOptions(faceCallOptionsSchema, request.providerOptions, context) as LocalRestoreFaceOptions;
    const sharp = await loadSharp(id);
    const model = await chooseRestoreFaceModels({
      provider: id,
      requested: request.model,
      configured: options.models?.restoreFace,
      detector: options.models?.faceDetector,
      warn: context.warn,
      ensure: ensureOptions(context),
    });
    const result = await restoreFacePipeline(sharp, call.pool(getPool()), {
      bytes: request.image.bytes,
      maxPixels: request.image.width * request.image.height,
      restorerPath: model.path,
      detectorPath: model.detectorPath,
      preset: model.preset,
      format: request.format,
      fidelity: request.fidelity,
      blend,
      maxFaces,
      minEyeDistance: FACE_DEFAULTS.minEyeDistance,
      signal: context.signal,
      provider: id,
      warn: context.warn,
    });
    return toResult(result, model.id, request.format, context, { faces: result.faces });
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext, call: TrackedCall): Promise<ProviderResult> {
    const callOptions = parseCallOptions(generateCallOptionsSchema, request.providerOptions, context) as LocalGenerateOptions;
    const configured = options.models?.generate;
    // supports() keeps generate calls away unless a folder is configured.
    if (!configured) throw pixmuxError('unsupported', `${id}: no generate model is configured`, { provider: id });
    const model = await chooseGenerateModel({ provider: id, requested: request.model, configured, ensure: ensureOptions(context), warn: context.warn });
    const limits = GENERATE_STEPS[model.pipeline];
    const steps = callOptions.steps ?? limits.default;
    if (steps > limits.max) throw pixmuxError('invalid_request', `${id}: ${limits.label} runs 1 to ${limits.max} steps; providerOptions.${id}.steps is ${steps}`, { provider: id });
    if (model.pipeline === 'sd-turbo' && callOptions.guidanceScale !== undefined) context.warn(`${id}: guidanceScale is ignored: SD-Turbo has no guidance`);
    if (request.negativePrompt) context.warn(`${id}: negativePrompt is ignored: ${limits.label} runs without classifier-free guidance`);
    const { width, height } = generateSize(request.size, request.aspectRatio, id);
    const seed = request.seed ?? randomInt(0, 2 ** 32);
    const sharp = await loadSharp(id);
    const result = await generatePipeline(sharp, call.pool(getPool()), {
      folder: model.folder,
      pipeline: model.pipeline,
      prompt: request.prompt,
      width,
      height,
      n: request.n,
      seed,
      steps,
      guidanceScale: callOptions.guidanceScale ?? LCM_GUIDANCE_SCALE,
      format: request.format,
      signal: context.signal,
    });
    if (result.device === 'cpu') context.warn(`${id}: generated on the CPU, which is slow: the UNet took ${Math.round(result.timings.unetMs)} ms for ${steps} step(s) (metadata.timings)`);
    return toResult(result, model.id, request.format, context, { seed, steps, width, height, pipeline: model.pipeline, precision: result.precision, batched: result.batched });
  }

  /** A pipeline's output as the provider's result: local work is free, and the device it ran on is reported. */
  function toResult(
    result: ({ bytes: Uint8Array } | { images: Uint8Array[] }) & { device: string; deviceWarning?: string | undefined; timings: unknown },
    model: string,
    format: string,
    context: ProviderContext,
    extra: Record<string, unknown> = {},
  ): ProviderResult {
    if (result.deviceWarning) {
      // The long reason (with install paths) once per provider, to the logger and as an event; results get a line.
      if (!deviceWarned) {
        deviceWarned = true;
        context.notice(`${id}: ${result.deviceWarning}`);
      }
      context.warn(`${id}: ran on the CPU because CUDA is not available`);
    }
    const images = 'images' in result ? result.images : [result.bytes];
    return { images: images.map((bytes) => ({ bytes, mediaType: `image/${format}` })), model, costUsd: 0, metadata: { device: result.device, ...extra, timings: result.timings } };
  }

  function capacity(): Capacity {
    return stages.capacity(pool, workers);
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'local',
    // Calls past this wait in the core's queue, undecoded; the pool itself never refuses one.
    maxConcurrency: workers * maxBatch + maxQueue,
    // The models decide the output (where they run does not, beyond rounding).
    identity: { models: options.models ?? 'defaults' },
    // n images run in one worker job (one UNet batch when the model allows); the core splits larger n, seeds advanced.
    maxImagesPerCall: maxBatch,
    operations: { removeBackground: tracked(removeBackground), restoreFace: tracked(restoreFace), generate: tracked(generate) },
    supports: (operation: Operation) =>
      operation !== 'generate' || options.models?.generate !== undefined
        ? true
        : `${id}: generate needs a model: local({ models: { generate: 'lcm-dreamshaper-v7' } }) or a folder, { path, pipeline: 'sd-turbo' | 'lcm' }`,
    price: () => 0,
    capacity,
    dispose: async () => {
      await pool?.dispose();
      pool = undefined;
    },
  });
}

export default local;
