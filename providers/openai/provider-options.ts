import { z } from 'zod';

/**
 * OpenAI-only options, passed per call as `providerOptions.openai` (or under your provider's `id`).
 * Field names are OpenAI's own.
 *
 * @example
 * await px.generate({ prompt: 'a sticker of a fox', providerOptions: { openai: { background: 'transparent', quality: 'medium' } } });
 */
export interface OpenAIProviderOptions {
  /** Render quality; drives the price. `auto` lets OpenAI choose (priced as `high` before the call). @default 'auto' */
  quality?: 'low' | 'medium' | 'high' | 'auto';
  /** `transparent` needs `format: 'png'` or `'webp'`. @default 'auto' */
  background?: 'transparent' | 'opaque' | 'auto';
  /** `low` filters less strictly. @default 'auto' */
  moderation?: 'low' | 'auto';
  /** 0–100, for `jpeg` and `webp` output. @default 100 */
  output_compression?: number;
  /** Your end user's id, for OpenAI's abuse monitoring. */
  user?: string;
}

export const openaiProviderOptionsSchema = z.object({
  quality: z.enum(['low', 'medium', 'high', 'auto']).optional(),
  background: z.enum(['transparent', 'opaque', 'auto']).optional(),
  moderation: z.enum(['low', 'auto']).optional(),
  output_compression: z.number().int().min(0).max(100).optional(),
  user: z.string().min(1).optional(),
});

/** Fields pixmux sets itself from the request; a provider option cannot override them. */
export const RESERVED_FIELDS = ['model', 'prompt', 'n', 'size', 'output_format', 'response_format', 'stream', 'partial_images'] as const;
