/**
 * The generate job inside the worker thread: opens the folder's three sessions, checks their inputs against the
 * pipeline, and runs `denoise` with them. Imports nothing from the core.
 */
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { GenerateMessage, GeneratedMessage, UsedDevice } from '../../pool/protocol.js';
import { WorkerFailure } from '../../pool/worker-failure.js';
import { readSchedulerConfig, readVaeScalingFactor } from './configs.js';
import { denoise, LATENT_CHANNELS, VAE_FACTOR, type GenerateModels } from './denoise.js';
import { fromHalfArray, toHalfArray } from './float16.js';
import { GENERATE_LAYOUT, missingGenerateFiles } from './layout.js';
import { loadPromptTokenizer, type PromptTokenizer } from './tokenizer.js';

/** A session as the worker keeps it. */
export interface GenerateSession {
  session: Ort.InferenceSession;
  device: UsedDevice;
  deviceWarning: string | undefined;
}

export interface GenerateRuntime {
  ort: typeof Ort;
  load(modelPath: string): Promise<GenerateSession>;
  run(model: GenerateSession, feeds: Ort.InferenceSession.FeedsType, fetches: string[], what: string): Promise<Ort.InferenceSession.ReturnType>;
}

type FloatType = 'float32' | 'float16';
type Dims = ReadonlyArray<number | string>;

interface InputInfo {
  name: string;
  type: string;
  dims: Dims;
}

const tokenizers = new Map<string, Promise<PromptTokenizer>>();

function inputs(model: GenerateSession): Map<string, InputInfo> {
  const result = new Map<string, InputInfo>();
  model.session.inputNames.forEach((name, index) => {
    const meta = model.session.inputMetadata[index];
    result.set(name, { name, type: meta?.isTensor ? meta.type : 'unknown', dims: meta?.isTensor ? meta.shape : [] });
  });
  return result;
}

const isDynamic = (dim: number | string | undefined) => typeof dim !== 'number' || dim < 0;

function floatType(info: InputInfo, what: string): FloatType {
  if (info.type === 'float32' || info.type === 'float16') return info.type;
  throw new WorkerFailure('provider_unavailable', `the ${what}'s input "${info.name}" is ${info.type}; pixmux feeds float32 or float16`);
}

function floatTensor(ort: typeof Ort, type: FloatType, data: Float32Array, dims: number[]): Ort.Tensor {
  return type === 'float16' ? new ort.Tensor('float16', toHalfArray(data), dims) : new ort.Tensor('float32', data, dims);
}

/** A float output as float32, whatever its precision. */
function readFloats(tensor: Ort.Tensor, what: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return tensor.data instanceof Uint16Array ? fromHalfArray(tensor.data) : Float32Array.from(tensor.data as ArrayLike<number>);
  throw new WorkerFailure('bad_response', `the ${what}'s output is ${tensor.type}, expected float32 or float16`);
}

/** The timestep as the UNet's input type wants it (int64 in the ORT SD-Turbo export, float in others). */
function timestepTensor(ort: typeof Ort, info: InputInfo, timestep: number, batch: number): Ort.Tensor {
  const dims = info.dims.length === 0 ? [] : [isDynamic(info.dims[0]) ? batch : (info.dims[0] as number)];
  const count = dims.length === 0 ? 1 : dims[0]!;
  switch (info.type) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.round(timestep))), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(count).fill(Math.round(timestep)), dims);
    case 'float32':
    case 'float16':
      return floatTensor(ort, info.type, new Float32Array(count).fill(timestep), dims);
    case 'float64':
      return new ort.Tensor('float64', new Float64Array(count).fill(timestep), dims);
    default:
      throw new WorkerFailure('provider_unavailable', `the UNet's input "timestep" is ${info.type}; pixmux feeds int64, int32 or float`);
  }
}

/** The UNet inputs each pipeline feeds; anything else is a model pixmux does not know how to drive. */
const UNET_INPUTS = {
  'sd-turbo': ['sample', 'timestep', 'encoder_hidden_states'],
  lcm: ['sample', 'timestep', 'encoder_hidden_states', 'timestep_cond'],
} as const;

