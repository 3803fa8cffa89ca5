import type { VendorErrorMapper } from 'pixmux';
import { errorBodySchema } from './api.js';

/** How long to wait for a loading model when HF gives no `estimated_time`. */
export const MODEL_LOADING_WAIT_MS = 20_000;

/**
 * Hugging Face's signals on top of the default status mapping (envelope `{ error }`):
 * - 503 while a model is loading (`estimated_time` in seconds) → `provider_unavailable`, retryable after that time
 *   (the policy retries when the wait fits the retry cap and the deadline, and moves on otherwise);
 * - 402 when the monthly credits are spent → `insufficient_credits`; 401/403 → `auth`; 429 → `rate_limited`;
 *   400 and 422 → `invalid_request` (the defaults).
 * @see ../shared/reference/providers.md §10 "Billing and errors"
 */
export const mapHuggingFaceError: VendorErrorMapper = (failure) => {
  const body = errorBodySchema.safeParse(failure.body);
  const message = body.success && Array.isArray(body.data.error) ? body.data.error.join('; ') : undefined;
  const estimated = body.success ? body.data.estimated_time : undefined;
  if (failure.status === 503 && (estimated !== undefined || /loading/i.test(failure.vendorMessage ?? ''))) {
    const waitMs = estimated !== undefined && estimated >= 0 ? Math.ceil(estimated * 1000) : MODEL_LOADING_WAIT_MS;
    return { code: 'provider_unavailable', retryable: true, retryAfterMs: waitMs, ...(message ? { message } : {}) };
  }
  return message ? { message } : undefined;
};
