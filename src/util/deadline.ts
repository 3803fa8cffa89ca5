import { pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';

/** One call's deadline and abort signal together. `dispose` clears the timer so nothing outlives the call. */
export interface Deadline {
  signal: AbortSignal;
  remainingMs(): number;
  dispose(): void;
}

export function createDeadline(requestedMs: unknown, signal: unknown, fallbackMs: number): Deadline {
  // The request is validated after the deadline starts; bad values here fall back so validation can name them.
  const timeoutMs = typeof requestedMs === 'number' && requestedMs > 0 && Number.isFinite(requestedMs) ? requestedMs : fallbackMs;
  const callerSignal = typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal ? signal : undefined;
  const controller = new AbortController();
  unboundListeners(controller.signal);
  const endsAt = Date.now() + timeoutMs;
  const timer = setTimeout(() => controller.abort(pixmuxError('timeout', `The call did not finish within its ${timeoutMs} ms deadline`, { retryable: false })), timeoutMs);
  const onCallerAbort = () => controller.abort(abortedError(callerSignal!.reason));
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    remainingMs: () => Math.max(0, endsAt - Date.now()),
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

function abortedError(reason: unknown): PixmuxError {
  if (PixmuxError.isInstance(reason) && (reason.code === 'aborted' || reason.code === 'timeout')) return reason;
  const detail = reason instanceof Error && reason.message && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return pixmuxError('aborted', `The call was aborted by its signal${detail}`, { retryable: false, cause: reason instanceof Error ? reason : undefined });
}

/** Node's `events` module where the runtime has one (Node ≥ 20.16 exposes it without an import; edge runtimes do not). */
const nodeEvents = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:events') as
  | { setMaxListeners?: (n: number, ...targets: EventTarget[]) => void }
  | undefined;

/**
 * A call's signal is listened to by every chunk of a split `n`, every try and every request in flight at once: its
 * listener count is bounded by the call's own shape, not a leak, so Node's leak warning (at 10) is lifted for it.
 */
function unboundListeners(signal: AbortSignal): void {
  nodeEvents?.setMaxListeners?.(0, signal);
}
