import type { ResolvedPreset } from './presets.js';

/**
 * Writes interleaved 8-bit RGB pixels (already resized to the preset's size) into a float32 CHW plane set,
 * at `offset` inside `target`: `(pixel × scale − mean[c]) / std[c]`, channels in the preset's order.
 */
export function tensorizeInto(rgb: Uint8Array, preset: ResolvedPreset, target: Float32Array, offset: number): void {
  const [width, height] = preset.size;
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new RangeError(`expected ${plane * 3} RGB bytes for ${width}×${height}, got ${rgb.length}`);
  let scale: number;
  if (preset.scale === 'max') {
    let max = 0;
    for (let i = 0; i < rgb.length; i++) if (rgb[i]! > max) max = rgb[i]!;
    scale = 1 / Math.max(max, 1e-6);
  } else {
    scale = preset.scale;
  }
  // Source channel for each tensor channel: RGB keeps 0,1,2; BGR reads 2,1,0.
  const order = preset.colorOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const source = order[c]!;
    const mean = preset.mean[c]!;
    const inverseStd = 1 / preset.std[c]!;
    const base = offset + c * plane;
    for (let p = 0; p < plane; p++) target[base + p] = (rgb[p * 3 + source]! * scale - mean) * inverseStd;
  }
}

/** Stacks several same-size images into one `[N, 3, height, width]` tensor buffer. */
export function tensorizeBatch(images: Uint8Array[], preset: ResolvedPreset): Float32Array {
  const [width, height] = preset.size;
  const perImage = 3 * width * height;
  const data = new Float32Array(perImage * images.length);
  images.forEach((rgb, index) => tensorizeInto(rgb, preset, data, index * perImage));
  return data;
}
