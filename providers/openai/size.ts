import type { NormalizedGenerateRequest } from 'pixmux';

/** The sizes the gpt-image-1 family (gpt-image-1, -1-mini, -1.5) accepts. */
export const FIXED_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;

/** gpt-image-2 limits from the spec's `size` description. */
export const FREE_FORM_LIMITS = {
  /** Both sides must be multiples of this. */
  multiple: 16,
  /** Longest edge and most pixels: "the maximum supported resolution is 3840x2160". */
  maxEdge: 3840,
  maxPixels: 3840 * 2160,
  /** Aspect ratio between 1:3 and 3:1. */
  maxRatio: 3,
  /** Sizes above 2560x1440 are experimental. */
  experimentalPixels: 2560 * 1440,
} as const;

type Dimensions = { width: number; height: number };

/** How a model takes sizes: one of three fixed sizes, free-form WIDTHxHEIGHT, or unknown (sent as asked). */
export function sizeKind(model: string): 'fixed' | 'free' | 'unknown' {
  if (/^gpt-image-1(\.5|-mini)?(-|$)/.test(model)) return 'fixed';
  if (/^gpt-image-2/.test(model)) return 'free';
  return 'unknown';
}

export interface SizeChoice {
  /** The `size` field; undefined to let OpenAI choose (`auto`). */
  value?: string;
  warning?: string;
  /** Why the size cannot be honoured at all. */
  unsupported?: string;
}

/** Works out the `size` field for a model from the request's size or aspect ratio. */
export function sizeForModel(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>, model: string): SizeChoice {
  const wanted = request.size ?? (request.aspectRatio ? fromAspectRatio(request.aspectRatio) : undefined);
  if (!wanted) return {};
  const text = `${wanted.width}x${wanted.height}`;
  const asked = request.size ? `size ${text}` : `aspect ratio ${request.aspectRatio}`;
  switch (sizeKind(model)) {
    case 'fixed': {
      const nearest = nearestFixed(wanted);
      if (request.size && nearest === text) return { value: text };
      return { value: nearest, ...(request.size ? { warning: `${model} does not offer ${asked}; using ${nearest}` } : {}) };
    }
    case 'free':
      return freeForm(wanted, asked, model, Boolean(request.size));
    default:
      return { value: text };
  }
}

function freeForm(wanted: Dimensions, asked: string, model: string, exact: boolean): SizeChoice {
  const limits = FREE_FORM_LIMITS;
  const ratio = Math.max(wanted.width / wanted.height, wanted.height / wanted.width);
  if (ratio > limits.maxRatio) return { unsupported: `${model} takes aspect ratios between 1:3 and 3:1; ${asked} is outside that` };
  const width = roundTo(wanted.width, limits.multiple);
  const height = roundTo(wanted.height, limits.multiple);
  if (Math.max(width, height) > limits.maxEdge || width * height > limits.maxPixels) {
    return { unsupported: `${model} makes images up to 3840x2160; ${asked} is larger` };
  }
  const value = `${width}x${height}`;
  const warnings: string[] = [];
  if (exact && (width !== wanted.width || height !== wanted.height)) warnings.push(`${model} needs sides divisible by 16; using ${value} for ${asked}`);
  if (width * height > limits.experimentalPixels) warnings.push(`${model}: sizes above 2560x1440 are experimental`);
  return { value, ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}) };
}

function roundTo(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}

/** About one megapixel at the given ratio, sides multiples of 16. */
export function fromAspectRatio(ratio: string): Dimensions {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const scale = Math.sqrt(1_048_576 / (w * h));
  return { width: roundTo(w * scale, 16), height: roundTo(h * scale, 16) };
}

function nearestFixed(wanted: Dimensions): string {
  const ratio = Math.log(wanted.width / wanted.height);
  let best: string = FIXED_SIZES[0];
  let bestScore = Infinity;
  for (const option of FIXED_SIZES) {
    const [w, h] = option.split('x').map(Number) as [number, number];
    const score = Math.abs(Math.log(w / h) - ratio);
    if (score < bestScore) {
      bestScore = score;
      best = option;
    }
  }
  return best;
}

/** Megapixels of a `WIDTHxHEIGHT` size; 1024² when unknown or `auto`. */
export function megapixelsOf(size: string | undefined | null): number {
  const match = /^(\d+)x(\d+)$/.exec(size ?? '');
  if (!match) return (1024 * 1024) / 1_000_000;
  return (Number(match[1]) * Number(match[2])) / 1_000_000;
}
