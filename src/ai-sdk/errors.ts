import { describeErrorBody, errorFromHttp, pixmuxError, retryAfterFromHeaders, toPixmuxError, PixmuxError, type PixmuxErrorCode } from 'pixmux';

/** The marker every AI SDK error carries (`AISDKError.isInstance` reads it), across copies of the package. */
const AI_SDK_ERROR_MARKER = Symbol.for('vercel.ai.error');

/** What pixmux reads from an AI SDK error; `APICallError` adds the HTTP fields. Read by shape, not by class. */
interface AiSdkErrorShape {
  name: string;
  message: string;
  statusCode?: unknown;
  responseHeaders?: unknown;
  responseBody?: unknown;
  data?: unknown;
  isRetryable?: unknown;
  cause?: unknown;
}

/** AI SDK error names (besides `AI_APICallError`) and the pixmux code each one means. */
const CODE_BY_NAME: Record<string, PixmuxErrorCode> = {
  AI_LoadAPIKeyError: 'auth',
  AI_LoadSettingError: 'provider_unavailable',
  AI_NoSuchModelError: 'provider_unavailable',
  AI_InvalidArgumentError: 'invalid_request',
  AI_InvalidPromptError: 'invalid_request',
  AI_UnsupportedFunctionalityError: 'unsupported',
  AI_InvalidResponseDataError: 'bad_response',
  AI_TypeValidationError: 'bad_response',
  AI_JSONParseError: 'bad_response',
  AI_EmptyResponseBodyError: 'bad_response',
  AI_NoContentGeneratedError: 'bad_response',
};

/**
 * Turns what an AI SDK image model threw into a pixmux error, through the core's factory, so the policy retries
 * and falls back as it does for a built-in provider: an `APICallError` is mapped by its status, body and
 * `Retry-After` like any HTTP failure; a network failure stays retryable; the other AI SDK errors map by name;
 * aborts and anything else go through `toPixmuxError`.
 */
export function errorFromAiSdk(error: unknown, provider: string): PixmuxError {
  if (PixmuxError.isInstance(error) || !isAiSdkError(error)) return toPixmuxError(error, provider);
  if (error.name === 'AI_APICallError') return fromApiCallError(error, provider);
  const code = CODE_BY_NAME[error.name];
  if (code) return pixmuxError(code, `${provider}: ${error.message}`, { provider, cause: error });
  return toPixmuxError(error, provider);
}

function fromApiCallError(error: AiSdkErrorShape, provider: string): PixmuxError {
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined) {
    // No response: the request never got an answer (the AI SDK marks connection failures retryable).
    return pixmuxError('provider_error', `${provider} network error: ${error.message}`, { provider, retryable: error.isRetryable === true, cause: error });
  }
  if (status >= 200 && status < 300) {
    // A 2xx the model could not parse (invalid JSON, a response its schema rejects).
    return pixmuxError('bad_response', `${provider} returned a response the AI SDK model could not read: ${error.message}`, { provider, status, cause: error });
  }
  const headers = toHeaders(error.responseHeaders);
  const body = error.data ?? parseBody(error.responseBody);
  const described = describeErrorBody(body);
  return errorFromHttp(
    { status, headers, body, vendorMessage: described.vendorMessage ?? error.message, vendorCode: described.vendorCode },
    { provider, retryAfterMs: retryAfterFromHeaders(headers) },
  );
}

function isAiSdkError(error: unknown): error is AiSdkErrorShape {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[AI_SDK_ERROR_MARKER] === true && typeof (error as Error).name === 'string';
}

function toHeaders(value: unknown): Headers {
  const headers = new Headers();
  if (typeof value !== 'object' || value === null) return headers;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') continue;
    try {
      headers.set(name, item);
    } catch {
      // A header the Fetch API would refuse: not one pixmux reads.
    }
  }
  return headers;
}

function parseBody(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Marks a pixmux error as an AI SDK error (`AISDKError.isInstance` is true) that the AI SDK must not retry:
 * pixmux has already retried each provider and fallen back within the call's deadline and budget, so a retry by
 * `generateImage` on top would run the whole policy again (up to `maxRetries + 1` times the cost and time).
 * The error stays a `PixmuxError` (`code`, `attempts`, `PixmuxError.isInstance`).
 */
export function asAiSdkError(error: PixmuxError): PixmuxError & { readonly isRetryable: false } {
  Object.defineProperty(error, AI_SDK_ERROR_MARKER, { value: true, enumerable: false });
  Object.defineProperty(error, 'isRetryable', { value: false, enumerable: false });
  return error as PixmuxError & { readonly isRetryable: false };
}
