// Types only: the public types (src/types.ts) may import these, so this file imports nothing that imports them back.

/** The options of one request: the subset of ky's that providers use, with ky's meaning. */
export interface HttpRequestOptions {
  /** Sent as a JSON body, with `content-type: application/json` unless the headers set another. */
  json?: unknown;
  /** Any fetch body (FormData, Blob, string, bytes); ignored when `json` is given. */
  body?: BodyInit | null | undefined;
  /** Merged over the client's headers; a header set to `undefined` is removed. */
  headers?: HeadersInit | Record<string, string | undefined> | undefined;
  /** Replaces the client's base URL for this request; `''` takes `input` as an absolute URL. */
  prefixUrl?: string | URL | undefined;
  /** Aborts this request; replaces the call's signal (use it for cleanup requests after the call aborted). */
  signal?: AbortSignal | undefined;
  /** Appended as the query string. */
  searchParams?: string | URLSearchParams | Record<string, string | number | boolean | undefined> | Array<[string, string]> | undefined;
  /** Milliseconds until the response headers must have arrived, retried as a `timeout`; `false` for none. @default the client's `requestTimeoutMs` */
  timeout?: number | false | undefined;
  /** Other fetch options (`redirect`, `cache`, …) pass through. */
  [fetchOption: string]: unknown;
}

/**
 * A provider's HTTP client (`ctx.http`): base URL, headers, error mapping and the call's signal already applied.
 * Each method resolves to the `Response` of a 2xx answer and throws the mapped `PixmuxError` for any other status.
 * The method names and options are ky's, so `ctx.http.post('path', { json })` reads the same as before.
 */
export interface HttpClient {
  get(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
  post(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
  put(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
  patch(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
  delete(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
  head(input: string | URL, options?: HttpRequestOptions): Promise<Response>;
}
