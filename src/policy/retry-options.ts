/** How pixmux retries one provider before moving on. */
export interface RetryOptions {
  /** Retries after the first try, for retryable failures (408, 409, 425, 429, 5xx, network errors, request timeouts). @default 2 */
  retries?: number;
  /** First backoff delay. @default 500 */
  minDelayMs?: number;
  /** Largest backoff delay. @default 8_000 */
  maxDelayMs?: number;
  /** Backoff growth per retry. @default 2 */
  factor?: number;
  /** Random spread of each backoff delay, as a fraction (0.25 = ±25 %). @default 0.25 */
  jitter?: number;
  /** Longest wait honoured from a provider's Retry-After; a longer ask moves on to the next provider instead. @default 60_000 */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  retries: 2,
  minDelayMs: 500,
  maxDelayMs: 8_000,
  factor: 2,
  jitter: 0.25,
  maxRetryAfterMs: 60_000,
};

/**
 * The delay before retry number `retry` (1-based): the provider's own hint when it gave one
 * (up to the cap), otherwise exponential backoff with jitter. Returns undefined when the hint is over the cap.
 */
export function retryDelay(retry: number, hintMs: number | undefined, options: Required<RetryOptions>, random = Math.random): number | undefined {
  if (hintMs !== undefined) return hintMs <= options.maxRetryAfterMs ? hintMs : undefined;
  const base = Math.min(options.maxDelayMs, options.minDelayMs * options.factor ** (retry - 1));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
