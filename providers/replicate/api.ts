import { z } from 'zod';

/**
 * Replicate's prediction API, as the saved copy of its official OpenAPI file describes it
 * (`components.schemas.schemas_prediction_request` / `schemas_version_prediction_request`, `predictions.get`).
 * Minimal on purpose: only the fields pixmux sends or reads.
 * @see https://replicate.com/docs/reference/http
 */

/** `POST /v1/models/{owner}/{name}/predictions` (official models, no version). */
export interface OfficialPredictionBody {
  input: Record<string, unknown>;
}

/** `POST /v1/predictions` (any model, by version id). */
export interface VersionPredictionBody {
  version: string;
  input: Record<string, unknown>;
}

/** `starting` and `processing` are still running; the rest are terminal. `aborted` is newer than the saved spec. */
export const predictionStatusSchema = z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']);

export type PredictionStatus = z.infer<typeof predictionStatusSchema>;

export const predictionSchema = z.object({
  id: z.string().min(1),
  /** `owner/name` of the model that ran. */
  model: z.string().optional(),
  status: predictionStatusSchema,
  /** A file URL, a list of them, or (for other models) anything; null until it succeeds. */
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  metrics: z.object({ predict_time: z.number().nonnegative().optional() }).partial().nullish(),
  urls: z.object({ get: z.string().url().optional(), cancel: z.string().url().optional() }).partial().nullish(),
});

export type Prediction = z.infer<typeof predictionSchema>;

export function isTerminal(status: PredictionStatus): boolean {
  return status !== 'starting' && status !== 'processing';
}
