/**
 * The local provider's worker thread: holds one onnxruntime session per model and runs batches on it, so the
 * synchronous native `run()` never blocks the caller's event loop. It imports nothing from the core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import { INSTALL_HINT } from './install-hint.js';
import { WorkerFailure } from './pool/worker-failure.js';
import { maskFromOutput } from './pipelines/remove-background/mask-from-output.js';
import { tensorizeBatch } from './pipelines/remove-background/tensorize.js';
import { runGenerate } from './pipelines/generate/worker-job.js';
import { restoreFaces, type FaceModels } from './pipelines/restore-face/restore-faces.js';
import type { YunetOutputs } from './pipelines/restore-face/yunet.js';
import type { Device, ErrorMessage, GenerateMessage, RestoreFacesMessage, RunMessage, UsedDevice, WorkerMessage, WorkerReply } from './pool/protocol.js';

/** What opening a session needs: the file, the device and the thread count. */
type SessionRequest = Pick<RunMessage, 'modelPath' | 'device' | 'intraOpNumThreads'>;

interface LoadedModel {
  session: Ort.InferenceSession;
  device: UsedDevice;
  deviceWarning: string | undefined;
  inputName: string;
  dynamicBatch: boolean;
}

/** The accelerator's execution provider could not be loaded (no CUDA libraries, no WebGPU adapter). */
class DeviceUnavailable extends WorkerFailure {
  constructor(
    readonly device: Exclude<Device, 'auto' | 'cpu'>,
    readonly reason: string,
  ) {
    super('provider_unavailable', `device '${device}' is not available (${reason}). ${device === 'cuda' ? INSTALL_HINT : 'Use device: "cpu" or "auto".'}`);
  }
}

let ortPromise: Promise<typeof Ort> | undefined;
const sessions = new Map<string, Promise<LoadedModel>>();

function loadOrt(): Promise<typeof Ort> {
  ortPromise ??= import('onnxruntime-node')
    .then((module) => ((module as unknown as { default?: typeof Ort }).default ?? module) as typeof Ort)
    .catch((error: unknown) => {
      throw new WorkerFailure('provider_unavailable', `the optional package "onnxruntime-node" could not be loaded (${firstLine(error)}). ${INSTALL_HINT}`);
    });
  return ortPromise;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

function providersFor(device: Exclude<Device, 'auto'>): string[] {
  // A second entry lets ORT place nodes the accelerator cannot run on the CPU.
  return device === 'cpu' ? ['cpu'] : [device, 'cpu'];
}

async function createSession(ort: typeof Ort, message: SessionRequest): Promise<LoadedModel> {
  const options = (device: Exclude<Device, 'auto'>): Ort.InferenceSession.SessionOptions => ({
    executionProviders: providersFor(device) as Ort.InferenceSession.SessionOptions['executionProviders'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: message.intraOpNumThreads,
    logSeverityLevel: 3,
  });
  const open = async (device: Exclude<Device, 'auto'>) => {
    const missing = device === 'cuda' ? missingCudaProvider() : undefined;
    if (missing) throw new DeviceUnavailable('cuda', missing);
    try {
      return await ort.InferenceSession.create(message.modelPath, options(device));
    } catch (error) {
      const text = firstLine(error);
      if (device !== 'cpu' && /execution ?provider|shared library|cuda|webgpu|adapter|provider/i.test(text)) throw new DeviceUnavailable(device, text);
      throw new WorkerFailure('provider_unavailable', `could not load the model ${message.modelPath}: ${text}`);
    }
  };
  let session: Ort.InferenceSession;
  let device: UsedDevice;
  let deviceWarning: string | undefined;
  if (message.device === 'auto') {
    try {
      session = await open('cuda');
      device = 'cuda';
    } catch (error) {
      if (!(error instanceof DeviceUnavailable)) throw error;
      session = await open('cpu');
      device = 'cpu';
      deviceWarning =
        `CUDA is not available, so the model ran on the CPU (${error.reason}). For GPUs: CUDA 12 and cuDNN 9 on the library path, and onnxruntime-node's ` +
        'CUDA provider (`node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12`).';
    }
  } else {
    session = await open(message.device);
    device = message.device;
  }
  const input = session.inputMetadata[0];
  const inputName = session.inputNames[0];
  if (!inputName) throw new WorkerFailure('provider_unavailable', `the model ${message.modelPath} has no inputs`);
  const firstDim = input && input.isTensor ? input.shape[0] : undefined;
  return { session, device, deviceWarning, inputName, dynamicBatch: typeof firstDim === 'string' || firstDim === -1 };
}

/**
 * On Linux, onnxruntime-node's CUDA provider is a separate library that its installer downloads only on request.
 * When it is absent, `auto` goes straight to the CPU with that reason, instead of letting ORT fail loudly on stderr.
 */
function missingCudaProvider(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const folder = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(folder, 'libonnxruntime_providers_cuda.so')) ? undefined : `onnxruntime-node's CUDA provider is not installed (no libonnxruntime_providers_cuda.so in ${folder})`;
  } catch {
    return undefined;
  }
}

