/**
 * A soft square mask for pasting a restored crop back: 1 inside, 0 on a border of `size × blur / 4` pixels,
 * Gaussian-blurred with σ = `size × blur / 8` (facefusion's box mask, `face_mask_blur` 0.3 by default:
 * a 38 px border and σ 19 at 512²). Values in 0..1, row-major `size × size`.
 */
export function boxMask(size: number, blur = 0.3): Float32Array {
  const amount = Math.floor(size * 0.5 * blur);
  const border = Math.max(Math.floor(amount / 2), 1);
  const sigma = amount * 0.25;
  // The mask is separable: a 1-D profile per axis, blurred once, and the outer product is the 2-D blur.
  const profile = new Float32Array(size);
  for (let i = border; i < size - border; i++) profile[i] = 1;
  const blurred = sigma > 0 ? blur1d(profile, sigma) : profile;
  const mask = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) mask[y * size + x] = blurred[y]! * blurred[x]!;
  return mask;
}

/** Gaussian blur of a 1-D signal, zero outside it (the mask's border is zero, as OpenCV's reflected border would be there). */
function blur1d(signal: Float32Array, sigma: number): Float32Array {
  const radius = Math.ceil(sigma * 3);
  const kernel = new Float32Array(radius * 2 + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] = kernel[k]! / sum;
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    let value = 0;
    for (let k = -radius; k <= radius; k++) {
      const j = i + k;
      if (j >= 0 && j < signal.length) value += signal[j]! * kernel[k + radius]!;
    }
    out[i] = value;
  }
  return out;
}
