import { z } from 'zod';

/**
 * fal's queue protocol and the output of its image models. Minimal on purpose: only the fields pixmux reads.
 * The saved `specs/fal.yaml` is third-party; these follow fal's own docs as summarised in the reference (§6).
 * @see https://docs.fal.ai/model-endpoints/queue
 */

/** Reply to `POST https://queue.fal.run/{model_id}`: use the URLs it returns. */
export const queueSubmitSchema = z.object({
  request_id: z.string().min(1),
  status_url: z.string().url().optional(),
  response_url: z.string().url().optional(),
  cancel_url: z.string().url().optional(),
  queue_position: z.number().optional(),
});

export type QueueSubmit = z.infer<typeof queueSubmitSchema>;

/** `GET …/requests/{id}/status`. `FAILED` and `CANCELED` appear in the third-party spec only. */
export const queueStatusSchema = z.object({
  status: z.enum(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED']),
  queue_position: z.number().nullish(),
  error: z.unknown().optional(),
});

export type QueueStatus = z.infer<typeof queueStatusSchema>;

export const falFileSchema = z.object({
  url: z.string().min(1),
  content_type: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
});

export type FalFile = z.infer<typeof falFileSchema>;

/** Text-to-image models answer `{ images: [...] }`, image-to-image models `{ image: {...} }`. */
export const imageResultSchema = z
  .object({
    images: z.array(falFileSchema).optional(),
    image: falFileSchema.optional(),
    has_nsfw_concepts: z.array(z.boolean()).optional(),
    seed: z.number().optional(),
  })
  .refine((result) => Boolean(result.image || (result.images && result.images.length > 0)), { message: 'holds no image' });

export type ImageResult = z.infer<typeof imageResultSchema>;

/** Any JSON: a result is first checked for an error body, then read as an image result. */
export const anyJsonSchema = z.unknown();
