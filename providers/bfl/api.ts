import { z } from 'zod';

/**
 * Black Forest Labs' task API: submit to `POST /v1/{model}`, then poll the returned `polling_url`
 * (`GET /v1/get_result?id=…`). Minimal on purpose: only the fields pixmux sends or reads.
 * The saved `specs/bfl.yaml` is third-party ("best-effort generated from documentation"); these follow it and
 * BFL's own notes (black-forest-labs/skills, endpoints.md) as summarised in the reference (§8).
 * @see https://docs.bfl.ai
 */

/** The body of `POST /v1/{model}`: a pixel size (multiples of 16 or 32) or an aspect ratio, never both. */
export interface TaskBody {
  prompt: string;
  width?: number;
  height?: number;
  aspect_ratio?: string;
  seed?: number;
  output_format?: 'jpeg' | 'png' | 'webp';
  safety_tolerance?: number;
  [extra: string]: unknown;
}

/** The immediate reply. Newer endpoints add `cost` (credits) and the megapixels billed. */
export const submitSchema = z.object({
  id: z.string().min(1),
  polling_url: z.string().min(1).optional(),
  cost: z.number().nonnegative().nullish(),
});

export type Submitted = z.infer<typeof submitSchema>;

/** Exactly these strings, spaces and capitals included. Only `Pending` is still running. */
export const TASK_STATUSES = ['Pending', 'Ready', 'Error', 'Task not found', 'Request Moderated', 'Content Moderated'] as const;

export const taskResultSchema = z.object({
  id: z.string().optional(),
  status: z.enum(TASK_STATUSES),
  /** When `Ready`: `sample`, a signed URL that expires about ten minutes later. */
  result: z.object({ sample: z.string().min(1).optional() }).passthrough().nullish(),
  progress: z.number().nullish(),
  details: z.unknown().optional(),
  error: z.unknown().optional(),
});

export type TaskResult = z.infer<typeof taskResultSchema>;

/** Checked `providerOptions` fields; the rest pass through as they are. */
export const bflProviderOptionsSchema = z.object({
  /** 0 (strict) to 6 (permissive); newer endpoints stop at 5. */
  safety_tolerance: z.number().int().min(0).max(6).optional(),
  output_format: z.enum(['jpeg', 'png', 'webp']).optional(),
});
