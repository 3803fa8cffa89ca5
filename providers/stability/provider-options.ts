import { z } from 'zod';

/**
 * Stability-only options, passed per call as `providerOptions.stability` (or under your provider's `id`).
 * Field names are Stability's own; any other field is sent as a form field as-is.
 */
export interface StabilityProviderOptions {
  /** A style for core and ultra: `photographic`, `anime`, `digital-art`, `cinematic`, … Ignored with a warning on sd3. */
  style_preset?: string;
}

export const stabilityProviderOptionsSchema = z.object({
  style_preset: z.string().min(1).optional(),
});

/** Fields pixmux fills from the request; provider options cannot override them. */
export const RESERVED_FIELDS = ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'model', 'image'] as const;
