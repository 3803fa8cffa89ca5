import { z } from 'zod';

/**
 * The wire format of Hugging Face's `hf-inference` backend behind the Inference Providers router, as the official
 * `@huggingface/inference` client sends it: `POST {router}/hf-inference/models/{model}` with a JSON body.
 * Minimal on purpose: only the fields pixmux sends and reads.
 * @see https://huggingface.co/docs/inference-providers/tasks/text-to-image
 * @see https://huggingface.co/docs/inference-providers/tasks/image-segmentation
 */
export interface TextToImageBody {
  inputs: string;
  parameters?: {
    width?: number;
    height?: number;
    negative_prompt?: string;
    seed?: number;
    num_inference_steps?: number;
    guidance_scale?: number;
    [extra: string]: unknown;
  };
}

/** Image segmentation: the image as base64 in `inputs` (what the official client's `imageSegmentation` sends). */
export interface ImageSegmentationBody {
  inputs: string;
  parameters?: Record<string, unknown>;
}

/** One segment of the answer: a label, a score (some models give none) and the mask as a base64 PNG. */
export const segmentSchema = z.object({
  label: z.string(),
  score: z.number().nullish(),
  mask: z.string().min(1, { message: 'is empty' }),
});

export const segmentationResponseSchema = z.array(segmentSchema);

export type Segment = z.infer<typeof segmentSchema>;

/**
 * The JSON forms some text-to-image models answer in instead of raw bytes (the official client reads both):
 * OpenAI-style base64, or a list of result URLs.
 */
export const textToImageJsonSchema = z.union([
  z.object({ data: z.array(z.object({ b64_json: z.string().min(1, { message: 'is empty' }) })).min(1) }),
  z.object({ output: z.array(z.string().min(1)).min(1) }),
]);

/** Any JSON, read first to tell an error envelope from a result. */
export const anyJsonSchema = z.unknown();

/** The error envelope: `{ error }`, plus `estimated_time` (seconds) while a model is loading (503). */
export const errorBodySchema = z.object({
  error: z.union([z.string(), z.array(z.string())]).optional(),
  estimated_time: z.number().optional(),
});
