import type { Affine } from './affine.js';
import { cropBoundsInImage } from './affine.js';
import { sampleBilinear, type Pixels } from './warp.js';

export interface PasteBackInput {
  /** The photo, interleaved 8-bit RGBA; changed in place (alpha untouched). */
  image: Uint8Array;
  width: number;
  height: number;
  /** The restored crop: interleaved RGB floats 0..255, `size × size`. */
  crop: Float32Array;
  /** The soft mask of the crop, 0..1, `size × size`. */
  mask: Float32Array;
  size: number;
  /** Photo → crop (the alignment transform). */
  imageToCrop: Affine;
  /** Crop → photo (its inverse). */
  cropToImage: Affine;
  /** How much of the restored face replaces the original, 0..1. */
  blend: number;
}

/**
 * Puts a restored crop back into the photo through the inverse alignment, only over the crop's bounding box:
 * `out = photo × (1 − m) + crop × m` with `m = mask × blend`, both sampled bilinearly at the photo pixel's place in the crop.
 */
export function pasteBack(input: PasteBackInput): void {
  const { image, width, crop, mask, size, imageToCrop, blend } = input;
  const [x1, y1, x2, y2] = cropBoundsInImage(input.cropToImage, size, width, input.height);
  const cropPixels: Pixels = { data: crop, width: size, height: size, channels: 3 };
  const maskPixels: Pixels = { data: mask, width: size, height: size, channels: 1 };
  const rgb = new Float32Array(3);
  const m = new Float32Array(1);
  const [a, b, c, d, e, f] = imageToCrop;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const u = a * x + b * y + c;
      const v = d * x + e * y + f;
      if (u < 0 || v < 0 || u > size - 1 || v > size - 1) continue;
      sampleBilinear(maskPixels, u, v, m, 0);
      const weight = m[0]! * blend;
      if (weight <= 0) continue;
      sampleBilinear(cropPixels, u, v, rgb, 0);
      const i = (y * width + x) * 4;
      for (let k = 0; k < 3; k++) image[i + k] = Math.round(image[i + k]! * (1 - weight) + rgb[k]! * weight);
    }
  }
}
