import type { Affine } from './affine.js';

/** An interleaved pixel buffer: `channels` values per pixel, row by row. */
export interface Pixels {
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Bilinear sample of every channel at `(x, y)` into `out` at `offset`, with the border replicated
 * (coordinates outside the image read the nearest edge pixel, as OpenCV's `BORDER_REPLICATE`).
 */
export function sampleBilinear(src: Pixels, x: number, y: number, out: Float32Array, offset: number): void {
  const { data, width, height, channels } = src;
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const i00 = (y0 * width + x0) * channels;
  const i01 = (y0 * width + x1) * channels;
  const i10 = (y1 * width + x0) * channels;
  const i11 = (y1 * width + x1) * channels;
  for (let c = 0; c < channels; c++) {
    const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * wx;
    const bottom = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * wx;
    out[offset + c] = top + (bottom - top) * wy;
  }
}

/**
 * Warps `src` into a new `width × height` image: each output pixel `(u, v)` reads `src` at `outputToSource(u, v)`,
 * bilinearly, border replicated. With `samples` > 1 each output pixel averages `samples × samples` bilinear reads
 * spread over its footprint, so shrinking does not alias (the role of OpenCV's INTER_AREA). Returns float values
 * (same units as the source).
 */
export function warpAffine(src: Pixels, outputToSource: Affine, width: number, height: number, samples = 1): Float32Array {
  const channels = src.channels;
  const out = new Float32Array(width * height * channels);
  const [a, b, c, d, e, f] = outputToSource;
  if (samples <= 1) {
    for (let v = 0; v < height; v++) {
      for (let u = 0; u < width; u++) sampleBilinear(src, a * u + b * v + c, d * u + e * v + f, out, (v * width + u) * channels);
    }
    return out;
  }
  const n = Math.floor(samples);
  const offsets = Array.from({ length: n }, (_, i) => (i + 0.5) / n - 0.5);
  const one = new Float32Array(channels);
  const weight = 1 / (n * n);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const base = (v * width + u) * channels;
      for (const dv of offsets) {
        for (const du of offsets) {
          const x = u + du;
          const y = v + dv;
          sampleBilinear(src, a * x + b * y + c, d * x + e * y + f, one, 0);
          for (let k = 0; k < channels; k++) out[base + k]! += one[k]! * weight;
        }
      }
    }
  }
  return out;
}

/** Supersampling for a warp: source pixels per output pixel (the transform's scale), rounded up, 1..`max`. */
export function samplesFor(outputToSource: Affine, max = 4): number {
  const scale = Math.hypot(outputToSource[0], outputToSource[3]);
  return Math.min(max, Math.max(1, Math.ceil(scale - 1e-6)));
}
