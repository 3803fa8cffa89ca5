import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;

function valueInfo(name: string, elemType: number, shape: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({ dim: shape.map((dimValue) => onnx.TensorShapeProto.Dimension.create({ dimValue })) }),
      }),
    }),
  });
}

interface Node {
  op: 'Identity' | 'Add' | 'Mul' | 'Cast';
  inputs: string[];
  output: string;
  /** For Cast: the target element type. */
  to?: number;
}

function encode(inputs: ReturnType<typeof valueInfo>[], nodes: Node[], output: ReturnType<typeof valueInfo>, constants: Record<string, number> = {}): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'face-stand-in',
    node: nodes.map((node, index) =>
      onnx.NodeProto.create({
        name: `n${index}`,
        opType: node.op,
        input: node.inputs,
        output: [node.output],
        attribute: node.to === undefined ? [] : [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: node.to })],
      }),
    ),
    input: inputs,
    output: [output],
    initializer: Object.entries(constants).map(([name, value]) => onnx.TensorProto.create({ name, dataType: FLOAT, dims: [], floatData: [value] })),
  });
  const model = onnx.ModelProto.create({ irVersion: 7, producerName: 'pixmux-test', opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })], graph });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A stand-in face restorer with GFPGAN's I/O: `input` float32 [1,3,size,size] in [−1, 1] → `output` = input + `add`
 * (0: identity; 0.4 brightens by about 51 levels).
 */
export function writeRestorer(path: string, add = 0, size = 512): string {
  const shape = [1, 3, size, size];
  const nodes: Node[] = add === 0 ? [{ op: 'Identity', inputs: ['input'], output: 'output' }] : [{ op: 'Add', inputs: ['input', 'bias'], output: 'output' }];
  writeFileSync(path, encode([valueInfo('input', FLOAT, shape)], nodes, valueInfo('output', FLOAT, shape), add === 0 ? {} : { bias: add }));
  return path;
}

/** A stand-in with CodeFormer's I/O: `input` float32 [1,3,size,size] and `weight` float64 [1] → `output` = input × float(weight). */
export function writeWeightedRestorer(path: string, size = 512): string {
  const shape = [1, 3, size, size];
  const nodes: Node[] = [
    { op: 'Cast', inputs: ['weight'], output: 'w', to: FLOAT },
    { op: 'Mul', inputs: ['input', 'w'], output: 'output' },
  ];
  writeFileSync(path, encode([valueInfo('input', FLOAT, shape), valueInfo('weight', DOUBLE, [1])], nodes, valueInfo('output', FLOAT, shape)));
  return path;
}
