import type { VendorErrorMapper } from 'pixmux';

/**
 * A 429 locks the client out for about 60 seconds and comes without Retry-After (secondary sources;
 * not in the docs), so without a header the wait is 60 s: the policy moves on rather than hammer.
 */
export const STABILITY_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * Stability's own error signals on top of the default status mapping (envelope `{ id, name, errors: [] }`):
 * - 403 `content_moderation` → `content_policy` (not billed);
 * - 402 `payment_required` → `insufficient_credits`;
 * - 429 → `rate_limited`, waiting Retry-After when present, else 60 s.
 * @see ../shared/reference/providers.md §4 "Errors and limits"
 */
export const mapStabilityError: VendorErrorMapper = (failure) => {
  const name = failure.vendorCode ?? '';
  if (name === 'content_moderation') return { code: 'content_policy' };
  if (failure.status === 402 || name === 'payment_required') return { code: 'insufficient_credits' };
  if (failure.status === 429) {
    const hinted = failure.headers.has('retry-after') || failure.headers.has('x-ratelimit-reset') || failure.headers.has('ratelimit-reset');
    return { code: 'rate_limited', ...(hinted ? {} : { retryAfterMs: STABILITY_RATE_LIMIT_WAIT_MS }) };
  }
  return undefined;
};
