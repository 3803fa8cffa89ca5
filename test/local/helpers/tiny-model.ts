import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

/** A dimension: a fixed size or a symbolic name (dynamic). */
type Dim = number | string;

export interface TinyNode {
  op: 'Identity' | 'Sigmoid' | 'Mul' | 'Add' | 'Softmax' | 'Neg' | 'MatMul';
  inputs: string[];
  output: string;
  /** For Softmax. */
  axis?: number;
}

export interface TinyModel {
  input: { name: string; shape: Dim[] };
  outputs: Array<{ name: string; shape: Dim[] }>;
  nodes: TinyNode[];
  /** Float constants by name: a scalar, or a filled tensor `{ dims, value }` (for MatMul). */
  constants?: Record<string, number | { dims: number[]; value: number }>;
}

function valueInfo(name: string, shape: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((dim) => (typeof dim === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: dim }) : onnx.TensorShapeProto.Dimension.create({ dimParam: dim }))),
        }),
      }),
    }),
  });
}

/** Encodes a small float32 ONNX graph (opset 13) with onnx-proto. */
export function buildTinyModel(model: TinyModel): Uint8Array {
  const initializer = Object.entries(model.constants ?? {}).map(([name, value]) => {
    if (typeof value === 'number') return onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [value] });
    const count = value.dims.reduce((product, dim) => product * dim, 1);
    const raw = new Float32Array(count).fill(value.value);
    return onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: value.dims, rawData: new Uint8Array(raw.buffer) });
  });
  const graph = onnx.GraphProto.create({
    name: 'tiny',
    node: model.nodes.map((node, index) =>
      onnx.NodeProto.create({
        name: `n${index}`,
        opType: node.op,
        input: node.inputs,
        output: [node.output],
        attribute: node.axis === undefined ? [] : [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: node.axis })],
      }),
    ),
    input: [valueInfo(model.input.name, model.input.shape)],
    output: model.outputs.map((output) => valueInfo(output.name, output.shape)),
    initializer,
  });
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'pixmux-test',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Writes a tiny model to a file and returns its path. */
export function writeTinyModel(path: string, model: TinyModel): string {
  writeFileSync(path, buildTinyModel(model));
  return path;
}

/** `output = input` with a dynamic batch dimension: the mask is the preprocessed channel itself. */
export function identityModel(size: [number, number], batch: Dim = 'N'): TinyModel {
  const [width, height] = size;
  return {
    input: { name: 'image', shape: [batch, 3, height, width] },
    outputs: [{ name: 'mask', shape: [batch, 3, height, width] }],
    nodes: [{ op: 'Identity', inputs: ['image'], output: 'mask' }],
  };
}

/** `output = sigmoid(input × gain)`, dynamic batch. */
export function sigmoidModel(size: [number, number], gain = 1): TinyModel {
  const [width, height] = size;
  return {
    input: { name: 'image', shape: ['N', 3, height, width] },
    outputs: [{ name: 'prob', shape: ['N', 3, height, width] }],
    nodes: [
      { op: 'Mul', inputs: ['image', 'gain'], output: 'scaled' },
      { op: 'Sigmoid', inputs: ['scaled'], output: 'prob' },
    ],
    constants: { gain },
  };
}

/** A deliberately slow graph (`depth` × MatMul by a width×width matrix, then Sigmoid), for pool and event-loop tests. */
export function heavyModel(size: [number, number], depth: number, batch: Dim = 'N'): TinyModel {
  const [width, height] = size;
  const nodes: TinyNode[] = [];
  let previous = 'image';
  for (let i = 0; i < depth; i++) {
    nodes.push({ op: 'MatMul', inputs: [previous, 'weights'], output: `m${i}` });
    const output = i === depth - 1 ? 'prob' : `s${i}`;
    nodes.push({ op: 'Sigmoid', inputs: [`m${i}`], output });
    previous = output;
  }
  return {
    input: { name: 'image', shape: [batch, 3, height, width] },
    outputs: [{ name: 'prob', shape: [batch, 3, height, width] }],
    nodes,
    constants: { weights: { dims: [width, width], value: 1 / width } },
  };
}