function checkUnetInputs(unet: Map<string, InputInfo>, message: GenerateMessage): void {
  const names = [...unet.keys()];
  const wanted: readonly string[] = UNET_INPUTS[message.pipeline];
  const missing = wanted.filter((name) => !unet.has(name));
  const extra = names.filter((name) => !wanted.includes(name));
  if (missing.length === 0 && extra.length === 0) return;
  const hint =
    message.pipeline === 'sd-turbo' && unet.has('timestep_cond')
      ? "; its timestep_cond input is LCM's guidance embedding: use pipeline: 'lcm'"
      : message.pipeline === 'lcm' && missing.includes('timestep_cond')
        ? "; without timestep_cond it is no LCM UNet (an SD-Turbo one is pipeline: 'sd-turbo')"
        : '';
  throw new WorkerFailure(
    'provider_unavailable',
    `the UNet ${join(message.folder, GENERATE_LAYOUT.unet)} has inputs ${names.join(', ') || '(none)'}; the ${message.pipeline} pipeline needs ${wanted.join(', ')}` +
      `${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (unknown ${extra.join(', ')})` : ''}${hint}`,
  );
}

/** The sample input's batch and spatial size: a fixed latent size must be the one asked for. */
function checkSample(sample: InputInfo, message: GenerateMessage): void {
  const [, channels, height, width] = sample.dims;
  if (sample.dims.length !== 4 || (!isDynamic(channels) && channels !== LATENT_CHANNELS)) {
    throw new WorkerFailure('provider_unavailable', `the UNet's sample input is [${sample.dims.join(', ')}]; expected [batch, ${LATENT_CHANNELS}, height/8, width/8]`);
  }
  const fixedHeight = isDynamic(height) ? undefined : (height as number) * VAE_FACTOR;
  const fixedWidth = isDynamic(width) ? undefined : (width as number) * VAE_FACTOR;
  if ((fixedHeight !== undefined && fixedHeight !== message.height) || (fixedWidth !== undefined && fixedWidth !== message.width)) {
    throw new WorkerFailure('invalid_request', `this UNet takes ${fixedWidth ?? message.width}x${fixedHeight ?? message.height} images only (latents ${width}×${height}); asked for ${message.width}x${message.height}`);
  }
}

function outputName(model: GenerateSession, preferred: string, what: string): string {
  const names = model.session.outputNames;
  const name = names.includes(preferred) ? preferred : names[0];
  if (!name) throw new WorkerFailure('provider_unavailable', `the ${what} has no outputs`);
  return name;
}

