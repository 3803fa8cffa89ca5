import { pixmuxError, type PixmuxError, type VendorErrorMapper } from 'pixmux';

/**
 * fal's own error signals on top of the shared status table:
 * - 422 with `detail[].type === 'content_policy_violation'` is a safety rejection.
 * - 403 "User is locked. Reason: Exhausted balance" is out of credits (the shared table already reads the text).
 */
export const mapFalError: VendorErrorMapper = (failure) => {
  if (isContentPolicy(failure.body)) return { code: 'content_policy', message: detailMessage(failure.body) ?? 'content_policy_violation' };
  return undefined;
};

function detailItems(body: unknown): Array<Record<string, unknown>> {
  const detail = body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined;
  return Array.isArray(detail) ? detail.filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object') : [];
}

export function isContentPolicy(body: unknown): boolean {
  return detailItems(body).some((item) => item.type === 'content_policy_violation');
}

function detailMessage(body: unknown): string | undefined {
  const detail = body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined;
  if (typeof detail === 'string') return detail;
  const first = detailItems(body)[0];
  return typeof first?.msg === 'string' ? first.msg : undefined;
}

/**
 * A result that carries an error instead of output (fal: "COMPLETED can still carry an error"), or undefined
 * when the body is not an error.
 */
export function resultError(body: unknown, provider: string): PixmuxError | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  if (record.detail === undefined && record.error === undefined) return undefined;
  if (record.images !== undefined || record.image !== undefined) return undefined;
  if (isContentPolicy(body)) return pixmuxError('content_policy', `${provider}: ${detailMessage(body) ?? 'the request was rejected by the safety checker'}`, { provider, vendorCode: 'content_policy_violation' });
  const message = detailMessage(body) ?? (typeof record.error === 'string' ? record.error : JSON.stringify(record.error ?? record.detail).slice(0, 300));
  return pixmuxError('provider_error', `${provider}: the request completed with an error: ${message}`, { provider, retryable: false });
}

/** A request that ended as FAILED or CANCELED in the queue. */
export function queueError(status: string, error: unknown, requestId: string, provider: string): PixmuxError {
  const detail = typeof error === 'string' ? `: ${error}` : '';
  return pixmuxError('provider_error', `${provider}: request ${requestId} ended as ${status}${detail}`, { provider, retryable: false, vendorCode: status });
}
