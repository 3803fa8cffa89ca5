import ky, { type KyInstance } from 'ky';
import { describeErrorBody, errorFromHttp, type VendorErrorMapper } from '../errors/create-error.js';
import { retryAfterFromHeaders } from './retry-after.js';

export interface HttpClientOptions {
  provider: string;
  /** Requests take paths relative to this (no leading slash): `http.post('images/generations')`. */
  baseURL?: string | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
  mapError?: VendorErrorMapper | undefined;
  /** @default 120_000 */
  requestTimeoutMs?: number | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/**
 * A ky instance for one provider. ky's own retries are off (pixmux retries across the whole call);
 * a non-2xx response throws a `PixmuxError` built by the one error factory.
 */
export function createHttpClient(options: HttpClientOptions): KyInstance {
  return ky.create({
    ...(options.baseURL ? { prefixUrl: options.baseURL } : {}),
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    retry: 0,
    timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    throwHttpErrors: false,
    hooks: {
      afterResponse: [
        async (_request, _options, response) => {
          if (response.ok) return;
          throw await errorFromResponse(response, options.provider, options.mapError);
        },
      ],
    },
  });
}

/** Builds the `PixmuxError` for a failed response. Exported for providers that use plain `fetch`. */
export async function errorFromResponse(response: Response, provider: string, mapError?: VendorErrorMapper) {
  const body = await readErrorBody(response);
  return errorFromHttp(
    { status: response.status, headers: response.headers, body, ...describeErrorBody(body) },
    { provider, mapError, retryAfterMs: retryAfterFromHeaders(response.headers) },
  );
}

async function readErrorBody(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 2000);
  }
}
