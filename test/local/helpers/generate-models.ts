import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

const T = onnx.TensorProto.DataType;
type Dim = number | string;
type ElemType = 'float32' | 'float16' | 'int32' | 'int64';
const ELEM: Record<ElemType, number> = { float32: T.FLOAT, float16: T.FLOAT16, int32: T.INT32, int64: T.INT64 };

interface Value {
  name: string;
  type: ElemType;
  shape: Dim[];
}
interface Node {
  op: string;
  inputs: string[];
  output: string;
  attributes?: Record<string, number | number[] | string>;
}
type Constant = { floats: number[]; dims: number[] } | { ints: number[]; dims: number[] };

function valueInfo({ name, type, shape }: Value) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: ELEM[type],
        shape: onnx.TensorShapeProto.create({ dim: shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) }),
      }),
    }),
  });
}

function attribute(name: string, value: number | number[] | string) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
  return Number.isInteger(value) ? onnx.AttributeProto.create({ name, type: A.INT, i: value }) : onnx.AttributeProto.create({ name, type: A.FLOAT, f: value });
}

/** Encodes an ONNX graph (opset 13) with typed inputs and outputs, for the generate stand-ins. */
function graph(inputs: Value[], outputs: Value[], nodes: Node[], constants: Record<string, Constant> = {}): Uint8Array {
  const initializer = Object.entries(constants).map(([name, value]) =>
    'floats' in value
      ? onnx.TensorProto.create({ name, dataType: T.FLOAT, dims: value.dims, floatData: value.floats })
      : onnx.TensorProto.create({ name, dataType: T.INT64, dims: value.dims, int64Data: value.ints }),
  );
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'pixmux-test',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph: onnx.GraphProto.create({
      name: 'generate-stand-in',
      node: nodes.map((node, index) =>
        onnx.NodeProto.create({ name: `n${index}`, opType: node.op, input: node.inputs, output: [node.output], attribute: Object.entries(node.attributes ?? {}).map(([key, value]) => attribute(key, value)) }),
      ),
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
      initializer,
    }),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** The stand-in text encoder's width (real ones: 768 for SD 1.5, 1024 for SD 2.x / SD-Turbo). */
export const HIDDEN = 8;
export const SEQUENCE = 77;

/** `input_ids` [1, 77] → `last_hidden_state` [1, 77, 8] with hidden[j][d] = ids[j] × (d + 1) / 1000. */
export function textEncoder(idType: 'int32' | 'int64' = 'int32'): Uint8Array {
  return graph(
    [{ name: 'input_ids', type: idType, shape: [1, SEQUENCE] }],
    [{ name: 'last_hidden_state', type: 'float32', shape: [1, SEQUENCE, HIDDEN] }, { name: 'pooler_output', type: 'float32', shape: [1, HIDDEN] }],
    [
      { op: 'Cast', inputs: ['input_ids'], output: 'ids', attributes: { to: T.FLOAT } },
      { op: 'Reshape', inputs: ['ids', 'column'], output: 'column_ids' },
      { op: 'Mul', inputs: ['column_ids', 'widths'], output: 'last_hidden_state' },
      { op: 'ReduceMean', inputs: ['last_hidden_state'], output: 'pooler_output', attributes: { axes: [1], keepdims: 0 } },
    ],
    { column: { ints: [1, SEQUENCE, 1], dims: [3] }, widths: { floats: Array.from({ length: HIDDEN }, (_, d) => (d + 1) / 1000), dims: [1, 1, HIDDEN] } },
  );
}

export interface UnetOptions {
  /** Inputs: `sd-turbo` (sample, timestep, encoder_hidden_states), `lcm` (+ timestep_cond), or explicit names. */
  inputs?: 'sd-turbo' | 'lcm' | string[];
  batch?: Dim;
  /** Fixed latent side (e.g. 64 for 512² only); symbolic by default. */
  latent?: Dim;
  precision?: 'float32' | 'float16';
}

/**
 * ε = sample + mean(encoder_hidden_states) + 1e-6 × timestep (+ 1e-3 × mean(timestep_cond) for LCM): every input reaches the
 * output, so a wrong feed shows in the pixels. `out_sample` has the sample's shape and type.
 */
export function unet(options: UnetOptions = {}): Uint8Array {
  const { batch = 'batch', latent, precision = 'float32' } = options;
  const names = Array.isArray(options.inputs) ? options.inputs : options.inputs === 'lcm' ? ['sample', 'timestep', 'encoder_hidden_states', 'timestep_cond'] : ['sample', 'timestep', 'encoder_hidden_states'];
  const side = latent ?? 'height';
  const shapes: Record<string, Value> = {
    sample: { name: 'sample', type: precision, shape: [batch, 4, side, latent ?? 'width'] },
    timestep: { name: 'timestep', type: 'int64', shape: [1] },
    encoder_hidden_states: { name: 'encoder_hidden_states', type: precision, shape: [batch, SEQUENCE, HIDDEN] },
    timestep_cond: { name: 'timestep_cond', type: precision, shape: [batch, 256] },
  };
  const inputs = names.map((name) => shapes[name] ?? { name, type: 'float32' as const, shape: [batch, 4] });
  const nodes: Node[] = [];
  const asFloat = (name: string) => {
    if (precision === 'float32' && name !== 'timestep') return name;
    nodes.push({ op: 'Cast', inputs: [name], output: `${name}_f`, attributes: { to: T.FLOAT } });
    return `${name}_f`;
  };
  let sum = asFloat('sample');
  if (names.includes('encoder_hidden_states')) {
    nodes.push({ op: 'ReduceMean', inputs: [asFloat('encoder_hidden_states')], output: 'hidden_mean', attributes: { keepdims: 0 } });
    nodes.push({ op: 'Add', inputs: [sum, 'hidden_mean'], output: 'with_hidden' });
    sum = 'with_hidden';
  }
  if (names.includes('timestep')) {
    nodes.push({ op: 'Mul', inputs: [asFloat('timestep'), 'per_step'], output: 'step_term' });
    nodes.push({ op: 'Add', inputs: [sum, 'step_term'], output: 'with_step' });
    sum = 'with_step';
  }
  if (names.includes('timestep_cond')) {
    nodes.push({ op: 'ReduceMean', inputs: [asFloat('timestep_cond')], output: 'cond_mean', attributes: { keepdims: 0 } });
    nodes.push({ op: 'Mul', inputs: ['cond_mean', 'per_cond'], output: 'cond_term' });
    nodes.push({ op: 'Add', inputs: [sum, 'cond_term'], output: 'with_cond' });
    sum = 'with_cond';
  }
  nodes.push(precision === 'float16' ? { op: 'Cast', inputs: [sum], output: 'out_sample', attributes: { to: T.FLOAT16 } } : { op: 'Identity', inputs: [sum], output: 'out_sample' });
  return graph(inputs, [{ name: 'out_sample', type: precision, shape: [batch, 4, side, latent ?? 'width'] }], nodes, { per_step: { floats: [1e-6], dims: [] }, per_cond: { floats: [1e-3], dims: [] } });
}

/** `latent_sample` [N, 4, h, w] → `sample` [N, 3, 8h, 8w]: the first three channels, each latent repeated over an 8×8 block. */
export function vaeDecoder(batch: Dim = 'batch'): Uint8Array {
  return graph(
    [{ name: 'latent_sample', type: 'float32', shape: [batch, 4, 'height', 'width'] }],
    [{ name: 'sample', type: 'float32', shape: [batch, 3, 'image_height', 'image_width'] }],
    [
      { op: 'Slice', inputs: ['latent_sample', 'starts', 'ends', 'axes'], output: 'rgb' },
      { op: 'Resize', inputs: ['rgb', '', 'scales'], output: 'sample', attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } },
    ],
    { starts: { ints: [0], dims: [1] }, ends: { ints: [3], dims: [1] }, axes: { ints: [1], dims: [1] }, scales: { floats: [1, 1, 8, 8], dims: [4] } },
  );
}