function loadModel(ort: typeof Ort, message: SessionRequest): Promise<LoadedModel> {
  const key = `${message.device}|${message.modelPath}`;
  let loaded = sessions.get(key);
  if (!loaded) {
    loaded = createSession(ort, message);
    sessions.set(key, loaded);
    loaded.catch(() => sessions.delete(key));
  }
  return loaded;
}

async function run(message: RunMessage): Promise<WorkerReply> {
  const ort = await loadOrt();
  const model = await loadModel(ort, message);
  const [width, height] = message.preset.size;
  const batch = message.images.length;
  if (batch > 1 && !model.dynamicBatch) throw new WorkerFailure('invalid_request', 'this model has a fixed batch size; its requests cannot be batched');

  const t0 = performance.now();
  const data = tensorizeBatch(message.images, message.preset);
  const tensor = new ort.Tensor('float32', data, [batch, 3, height, width]);
  const t1 = performance.now();
  if (message.testCrash === 'exit') process.exit(70);
  if (message.testCrash === 'throw') setImmediate(() => { throw new Error('test crash'); });

  const outputName = model.session.outputNames[message.preset.output.index];
  if (!outputName) throw new WorkerFailure('bad_response', `the model has ${model.session.outputNames.length} output(s); preset output.index ${message.preset.output.index} does not exist`);
  let results: Ort.InferenceSession.ReturnType;
  try {
    results = await model.session.run({ [model.inputName]: tensor }, [outputName]);
  } catch (error) {
    throw new WorkerFailure('provider_error', `inference failed: ${firstLine(error)}`);
  }
  const t2 = performance.now();

  const output = results[outputName]!;
  if (output.type !== 'float32') throw new WorkerFailure('bad_response', `the model's output "${outputName}" is ${output.type}, expected float32`);
  if (output.dims[0] !== batch) throw new WorkerFailure('bad_response', `the model returned ${output.dims[0]} item(s) for a batch of ${batch}`);
  const masks = [];
  try {
    for (let item = 0; item < batch; item++) masks.push(maskFromOutput({ data: output.data as Float32Array, dims: output.dims }, item, message.preset.output));
  } catch (error) {
    throw new WorkerFailure('bad_response', `the model's output does not fit the preset: ${firstLine(error)}`);
  }
  output.dispose();
  const t3 = performance.now();
  return {
    type: 'result',
    jobId: message.jobId,
    masks,
    device: model.device,
    ...(model.deviceWarning ? { deviceWarning: model.deviceWarning } : {}),
    dynamicBatch: model.dynamicBatch,
    timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 },
  };
}

async function runSession(model: LoadedModel, feeds: Ort.InferenceSession.FeedsType, fetches: string[] | undefined, what: string) {
  try {
    return fetches ? await model.session.run(feeds, fetches) : await model.session.run(feeds);
  } catch (error) {
    throw new WorkerFailure('provider_error', `${what} failed: ${firstLine(error)}`);
  }
}

