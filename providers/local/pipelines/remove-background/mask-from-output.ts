import type { ResolvedPreset } from './presets.js';

/** A model output as plain data: float values and `[N, C, H, W]` (or `[N, H, W]`) dims. */
export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * Turns item `item` of a segmentation output into an 8-bit mask at the output's own resolution:
 * pick the channel, apply the activation, normalise (min-max or clip), scale to 0–255.
 */
export function maskFromOutput(output: OutputTensor, item: number, spec: ResolvedPreset['output']): { mask: Uint8Array; width: number; height: number } {
  const dims = output.dims;
  if (dims.length < 3 || dims.length > 4) throw new RangeError(`expected a [N, C, H, W] or [N, H, W] output, got [${dims.join(', ')}]`);
  const channels = dims.length === 4 ? dims[1]! : 1;
  const height = dims[dims.length - 2]!;
  const width = dims[dims.length - 1]!;
  const plane = width * height;
  if (spec.channel >= channels) throw new RangeError(`output channel ${spec.channel} does not exist: the output has ${channels} channel(s)`);
  const itemBase = item * channels * plane;
  const values = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let value = output.data[itemBase + spec.channel * plane + p]!;
    if (spec.activation === 'sigmoid') value = 1 / (1 + Math.exp(-value));
    else if (spec.activation === 'softmax') {
      let max = -Infinity;
      for (let c = 0; c < channels; c++) max = Math.max(max, output.data[itemBase + c * plane + p]!);
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += Math.exp(output.data[itemBase + c * plane + p]! - max);
      value = Math.exp(value - max) / sum;
    }
    values[p] = Number.isFinite(value) ? value : 0;
  }
  let low = 0;
  let range = 1;
  if (spec.normalize === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < plane; p++) {
      if (values[p]! < min) min = values[p]!;
      if (values[p]! > max) max = values[p]!;
    }
    low = min;
    range = max - min > 1e-12 ? max - min : 1;
  }
  const mask = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    const unit = Math.min(1, Math.max(0, (values[p]! - low) / range));
    mask[p] = Math.round(unit * 255);
  }
  return { mask, width, height };
}