/** A CLIP-style BPE vocabulary small enough to check by hand. `!` is id 0 (SD 2.x's padding token). */
export const VOCAB: Record<string, number> = {
  '!': 0, a: 1, c: 2, t: 3, o: 4, d: 5, g: 6, 'a</w>': 7, ca: 8, 'cat</w>': 9, do: 10, 'dog</w>': 11, ',</w>': 12, 't</w>': 13, 'g</w>': 14,
  '<|startoftext|>': 15, '<|endoftext|>': 16,
};
export const MERGES = ['#version: 0.2', 'c a', 'ca t</w>', 'd o', 'do g</w>'];

/** The same vocabulary as a fast-tokenizer `tokenizer.json`, written out by hand (with RobertaProcessing, as CLIP's has). */
export function tokenizerJson(): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 15, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 16, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 16], cls: ['<|startoftext|>', 15], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab: VOCAB, merges: MERGES.slice(1) },
  };
}

export interface FolderOptions {
  pipeline?: 'sd-turbo' | 'lcm';
  unet?: UnetOptions;
  vaeBatch?: Dim;
  idType?: 'int32' | 'int64';
  /** `bpe`: vocab.json + merges.txt (the SD-Turbo export's layout); `json`: tokenizer.json. */
  tokenizer?: 'bpe' | 'json';
  /** tokenizer_config.json's pad_token. @default '!' (SD 2.x) */
  padToken?: string;
  /** Files to leave out, relative to the folder. */
  omit?: string[];
}