/** The detector and restorer sessions behind the face pipeline's model calls. */
async function faceModels(ort: typeof Ort, message: RestoreFacesMessage): Promise<{ models: FaceModels; device: LoadedModel }> {
  const common = { device: message.device, intraOpNumThreads: message.intraOpNumThreads };
  const detector = await loadModel(ort, { ...common, modelPath: message.detectorPath });
  const restorer = await loadModel(ort, { ...common, modelPath: message.restorerPath });
  const weightName = message.preset.weightInput;
  let weightType: 'float64' | 'float32' = 'float64';
  if (weightName) {
    const index = restorer.session.inputNames.indexOf(weightName);
    if (index < 0) throw new WorkerFailure('invalid_request', `the face model has no input "${weightName}" (its inputs: ${restorer.session.inputNames.join(', ')}); fix the preset's weightInput`);
    const meta = restorer.session.inputMetadata[index];
    if (meta?.isTensor && meta.type === 'float32') weightType = 'float32';
  }
  const outputName = restorer.session.outputNames[0];
  if (!outputName) throw new WorkerFailure('provider_unavailable', `the face model ${message.restorerPath} has no outputs`);
  const models: FaceModels = {
    async detect(tensor, size) {
      const results = await runSession(detector, { [detector.inputName]: new ort.Tensor('float32', tensor, [1, 3, size, size]) }, undefined, 'face detection');
      const outputs: YunetOutputs = {};
      for (const [name, value] of Object.entries(results)) {
        if (value.type !== 'float32') throw new WorkerFailure('bad_response', `the face detector's output "${name}" is ${value.type}, expected float32`);
        outputs[name] = { data: value.data as Float32Array };
      }
      return outputs;
    },
    async restore(tensor, size) {
      const feeds: Record<string, Ort.Tensor> = { [restorer.inputName]: new ort.Tensor('float32', tensor, [1, 3, size, size]) };
      if (weightName) feeds[weightName] = weightType === 'float64' ? new ort.Tensor('float64', Float64Array.of(message.fidelity), [1]) : new ort.Tensor('float32', Float32Array.of(message.fidelity), [1]);
      const results = await runSession(restorer, feeds, [outputName], 'face restoration');
      const output = results[outputName]!;
      if (output.type !== 'float32') throw new WorkerFailure('bad_response', `the face model's output "${outputName}" is ${output.type}, expected float32`);
      if (output.data.length !== 3 * size * size) throw new WorkerFailure('bad_response', `the face model returned ${output.dims.join('×')}, expected 1×3×${size}×${size}`);
      return output.data as Float32Array;
    },
  };
  return { models, device: restorer };
}

async function runFaces(message: RestoreFacesMessage): Promise<WorkerReply> {
  const ort = await loadOrt();
  const { models, device } = await faceModels(ort, message);
  let outcome;
  try {
    outcome = await restoreFaces(message, models);
  } catch (error) {
    if (error instanceof WorkerFailure) throw error;
    throw new WorkerFailure('bad_response', `face restoration failed: ${firstLine(error)}`);
  }
  return {
    type: 'faces',
    jobId: message.jobId,
    image: message.image,
    faces: outcome.faces,
    detected: outcome.detected,
    tooSmall: outcome.tooSmall,
    overLimit: outcome.overLimit,
    device: device.device,
    ...(device.deviceWarning ? { deviceWarning: device.deviceWarning } : {}),
    timings: outcome.timings,
  };
}

async function runGeneration(message: GenerateMessage): Promise<WorkerReply> {
  const ort = await loadOrt();
  const common = { device: message.device, intraOpNumThreads: message.intraOpNumThreads };
  try {
    return await runGenerate({ ort, load: (modelPath) => loadModel(ort, { ...common, modelPath }), run: (model, feeds, fetches, what) => runSession(model as LoadedModel, feeds, fetches, what) }, message);
  } catch (error) {
    if (error instanceof WorkerFailure) throw error;
    throw new WorkerFailure('bad_response', `generation failed: ${firstLine(error)}`);
  }
}

/** The buffers a reply hands over instead of copying. */
function transfers(reply: WorkerReply): ArrayBuffer[] {
  if (reply.type === 'result') return reply.masks.map((mask) => mask.mask.buffer as ArrayBuffer);
  if (reply.type === 'faces') return [reply.image.buffer as ArrayBuffer];
  if (reply.type === 'generated') return reply.images.map((image) => image.buffer as ArrayBuffer);
  return [];
}

function failure(jobId: number, error: unknown): ErrorMessage {
  if (error instanceof WorkerFailure) return { type: 'error', jobId, code: error.code, message: error.message, retryable: error.retryable };
  return { type: 'error', jobId, code: 'provider_error', message: `worker failed: ${firstLine(error)}`, retryable: false };
}

const port = parentPort;
if (port) {
  port.on('message', (message: WorkerMessage) => {
    if (message?.type !== 'run' && message?.type !== 'restoreFaces' && message?.type !== 'generate') return;
    (message.type === 'run' ? run(message) : message.type === 'restoreFaces' ? runFaces(message) : runGeneration(message)).then(
      (reply) => port.postMessage(reply, transfers(reply)),
      (error: unknown) => port.postMessage(failure(message.jobId, error)),
    );
  });
}
