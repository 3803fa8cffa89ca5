/**
 * IEEE 754 half precision, for models whose inputs or outputs are float16: onnxruntime-node hands float16 tensors as
 * `Uint16Array` bit patterns (onnxruntime-common `tensor-impl-type-mapping.ts`), so values are converted here.
 */
const buffer = new ArrayBuffer(4);
const asFloat = new Float32Array(buffer);
const asBits = new Uint32Array(buffer);

/** float32 → float16 bits, rounding to nearest even; overflow gives ±Infinity, NaN stays NaN. */
export function toHalf(value: number): number {
  asFloat[0] = value;
  const bits = asBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (remainder > midpoint || (remainder === midpoint && (half & 1)) ? half + 1 : half);
  }
  const half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // Rounding may carry into the exponent, which is still the right result (up to Infinity).
  return sign | (remainder > 0x1000 || (remainder === 0x1000 && (half & 1)) ? half + 1 : half);
}

/** float16 bits → number. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function toHalfArray(values: Float32Array): Uint16Array {
  const result = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) result[i] = toHalf(values[i]!);
  return result;
}

export function fromHalfArray(bits: Uint16Array): Float32Array {
  const result = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) result[i] = fromHalf(bits[i]!);
  return result;
}
