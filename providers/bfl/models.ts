import type { NormalizedGenerateRequest } from 'pixmux';

/**
 * The current default: FLUX.2 [pro], BFL's production model (black-forest-labs/skills recommends FLUX.2 over the
 * FLUX.1 endpoints). Endpoint ids are configuration, because vendors retire models within months.
 * @see ../shared/reference/providers.md §8
 */
export const DEFAULT_BFL_MODEL = 'flux-2-pro';

/** How an endpoint takes its size. */
export type SizeRule =
  | { kind: 'pixels'; multiple: number; min: number; max: number; maxPixels: number }
  | { kind: 'ratio'; widest: string; tallest: string };

/** FLUX.2: multiples of 16, from 64 up to 4 MP in all. */
const FLUX_2: SizeRule = { kind: 'pixels', multiple: 16, min: 64, max: 4096, maxPixels: 4 * 1024 * 1024 };
/** FLUX.1 [pro], [dev] and FLUX 1.1 [pro]: multiples of 32 from 256 to 1440. */
const FLUX_1: SizeRule = { kind: 'pixels', multiple: 32, min: 256, max: 1440, maxPixels: 1440 * 1440 };
/** FLUX 1.1 [pro] Ultra: an aspect ratio between 21:9 and 9:21. */
const ULTRA: SizeRule = { kind: 'ratio', widest: '21:9', tallest: '9:21' };
/** FLUX.1 Kontext: an aspect ratio between 3:7 and 7:3. */
const KONTEXT: SizeRule = { kind: 'ratio', widest: '7:3', tallest: '3:7' };

/** The size rule of an endpoint; unknown endpoints are treated like FLUX.2. */
export function sizeRuleFor(model: string): SizeRule {
  if (model.startsWith('flux-pro-1.1-ultra')) return ULTRA;
  if (model.startsWith('flux-kontext')) return KONTEXT;
  if (model === 'flux-pro-1.1' || model === 'flux-pro' || model === 'flux-dev') return FLUX_1;
  return FLUX_2;
}

/** An endpoint id: lower-case letters, digits, dots and dashes (it becomes the path `/v1/{model}`). */
export const MODEL_ID = /^[a-z0-9][a-z0-9.-]*$/;

export interface SizeChoice {
  width?: number;
  height?: number;
  aspect_ratio?: string;
  /** Said when the request's size could not be sent as it is. */
  warning?: string;
}

/**
 * The size fields for a request under an endpoint's rule: pixels rounded to the multiple and kept inside the
 * range (about 1 MP at an aspect ratio), or an aspect ratio kept inside the endpoint's range. Nothing when the
 * request names no size (BFL's own default applies).
 */
export function sizeFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>, rule: SizeRule): SizeChoice {
  if (rule.kind === 'ratio') return ratioFor(request, rule);
  if (request.size) {
    const fitted = fitPixels(request.size.width, request.size.height, rule);
    const changed = fitted.width !== request.size.width || fitted.height !== request.size.height;
    return { ...fitted, ...(changed ? { warning: `size ${request.size.width}x${request.size.height} is not offered (multiples of ${rule.multiple}, ${rule.min}–${rule.max}); sent ${fitted.width}x${fitted.height}` } : {}) };
  }
  if (!request.aspectRatio) return {};
  const [w, h] = parseRatio(request.aspectRatio);
  const scale = Math.sqrt((1024 * 1024) / (w * h));
  return fitPixels(w * scale, h * scale, rule);
}

/** Pixels of the image a request asks for, for the estimate before the call (1 MP when it names none). */
export function requestedPixels(choice: SizeChoice): number {
  return choice.width && choice.height ? choice.width * choice.height : 1024 * 1024;
}

function fitPixels(width: number, height: number, rule: Extract<SizeRule, { kind: 'pixels' }>): { width: number; height: number } {
  const shrink = Math.min(1, Math.sqrt(rule.maxPixels / (width * height)));
  const fit = (value: number, floor: (n: number) => number) => Math.min(rule.max, Math.max(rule.min, floor((value * shrink) / rule.multiple) * rule.multiple));
  let fitted = { width: fit(width, Math.round), height: fit(height, Math.round) };
  if (fitted.width * fitted.height > rule.maxPixels) fitted = { width: fit(width, Math.floor), height: fit(height, Math.floor) };
  return fitted;
}

function ratioFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>, rule: Extract<SizeRule, { kind: 'ratio' }>): SizeChoice {
  let ratio: string;
  let warning: string | undefined;
  if (request.size) {
    ratio = reducedRatio(request.size.width, request.size.height);
    warning = `this endpoint takes an aspect ratio, not a pixel size; sent aspect_ratio ${ratio} for ${request.size.width}x${request.size.height} (BFL chooses the pixels)`;
  } else if (request.aspectRatio) {
    ratio = request.aspectRatio;
  } else {
    return {};
  }
  const value = ratioValue(ratio);
  const clamped = value > ratioValue(rule.widest) ? rule.widest : value < ratioValue(rule.tallest) ? rule.tallest : undefined;
  if (clamped) {
    warning = `aspect ratio ${ratio} is outside ${rule.widest} to ${rule.tallest}; sent ${clamped}`;
    ratio = clamped;
  }
  return { aspect_ratio: ratio, ...(warning ? { warning } : {}) };
}

function ratioValue(text: string): number {
  const [w, h] = parseRatio(text);
  return w / h;
}

function parseRatio(text: string): [number, number] {
  const [w, h] = text.split(':').map(Number) as [number, number];
  return [w, h];
}

function reducedRatio(width: number, height: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = gcd(width, height);
  return `${width / divisor}:${height / divisor}`;
}
