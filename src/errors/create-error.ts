import { isRetryableCode, isRetryableStatus, type PixmuxErrorCode } from './codes.js';
import { PixmuxError, type PixmuxErrorOptions } from './pixmux-error.js';
import { redact } from './redact.js';
import type { HttpFailure, VendorErrorMapper } from './http-failure.js';

/** Creates a pixmux error. The message is scrubbed of credentials; `retryable` defaults from the code. */
export function pixmuxError(code: PixmuxErrorCode, message: string, options: Omit<PixmuxErrorOptions, 'code' | 'message'> = {}): PixmuxError {
  return new PixmuxError({
    ...options,
    code,
    message: redact(message),
    retryable: options.retryable ?? isRetryableCode(code),
    cause: options.cause === undefined ? undefined : scrubCause(options.cause),
  });
}

export type { HttpFailure, VendorErrorMapper } from './http-failure.js';

/**
 * The one table from HTTP status (plus the common vendor signals) to a pixmux code.
 * Providers refine it with a `mapError` for their own signals.
 */
export function codeForHttpFailure(failure: HttpFailure): PixmuxErrorCode {
  const { status } = failure;
  const vendor = `${failure.vendorCode ?? ''} ${failure.vendorMessage ?? ''}`.toLowerCase();
  const clientError = status >= 400 && status < 500;
  if (clientError && /insufficient_quota|insufficient.credits|exhausted balance|out of credits|billing/.test(vendor)) return 'insufficient_credits';
  if (clientError && /moderation|content[_ ]?policy|safety|nsfw|content_filtered/.test(vendor)) return 'content_policy';
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'insufficient_credits';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (isRetryableStatus(status)) return 'provider_error';
  if (status === 404) return 'provider_unavailable';
  if (status === 413) return 'image_too_large';
  return 'invalid_request';
}

export interface ErrorFromHttpOptions {
  provider: string;
  mapError?: VendorErrorMapper | undefined;
  /** The delay the response asked for, already parsed (see `retryAfterFromHeaders`). */
  retryAfterMs?: number | undefined;
}

/** Turns a failed HTTP response into a `PixmuxError`. */
export function errorFromHttp(failure: HttpFailure, options: ErrorFromHttpOptions): PixmuxError {
  const mapped = options.mapError?.(failure);
  const code = mapped?.code ?? codeForHttpFailure(failure);
  const detail = mapped?.message ?? failure.vendorMessage ?? (typeof failure.body === 'string' ? failure.body.slice(0, 300) : undefined);
  const message = `${options.provider} returned HTTP ${failure.status}${detail ? `: ${detail}` : ''}`;
  const retryable = mapped?.retryable ?? (code === 'timeout' || code === 'rate_limited' || (code === 'provider_error' && isRetryableStatus(failure.status)));
  return pixmuxError(code, message, {
    provider: options.provider,
    status: failure.status,
    retryable,
    retryAfterMs: mapped?.retryAfterMs ?? options.retryAfterMs,
    vendorCode: failure.vendorCode,
  });
}

/** Pulls the message and code out of the error envelopes vendors commonly use. */
export function describeErrorBody(body: unknown): { vendorMessage: string | undefined; vendorCode: string | undefined } {
  if (typeof body === 'string') return { vendorMessage: body.trim().slice(0, 500) || undefined, vendorCode: undefined };
  if (!body || typeof body !== 'object') return { vendorMessage: undefined, vendorCode: undefined };
  const record = body as Record<string, unknown>;
  const nested = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const firstError = Array.isArray(record.errors) ? record.errors[0] : undefined;
  const messageCandidates = [
    nested?.message,
    typeof record.error === 'string' ? record.error : undefined,
    record.message,
    record.detail,
    Array.isArray(record.detail) ? (record.detail[0] as Record<string, unknown> | undefined)?.msg : undefined,
    typeof firstError === 'string' ? firstError : (firstError as Record<string, unknown> | undefined)?.title ?? (firstError as Record<string, unknown> | undefined)?.message,
    record.title,
  ];
  const codeCandidates = [nested?.code, nested?.type, record.code, record.type, record.name, (firstError as Record<string, unknown> | undefined)?.code];
  const vendorMessage = messageCandidates.find((item): item is string => typeof item === 'string' && item.length > 0);
  const vendorCode = codeCandidates.find((item): item is string => typeof item === 'string' && item.length > 0);
  return { vendorMessage: vendorMessage?.slice(0, 500), vendorCode };
}

/**
 * Turns anything thrown into a `PixmuxError`: pixmux errors pass through, aborts and timeouts
 * become `aborted`/`timeout`, network failures become retryable `provider_error`s.
 */
export function toPixmuxError(error: unknown, provider?: string): PixmuxError {
  if (PixmuxError.isInstance(error)) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'TimeoutError') return pixmuxError('timeout', `${provider ?? 'request'} timed out: ${message}`, { provider, retryable: true, cause: error });
  if (name === 'AbortError') return pixmuxError('aborted', 'The call was aborted', { provider, cause: error });
  if (error instanceof TypeError || /ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|socket|network|fetch failed|terminated/i.test(message)) {
    return pixmuxError('provider_error', `${provider ?? 'request'} network error: ${message}`, { provider, retryable: true, cause: error });
  }
  return pixmuxError('provider_error', `${provider ?? 'provider'} failed: ${message}`, { provider, retryable: false, cause: error });
}

/** A cause is kept as a plain Error with a redacted message, so no request, header or key rides along. */
function scrubCause(cause: unknown): unknown {
  if (PixmuxError.isInstance(cause)) return cause;
  if (cause instanceof Error) {
    const copy = new Error(redact(cause.message));
    copy.name = cause.name;
    const inner = (cause as { cause?: unknown }).cause;
    if (inner instanceof Error) (copy as { cause?: unknown }).cause = scrubCause(inner);
    return copy;
  }
  return typeof cause === 'string' ? redact(cause) : undefined;
}