/** Runs `run` on the whole batch, or item by item when the model's batch dimension is fixed at 1. */
async function perBatch(batch: number, dynamic: boolean, perItem: number, input: Float32Array, run: (data: Float32Array, size: number, offset: number) => Promise<Float32Array>): Promise<Float32Array> {
  if (dynamic || batch === 1) return run(input, batch, 0);
  const parts: Float32Array[] = [];
  for (let item = 0; item < batch; item++) parts.push(await run(input.subarray(item * perItem, (item + 1) * perItem), 1, item));
  const result = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

export async function runGenerate(runtime: GenerateRuntime, message: GenerateMessage): Promise<GeneratedMessage> {
  const { ort } = runtime;
  const folder = message.folder;
  const missing = missingGenerateFiles(folder);
  if (missing.length > 0) throw new WorkerFailure('provider_unavailable', `the model folder ${folder} is incomplete: missing ${missing.join(', ')}`);
  const scheduler = readSchedulerConfig(folder);
  const vaeScalingFactor = readVaeScalingFactor(folder);
  const textEncoder = await runtime.load(join(folder, GENERATE_LAYOUT.textEncoder));
  const unet = await runtime.load(join(folder, GENERATE_LAYOUT.unet));
  const vae = await runtime.load(join(folder, GENERATE_LAYOUT.vaeDecoder));

  const unetInputs = inputs(unet);
  checkUnetInputs(unetInputs, message);
  const sample = unetInputs.get('sample')!;
  checkSample(sample, message);
  const precision = floatType(sample, 'UNet');
  const hiddenInfo = unetInputs.get('encoder_hidden_states')!;
  const hiddenType = floatType(hiddenInfo, 'UNet');
  const timestepInfo = unetInputs.get('timestep')!;
  const condInfo = unetInputs.get('timestep_cond');
  const condType = condInfo ? floatType(condInfo, 'UNet') : undefined;
  const condWidth = condInfo ? (isDynamic(condInfo.dims[1]) ? 256 : (condInfo.dims[1] as number)) : undefined;
  const unetBatch = isDynamic(sample.dims[0]);
  const unetOutput = outputName(unet, 'out_sample', 'UNet');

  const [textInput] = inputs(textEncoder).values();
  if (!textInput) throw new WorkerFailure('provider_unavailable', 'the text encoder has no inputs');
  if (textInput.type !== 'int32' && textInput.type !== 'int64') throw new WorkerFailure('provider_unavailable', `the text encoder's input "${textInput.name}" is ${textInput.type}; expected int32 or int64 token ids`);
  const textOutput = outputName(textEncoder, 'last_hidden_state', 'text encoder');
  const encoderLength = isDynamic(textInput.dims[1]) ? undefined : (textInput.dims[1] as number);

  const [vaeInput] = inputs(vae).values();
  if (!vaeInput) throw new WorkerFailure('provider_unavailable', 'the VAE decoder has no inputs');
  const vaeType = floatType(vaeInput, 'VAE decoder');
  const vaeBatch = isDynamic(vaeInput.dims[0]);
  const vaeOutput = outputName(vae, 'sample', 'VAE decoder');

  let tokenizer = tokenizers.get(folder);
  if (!tokenizer) {
    tokenizer = loadPromptTokenizer(folder, encoderLength);
    tokenizers.set(folder, tokenizer);
    tokenizer.catch(() => tokenizers.delete(folder));
  }
  const promptTokenizer = await tokenizer;

  const latentHeight = message.height / VAE_FACTOR;
  const latentWidth = message.width / VAE_FACTOR;
  const perLatent = LATENT_CHANNELS * latentHeight * latentWidth;
  let hiddenWidth = 0;
  const models: GenerateModels = {
    timestepCondWidth: condWidth,
    async encodeText(ids) {
      const length = ids.length;
      const tensor = textInput.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [1, length]) : new ort.Tensor('int32', ids, [1, length]);
      const output = (await runtime.run(textEncoder, { [textInput.name]: tensor }, [textOutput], 'the text encoder'))[textOutput]!;
      if (output.dims.length !== 3 || output.dims[1] !== length) throw new WorkerFailure('bad_response', `the text encoder returned [${output.dims.join(', ')}], expected [1, ${length}, width]`);
      hiddenWidth = output.dims[2]!;
      return readFloats(output, 'text encoder');
    },
    unet({ sample: latents, batch, timestep, hiddenStates, timestepCond }) {
      const perHidden = hiddenStates.length / batch;
      return perBatch(batch, unetBatch, perLatent, latents, async (data, size, offset) => {
        const feeds: Record<string, Ort.Tensor> = {
          sample: floatTensor(ort, precision, data, [size, LATENT_CHANNELS, latentHeight, latentWidth]),
          timestep: timestepTensor(ort, timestepInfo, timestep, size),
          encoder_hidden_states: floatTensor(ort, hiddenType, hiddenStates.subarray(offset * perHidden, (offset + size) * perHidden), [size, promptTokenizer.length, hiddenWidth]),
        };
        if (condInfo && timestepCond) feeds.timestep_cond = floatTensor(ort, condType!, timestepCond.subarray(offset * condWidth!, (offset + size) * condWidth!), [size, condWidth!]);
        const output = (await runtime.run(unet, feeds, [unetOutput], 'the UNet'))[unetOutput]!;
        const values = readFloats(output, 'UNet');
        if (values.length !== data.length) throw new WorkerFailure('bad_response', `the UNet returned [${output.dims.join(', ')}] for a sample of [${size}, ${LATENT_CHANNELS}, ${latentHeight}, ${latentWidth}]`);
        return values;
      });
    },
    decode(latents, batch) {
      return perBatch(batch, vaeBatch, perLatent, latents, async (data, size) => {
        const output = (await runtime.run(vae, { [vaeInput.name]: floatTensor(ort, vaeType, data, [size, LATENT_CHANNELS, latentHeight, latentWidth]) }, [vaeOutput], 'the VAE decoder'))[vaeOutput]!;
        return readFloats(output, 'VAE decoder');
      });
    },
  };
  const { pipeline, prompt, width, height, n, seed, steps, guidanceScale } = message;
  const result = await denoise(
    { pipeline, prompt, width, height, n, seed, steps, guidanceScale, scheduler, vaeScalingFactor },
    promptTokenizer,
    models,
    () => Atomics.load(message.cancel, 0) === 1,
  );
  return {
    type: 'generated',
    jobId: message.jobId,
    images: result.images,
    width: message.width,
    height: message.height,
    device: unet.device,
    ...(unet.deviceWarning ? { deviceWarning: unet.deviceWarning } : {}),
    batched: unetBatch || message.n === 1,
    precision,
    timings: result.timings,
  };
}
