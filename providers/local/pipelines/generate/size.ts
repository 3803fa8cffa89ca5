import { pixmuxError } from 'pixmux';

/** Image sizes the SD 1.x/2.x pipelines take: multiples of 64 (the UNet halves the 1/8-scale latents three times). */
export const GENERATE_SIZES = { step: 64, min: 64, max: 2048, default: 512 } as const;

const valid = (value: number) => Number.isInteger(value) && value % GENERATE_SIZES.step === 0 && value >= GENERATE_SIZES.min && value <= GENERATE_SIZES.max;
const clampToRange = (value: number) => Math.min(GENERATE_SIZES.max, Math.max(GENERATE_SIZES.min, value));

/** The valid sizes around `width × height`, nearest first (at most four). */
export function nearestValidSizes(width: number, height: number): string[] {
  const around = (value: number) => [...new Set([Math.floor(value / GENERATE_SIZES.step), Math.ceil(value / GENERATE_SIZES.step)].map((k) => clampToRange(k * GENERATE_SIZES.step)))];
  const candidates = around(width).flatMap((w) => around(height).map((h) => ({ w, h, distance: Math.abs(w - width) + Math.abs(h - height) })));
  return candidates.sort((a, b) => a.distance - b.distance).map(({ w, h }) => `${w}x${h}`);
}

/** A ratio `'16:9'` as width ÷ height, or undefined when it is not one. */
function ratioOf(aspectRatio: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*$/.exec(aspectRatio);
  if (!match) return undefined;
  const ratio = Number(match[1]) / Number(match[2]);
  return Number.isFinite(ratio) && ratio > 0 ? ratio : undefined;
}

/**
 * The size to generate: the request's `size` when it is valid (else `invalid_request` naming the nearest valid
 * sizes), else the `aspectRatio` at about 512² pixels rounded to multiples of 64, else 512×512.
 */
export function generateSize(size: { width: number; height: number } | undefined, aspectRatio: string | undefined, provider: string): { width: number; height: number } {
  if (size) {
    if (valid(size.width) && valid(size.height)) return size;
    throw pixmuxError(
      'invalid_request',
      `${provider}: size ${size.width}x${size.height} cannot be generated locally: width and height must be multiples of ${GENERATE_SIZES.step} from ${GENERATE_SIZES.min} to ${GENERATE_SIZES.max}; nearest valid sizes: ${nearestValidSizes(size.width, size.height).join(', ')}`,
      { provider },
    );
  }
  const ratio = aspectRatio === undefined ? undefined : ratioOf(aspectRatio);
  if (ratio === undefined) return { width: GENERATE_SIZES.default, height: GENERATE_SIZES.default };
  const area = GENERATE_SIZES.default * GENERATE_SIZES.default;
  const round = (value: number) => clampToRange(Math.round(value / GENERATE_SIZES.step) * GENERATE_SIZES.step);
  return { width: round(Math.sqrt(area * ratio)), height: round(Math.sqrt(area / ratio)) };
}
