import type { Tier } from 'pixmux';

/** Stability model ids pixmux knows; any `sd3*` id goes to the sd3 endpoint too. */
export type StabilityModel = 'core' | 'ultra' | 'sd3.5-large' | 'sd3.5-large-turbo' | 'sd3.5-medium' | (string & {});

/**
 * Stable Image Core: Stability's cheapest general model (3 credits), fast, about 1.5 MP.
 * Ultra (8 credits) is their best; set `model: 'ultra'` for it.
 */
export const DEFAULT_STABILITY_MODEL = 'core';

/** The model id reported for background removal (one endpoint, no model choice). */
export const REMOVE_BACKGROUND_MODEL = 'remove-background';

/** The path (relative to the base URL) that serves a generate model, or undefined for an unknown id. */
export function generatePath(model: string): string | undefined {
  if (model === 'core' || model === 'ultra') return `v2beta/stable-image/generate/${model}`;
  if (/^sd3/.test(model)) return 'v2beta/stable-image/generate/sd3';
  return undefined;
}

/** Models that ignore `negative_prompt` (per the docs). */
export function ignoresNegativePrompt(model: string): boolean {
  return /turbo/.test(model);
}

/**
 * The tier a Stability provider sits in when `tier` is not set, from its default model.
 * Ultra and SD3.5 Large ($0.065–0.08) are premium. Core ($0.03) is cheap: it is priced nearer the cheap
 * APIs ($0.003–0.02) than the premium ones ($0.06–0.19), and the same provider's background removal
 * ($0.05) costs less per image than remove.bg's, itself tiered cheap.
 */
export function defaultTier(model: string): Tier {
  return model === 'ultra' || model === 'sd3.5-large' ? 'premium' : 'cheap';
}
