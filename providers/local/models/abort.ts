import { PixmuxError, pixmuxError } from 'pixmux';

/** The error to throw when the caller's signal aborted: its own PixmuxError reason (a deadline), else `aborted`. */
export function abortError(signal: AbortSignal, what: string): PixmuxError {
  const reason: unknown = signal.reason;
  if (PixmuxError.isInstance(reason)) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return pixmuxError('timeout', `local: ${what} timed out`, { provider: 'local', retryable: false, cause: reason });
  return pixmuxError('aborted', `local: ${what} was aborted`, { provider: 'local', cause: reason instanceof Error ? reason : undefined });
}

/** Throws the abort error when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/** A file-system failure as a typed error: the cache cannot be used, so the local provider is unavailable. */
export function fileSystemError(error: unknown, action: string, path: string): PixmuxError {
  if (PixmuxError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return pixmuxError('provider_unavailable', `local: cannot ${action} ${path}: ${message}`, { provider: 'local', cause: error });
}

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, …), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}
