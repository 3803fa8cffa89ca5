import { z } from 'zod';

/**
 * Hugging Face-only options, passed per call as `providerOptions.huggingface` (or under your provider's `id`).
 * For generate, the fields go into the request's `parameters` (any other field too, as-is); for removeBackground,
 * `labels` picks the foreground segments and the rest are the segmentation task's parameters.
 * @see https://huggingface.co/docs/inference-providers/tasks/text-to-image
 * @see https://huggingface.co/docs/inference-providers/tasks/image-segmentation
 */
export interface HuggingFaceProviderOptions {
  /** Denoising steps (generate). @default the model's */
  num_inference_steps?: number;
  /** How closely to follow the prompt (generate). @default the model's */
  guidance_scale?: number;
  /** Labels of the segments to keep (removeBackground): `['person']` for a semantic segmentation model. @default every segment not labelled background */
  labels?: string[];
  /** Segment probability threshold (removeBackground). @default the model's */
  threshold?: number;
  /** Mask binarisation threshold (removeBackground). @default the model's */
  mask_threshold?: number;
  /** Mask overlap threshold (removeBackground). @default the model's */
  overlap_mask_area_threshold?: number;
  /** `semantic`, `instance` or `panoptic` (removeBackground). @default the model's */
  subtask?: 'semantic' | 'instance' | 'panoptic' | (string & {});
}

const unit = z.number().min(0).max(1);

export const generateOptionsSchema = z.object({
  num_inference_steps: z.number().int().min(1).optional(),
  guidance_scale: z.number().min(0).optional(),
});

export const segmentationOptionsSchema = z.object({
  labels: z.array(z.string()).min(1).optional(),
  threshold: unit.optional(),
  mask_threshold: unit.optional(),
  overlap_mask_area_threshold: unit.optional(),
  subtask: z.string().min(1).optional(),
});

/** Fields pixmux fills from the request; provider options cannot set them. */
export const RESERVED_FIELDS = ['inputs', 'prompt', 'width', 'height', 'negative_prompt', 'seed', 'image'] as const;
