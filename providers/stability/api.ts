import { z } from 'zod';

/**
 * The wire format of Stability's REST v2beta Stable Image endpoints. Requests are multipart/form-data
 * (even without a file); answers are the image itself (`accept: image/*`, metadata in headers) or JSON
 * with base64 (`accept: application/json`). Minimal on purpose: only the fields pixmux sends and reads.
 * @see https://platform.stability.ai/docs/api-reference
 * @see ../shared/reference/specs/stability-generate.yaml, stability-edit.yaml (third-party reconstructions)
 */
export interface GenerateForm {
  prompt: string;
  negative_prompt?: string;
  aspect_ratio?: AspectRatio;
  seed?: number;
  output_format: 'png' | 'jpeg' | 'webp';
  /** sd3 endpoint only. */
  model?: string;
  /** core/ultra only. */
  style_preset?: string;
  [extra: string]: unknown;
}

export interface RemoveBackgroundForm {
  image: Blob;
  output_format: 'png' | 'webp';
}

/** The aspect ratios the generate endpoints take. */
export const ASPECT_RATIOS = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** `finish-reason` (header) or `finish_reason` (JSON): a 200 can still be a filtered, blurred image. */
export const finishReasonSchema = z.enum(['SUCCESS', 'CONTENT_FILTERED', 'ERROR']).or(z.string());

/** The `accept: application/json` answer of generate and edit endpoints. */
export const imageJsonResponseSchema = z.object({
  image: z.string().min(1, { message: 'is empty' }),
  finish_reason: finishReasonSchema.nullish(),
  seed: z.number().nullish(),
});

export type ImageJsonResponse = z.infer<typeof imageJsonResponseSchema>;
