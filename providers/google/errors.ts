import { codeForHttpFailure, type PixmuxErrorCode, type VendorErrorMapper } from 'pixmux';
import { googleErrorSchema } from './api.js';

/**
 * google.rpc statuses, mapped by `error.status` and never by message text (Google's messages change, are localised,
 * and can echo the key).
 * - FAILED_PRECONDITION is account-side at Google ("enable billing", "location not supported"), not bad input: the
 *   provider cannot serve, so the next one is asked.
 * - DEADLINE_EXCEEDED is the vendor's own timeout: retried as a `timeout`.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 * @see https://cloud.google.com/apis/design/errors
 */
const STATUS_CODES: Record<string, PixmuxErrorCode> = {
  INVALID_ARGUMENT: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  ALREADY_EXISTS: 'invalid_request',
  FAILED_PRECONDITION: 'provider_unavailable',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  RESOURCE_EXHAUSTED: 'rate_limited',
  NOT_FOUND: 'provider_unavailable',
  UNIMPLEMENTED: 'provider_unavailable',
  UNAVAILABLE: 'provider_error',
  INTERNAL: 'provider_error',
  UNKNOWN: 'provider_error',
  ABORTED: 'provider_error',
  DATA_LOSS: 'provider_error',
  CANCELLED: 'provider_error',
  DEADLINE_EXCEEDED: 'timeout',
};

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The error mapper of both Google providers. `scrub` removes credentials the provider knows of that the client's
 * redaction cannot (per-request OAuth tokens) from the vendor's message.
 */
export function googleErrorMapper(scrub: (text: string) => string = (text) => text): VendorErrorMapper {
  return (failure) => {
    const parsed = googleErrorSchema.safeParse(failure.body);
    const error = parsed.success ? parsed.data.error : undefined;
    const status = error?.status ?? undefined;
    // Prepaid Gemini accounts whose credit ran out get HTTP 402 (whatever the status says).
    const code: PixmuxErrorCode =
      failure.status === 402 ? 'insufficient_credits' : ((status ? STATUS_CODES[status] : undefined) ?? codeForHttpFailure({ ...failure, vendorMessage: undefined, vendorCode: undefined }));
    const text = error?.message ? scrub(error.message) : undefined;
    const message = status ? `${status}${text ? `: ${text}` : ''}` : text;
    const retryAfterMs = code === 'rate_limited' ? retryDelayOf(error?.details ?? undefined) : undefined;
    return { code, ...(message ? { message } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  };
}

/** `google.rpc.RetryInfo.retryDelay`, a protobuf Duration in JSON (`"23s"`, `"0.5s"`), in milliseconds. */
function retryDelayOf(details: Array<{ '@type'?: string | null; retryDelay?: string | null }> | undefined): number | undefined {
  const delay = details?.find((detail) => detail['@type'] === RETRY_INFO)?.retryDelay;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(delay?.trim() ?? '');
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}
