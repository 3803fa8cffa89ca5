/**
 * Every failure pixmux reports has one of these codes.
 *
 * - `invalid_request`: the request failed validation (the message names the field).
 * - `invalid_image`: an input image could not be read or recognised.
 * - `image_too_large`: an input image is over the byte or pixel limit.
 * - `unsupported`: no provider can run this operation or request.
 * - `auth`: the provider rejected the credentials (401/403), or none were configured.
 * - `insufficient_credits`: the account is out of credits or quota (402, OpenAI's `insufficient_quota`).
 * - `rate_limited`: the provider asked to slow down (429).
 * - `content_policy`: the provider's safety system rejected the prompt or the image.
 * - `provider_unavailable`: the provider cannot run at all right now (missing package, model or endpoint).
 * - `provider_error`: the provider failed (5xx, network error, failed job).
 * - `bad_response`: the provider answered with something pixmux cannot use.
 * - `timeout`: the call's deadline passed, or one request timed out.
 * - `aborted`: the caller's `signal` aborted the call.
 * - `budget_exceeded`: every candidate would break a cost limit.
 * - `all_failed`: every candidate provider failed; `attempts` holds each failure.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_image',
  'image_too_large',
  'unsupported',
  'auth',
  'insufficient_credits',
  'rate_limited',
  'content_policy',
  'provider_unavailable',
  'provider_error',
  'bad_response',
  'timeout',
  'aborted',
  'budget_exceeded',
  'all_failed',
] as const;

export type PixmuxErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one place that decides which codes are worth retrying at the same provider.
 * `timeout` is retryable only when it is a single request's timeout, not the call's deadline,
 * so the factory sets `retryable` explicitly for it.
 */
const RETRYABLE_CODES: ReadonlySet<PixmuxErrorCode> = new Set(['rate_limited', 'provider_error', 'timeout']);

export function isRetryableCode(code: PixmuxErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

/** HTTP statuses retried at the same provider: request timeout, conflict, too early, rate limit, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}