/** SD-Turbo's scheduler_config.json (stabilityai/sd-turbo), and LCM_Dreamshaper_v7's. */
export const SCHEDULER_CONFIGS = {
  'sd-turbo': { _class_name: 'EulerDiscreteScheduler', beta_end: 0.012, beta_schedule: 'scaled_linear', beta_start: 0.00085, num_train_timesteps: 1000, prediction_type: 'epsilon', steps_offset: 1, timestep_spacing: 'trailing' },
  lcm: { _class_name: 'LCMScheduler', beta_end: 0.012, beta_schedule: 'scaled_linear', beta_start: 0.00085, num_train_timesteps: 1000, original_inference_steps: 50, prediction_type: 'epsilon', set_alpha_to_one: true, steps_offset: 1, timestep_spacing: 'leading' },
};

/** Writes a complete model folder in the Hugging Face ONNX layout with the stand-in networks. */
export function writeGenerateFolder(folder: string, options: FolderOptions = {}): string {
  const pipeline = options.pipeline ?? 'sd-turbo';
  const files: Record<string, Uint8Array | string> = {
    'text_encoder/model.onnx': textEncoder(options.idType),
    'unet/model.onnx': unet({ inputs: pipeline, ...options.unet }),
    'vae_decoder/model.onnx': vaeDecoder(options.vaeBatch),
    'scheduler/scheduler_config.json': JSON.stringify(SCHEDULER_CONFIGS[pipeline]),
    'tokenizer/tokenizer_config.json': JSON.stringify({ model_max_length: 77, pad_token: options.padToken ?? '!', bos_token: '<|startoftext|>', eos_token: { content: '<|endoftext|>' } }),
  };
  if (options.tokenizer === 'json') files['tokenizer/tokenizer.json'] = JSON.stringify(tokenizerJson());
  else {
    files['tokenizer/vocab.json'] = JSON.stringify(VOCAB);
    files['tokenizer/merges.txt'] = `${MERGES.join('\n')}\n`;
  }
  for (const [name, content] of Object.entries(files)) {
    if (options.omit?.includes(name)) continue;
    mkdirSync(join(folder, name, '..'), { recursive: true });
    writeFileSync(join(folder, name), content);
  }
  return folder;
}
