import { z } from 'zod';

/**
 * PixelAPI's job API as its docs and official JS SDK (`prakash-in21/pixelapi-js`) describe it; no OpenAPI file
 * exists. Minimal on purpose: only the fields pixmux sends or reads.
 * @see https://pixelapi.dev/docs
 */

/** `POST /v1/image/generate`. */
export interface GenerateBody {
  prompt: string;
  model: string;
  width?: number;
  height?: number;
  negative_prompt?: string;
  seed?: number;
  [extra: string]: unknown;
}

/** `POST /v1/image/remove-background`, `POST /v1/image/restore-face`: the SDK's `imageUrl`, snake-cased. */
export interface ImageBody {
  image_url: string;
  [extra: string]: unknown;
}

/**
 * A job, as every endpoint returns it and `GET /v1/image/{id}` reports it. The docs name the id `generation_id`,
 * the SDK also reads `id`. Statuses are `pending`, `processing`, `completed`, `failed`.
 */
export const jobSchema = z
  .object({
    generation_id: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    status: z.string().min(1).optional(),
    output_url: z.string().min(1).nullish(),
    credits_used: z.number().nonnegative().nullish(),
    error: z.unknown().optional(),
  })
  .refine((job) => Boolean(job.generation_id ?? job.id), { message: 'has no generation_id' });

export type Job = z.infer<typeof jobSchema>;

export type JobState = 'running' | 'completed' | 'failed';

/** Unknown statuses count as still running (no spec pins the list); the deadline bounds the wait. */
export function jobState(job: Job): JobState {
  const status = (job.status ?? 'pending').toLowerCase();
  if (status === 'completed' || status === 'succeeded' || status === 'success') return 'completed';
  if (status === 'failed' || status === 'error' || status === 'canceled' || status === 'cancelled') return 'failed';
  return 'running';
}

export function jobId(job: Job): string {
  return (job.generation_id ?? job.id)!;
}
