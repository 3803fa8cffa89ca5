import { z } from 'zod';

/**
 * Clipdrop-only options, passed per call as `providerOptions.clipdrop` (or under your provider's `id`).
 * @see https://clipdrop.co/apis/docs/remove-background
 */
export interface ClipdropProviderOptions {
  /**
   * removeBackground, for an input that already has transparency: `return_input_if_non_opaque` returns it as it is,
   * `discard_alpha_layer` drops its alpha first. @default 'return_input_if_non_opaque'
   */
  transparency_handling?: 'return_input_if_non_opaque' | 'discard_alpha_layer';
}

export const removeBackgroundOptionsSchema = z.object({
  transparency_handling: z.enum(['return_input_if_non_opaque', 'discard_alpha_layer']).optional(),
});

/** Text-to-image takes nothing but the prompt. */
export const generateOptionsSchema = z.object({});

/** Fields pixmux fills from the request; provider options cannot set them. */
export const RESERVED_FIELDS = ['prompt', 'image_file'] as const;
