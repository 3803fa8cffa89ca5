import { pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import { AbortScope } from './abort-scope.js';

/**
 * One call's deadline and abort state together: an `AbortScope` that aborts with `timeout` when the time is up, or
 * with `aborted` when the caller's signal fires. `dispose` clears the timer and the caller's listener so nothing
 * outlives the call.
 */
export class Deadline extends AbortScope {
  readonly #endsAt: number;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;

  /** Milliseconds left before the deadline (0 once past it). A bound function: it is handed around as a callback. */
  readonly remainingMs = (): number => Math.max(0, this.#endsAt - Date.now());

  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    super();
    this.#endsAt = Date.now() + timeoutMs;
    this.#timer = setTimeout(() => this.abort(pixmuxError('timeout', `The call did not finish within its ${timeoutMs} ms deadline`, { retryable: false })), timeoutMs);
    this.#callerSignal = callerSignal;
    if (callerSignal?.aborted) this.abort(abortedError(callerSignal.reason));
    else if (callerSignal) {
      this.#onCallerAbort = () => this.abort(abortedError(callerSignal.reason));
      callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }
}

export function createDeadline(requestedMs: unknown, signal: unknown, fallbackMs: number): Deadline {
  // The request is validated after the deadline starts; bad values here fall back so validation can name them.
  const timeoutMs = typeof requestedMs === 'number' && requestedMs > 0 && Number.isFinite(requestedMs) ? requestedMs : fallbackMs;
  const callerSignal = typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal ? signal : undefined;
  return new Deadline(timeoutMs, callerSignal);
}

function abortedError(reason: unknown): PixmuxError {
  if (PixmuxError.isInstance(reason) && (reason.code === 'aborted' || reason.code === 'timeout')) return reason;
  const detail = reason instanceof Error && reason.message && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return pixmuxError('aborted', `The call was aborted by its signal${detail}`, { retryable: false, cause: reason instanceof Error ? reason : undefined });
}
