import { pixmuxError, type PixmuxError, type VendorErrorMapper } from 'pixmux';
import type { Prediction } from './api.js';

/**
 * Replicate's own error signals on top of the shared status table:
 * - 429 carries no Retry-After; the wait is in the text: `{"detail":"Request was throttled. Your rate limit resets in ~30s."}`.
 * - 422 "Invalid version or not permitted" means the model (version) is gone or not ours: `provider_unavailable`,
 *   so the call falls over to the next provider instead of stopping as an invalid request.
 */
export const mapReplicateError: VendorErrorMapper = (failure) => {
  const text = `${failure.vendorMessage ?? ''} ${typeof failure.body === 'object' && failure.body ? String((failure.body as { title?: unknown }).title ?? '') : ''}`;
  if (failure.status === 429) {
    const retryAfterMs = waitFromThrottleText(text);
    return retryAfterMs === undefined ? undefined : { retryAfterMs };
  }
  if (failure.status === 422 && /invalid version|not permitted|does not exist/i.test(text)) return { code: 'provider_unavailable' };
  return undefined;
};

/** "resets in ~30s", "resets in 2 minutes", "in ~1m" → milliseconds. */
export function waitFromThrottleText(text: string): number | undefined {
  const match = /resets? in ~?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit === 'ms' || unit.startsWith('milli')) return Math.round(value);
  if (unit === 'm' || unit.startsWith('min')) return Math.round(value * 60_000);
  return Math.round(value * 1000);
}

const SAFETY = /nsfw|safety|sensitive|content (?:policy|moderation)|flagged/i;
const TRANSIENT = /please retry|try again|interrupted|out of memory/i;

/** The typed error for a prediction that ended without output: failed, canceled or aborted at the vendor. */
export function predictionError(prediction: Prediction, provider: string): PixmuxError {
  const detail = typeof prediction.error === 'string' ? prediction.error : prediction.error ? JSON.stringify(prediction.error).slice(0, 300) : '';
  if (prediction.status === 'failed') {
    if (SAFETY.test(detail)) return pixmuxError('content_policy', `${provider}: the model's safety checker rejected the request (${detail})`, { provider, vendorCode: 'failed' });
    return pixmuxError('provider_error', `${provider}: prediction ${prediction.id} failed${detail ? `: ${detail}` : ''}`, { provider, retryable: TRANSIENT.test(detail), vendorCode: 'failed' });
  }
  return pixmuxError('provider_error', `${provider}: prediction ${prediction.id} was ${prediction.status} at the vendor${detail ? `: ${detail}` : ''}`, { provider, retryable: false, vendorCode: prediction.status });
}
