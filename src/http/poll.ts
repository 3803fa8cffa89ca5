import { pixmuxError, toPixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import { sleep } from '../util/signals.js';

/** What one look at a job says: still running (optionally with the vendor's hint for the next look), or done. */
export type PollStep<T> = { done: true; value: T } | { done: false; retryAfterMs?: number | undefined };

export interface PollJobOptions<T> {
  /** Reads the job's state once. Throw a `PixmuxError` for a failed or cancelled job. */
  check: (signal: AbortSignal) => Promise<PollStep<T>>;
  /**
   * Cancels the job at the vendor, called once when the wait is given up (deadline, caller abort, or
   * repeated transient polling failures). Best effort: bounded by `cancelTimeoutMs`, its failure swallowed.
   * Receives a fresh signal, because the call's own signal has already aborted.
   */
  cancel?: ((signal: AbortSignal) => Promise<unknown>) | undefined;
  /** The call's signal (`ctx.signal`): aborts at the deadline or when the caller aborts. */
  signal: AbortSignal;
  /** Milliseconds left before the call's deadline (`ctx.remainingMs`); a Retry-After past it gives up at once. */
  remainingMs?: (() => number) | undefined;
  /** Delay before the first look. @default 250 */
  initialDelayMs?: number;
  /** Longest delay between looks. @default 2_000 */
  maxDelayMs?: number;
  /** Growth of the delay after each look. @default 1.5 */
  factor?: number;
  /** Longest time spent on the cancel request. @default 3_000 */
  cancelTimeoutMs?: number;
  /** Transient polling failures (429, 5xx, network) tolerated in a row before giving up. @default 3 */
  maxTransientErrors?: number;
  /** Who is polling, for error messages. */
  provider?: string | undefined;
}

/** The tunable part of polling, for a provider's `polling` option. */
export type PollSettings = Pick<PollJobOptions<unknown>, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'cancelTimeoutMs' | 'maxTransientErrors'>;

export const DEFAULT_POLL = { initialDelayMs: 250, maxDelayMs: 2_000, factor: 1.5, cancelTimeoutMs: 3_000, maxTransientErrors: 3 } as const;

/**
 * Polls an asynchronous job (a Replicate prediction, a fal queue request, a PixelAPI job) until it is done,
 * with a growing delay (250 ms → 2 s by default) inside the call's deadline. A 429 or other transient
 * failure while polling waits the vendor's Retry-After (or the next backoff step) and looks again.
 * When the signal aborts, or the job cannot be followed any longer, `cancel` is sent (best effort) and
 * the abort reason (or the polling error) is thrown, so no job keeps running and billing unobserved.
 *
 * @example
 * const output = await pollJob({
 *   signal: ctx.signal,
 *   remainingMs: ctx.remainingMs,
 *   check: async (signal) => {
 *     const job = await readJob(signal);
 *     return job.status === 'done' ? { done: true, value: job.output } : { done: false };
 *   },
 *   // Not ctx.http: its signal has already aborted when cancel runs.
 *   cancel: (signal) => ctx.cleanupHttp.post(cancelUrl, { prefixUrl: '', signal }),
 * });
 */
export async function pollJob<T>(options: PollJobOptions<T>): Promise<T> {
  const settings = { ...DEFAULT_POLL, ...definedOnly(options) };
  const { signal } = options;
  let delayMs = settings.initialDelayMs;
  let transientErrors = 0;
  for (;;) {
    let waitMs: number;
    try {
      if (signal.aborted) throw signal.reason;
      const step = await options.check(signal);
      if (step.done) return step.value;
      transientErrors = 0;
      waitMs = step.retryAfterMs ?? delayMs;
    } catch (thrown) {
      if (signal.aborted) return giveUp(options, settings.cancelTimeoutMs, signal.reason);
      const error = toPixmuxError(thrown, options.provider);
      if (!error.retryable) throw error;
      transientErrors += 1;
      if (transientErrors > settings.maxTransientErrors) return giveUp(options, settings.cancelTimeoutMs, error);
      waitMs = error.retryAfterMs ?? delayMs;
      // A vendor that asks for a wait past the deadline will not answer in time: stop now, so a fallback gets the time.
      const remaining = options.remainingMs?.();
      if (remaining !== undefined && waitMs >= remaining) return giveUp(options, settings.cancelTimeoutMs, error);
    }
    // A running job is waited for until the signal aborts (the deadline), which then cancels it.
    try {
      await sleep(waitMs, signal);
    } catch {
      return giveUp(options, settings.cancelTimeoutMs, signal.reason);
    }
    delayMs = Math.min(settings.maxDelayMs, Math.round(delayMs * settings.factor));
  }
}

/** Sends the cancel request (bounded, failure swallowed), then throws the reason the wait ended. */
async function giveUp(options: PollJobOptions<unknown>, cancelTimeoutMs: number, reason: unknown): Promise<never> {
  await cancelQuietly(options.cancel, cancelTimeoutMs);
  throw PixmuxError.isInstance(reason) ? reason : toPixmuxError(reason, options.provider);
}

/** Runs a cancel callback with its own timeout; never throws, never waits longer than `timeoutMs`. */
export async function cancelQuietly(cancel: ((signal: AbortSignal) => Promise<unknown>) | undefined, timeoutMs: number = DEFAULT_POLL.cancelTimeoutMs): Promise<void> {
  if (!cancel) return;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(pixmuxError('timeout', `cancel request took over ${timeoutMs} ms`, { retryable: false }));
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => cancel(controller.signal)).catch(() => {}), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
