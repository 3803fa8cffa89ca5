import { retryAfterFromHeaders, type VendorErrorMapper } from 'pixmux';

/**
 * OpenAI's own error signals on top of the default status mapping:
 * - 400 `moderation_blocked` (the safety system) → `content_policy`;
 * - 429 `insufficient_quota` / `billing_hard_limit_reached` → `insufficient_credits` (billing, not a rate limit);
 * - 429 rate limits → the reset time of the limit that ran out (`x-ratelimit-reset-requests` or `-tokens`).
 * @see ../shared/reference/providers.md §2 "Errors and limits"
 */
export const mapOpenAIError: VendorErrorMapper = (failure) => {
  const code = failure.vendorCode ?? '';
  if (code === 'moderation_blocked' || /safety system/i.test(failure.vendorMessage ?? '')) return { code: 'content_policy' };
  if (code === 'insufficient_quota' || code === 'billing_hard_limit_reached') return { code: 'insufficient_credits' };
  if (failure.status === 429) return { code: 'rate_limited', retryAfterMs: rateLimitWait(failure.headers) };
  return undefined;
};

/** Retry-After when given; otherwise the reset of whichever limit (requests or tokens) is exhausted, else the later one. */
function rateLimitWait(headers: Headers): number | undefined {
  if (headers.has('retry-after') || headers.has('retry-after-ms')) return retryAfterFromHeaders(headers);
  const waits: number[] = [];
  for (const kind of ['requests', 'tokens']) {
    const reset = headers.get(`x-ratelimit-reset-${kind}`);
    if (reset === null) continue;
    const wait = retryAfterFromHeaders(new Headers({ 'x-ratelimit-reset': reset }));
    if (wait === undefined) continue;
    if (headers.get(`x-ratelimit-remaining-${kind}`) === '0') return wait;
    waits.push(wait);
  }
  return waits.length > 0 ? Math.max(...waits) : undefined;
}
