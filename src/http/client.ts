import { describeErrorBody, errorFromHttp, pixmuxError, type VendorErrorMapper } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import { DEFAULT_IMAGE_LIMITS, MAX_ERROR_BODY_BYTES } from '../image/limits.js';
import { capResponse, readTextCapped } from './body-cap.js';
import { nodeTransportAvailable, sendWithNode } from './node-transport.js';
import { retryAfterFromHeaders } from './retry-after.js';
import { describeUrl } from './urls.js';
import type { HttpClient, HttpRequestOptions } from './types.js';

export type { HttpClient, HttpRequestOptions } from './types.js';

export interface HttpClientOptions {
  provider: string;
  /** Requests take paths relative to this (no leading slash): `http.post('images/generations')`. */
  baseURL?: string | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
  mapError?: VendorErrorMapper | undefined;
  /** @default 120_000 */
  requestTimeoutMs?: number | undefined;
  /** Largest successful body read (JSON or image); more is a `bad_response` and the connection is closed. @default 64 MB */
  maxResponseBytes?: number | undefined;
  /** How requests are sent: see `HttpTransport`. @default 'auto' */
  transport?: HttpTransport | undefined;
}

/**
 * `'auto'`: on Node, through `node:http`/`node:https` (keep-alive, Node's global agents) whenever the request is a
 * plain one — no `fetch` of the provider's own, a JSON, text or bytes body, no fetch-only options, and no proxy or
 * mock dispatcher installed for fetch — and through `fetch` otherwise. `'fetch'`: always through `fetch`.
 */
export type HttpTransport = 'auto' | 'fetch';

/** The client the core keeps per provider; `withSignal` makes the per-try view handed to the provider. */
export interface ProviderHttpClient extends HttpClient {
  /**
   * The same client with the call's signal applied to every request that does not bring its own. `remainingMs`
   * (the call's time left) lets it skip the per-request timer when the call's deadline comes first anyway.
   */
  withSignal(signal: AbortSignal | SignalSource, remainingMs?: () => number): HttpClient;
}

/** Something that hands out an `AbortSignal` when asked (the core's call scope makes its signal on first use). */
export interface SignalSource {
  readonly signal: AbortSignal;
  /** Runs `listener` once on abort (at once if aborted) and returns the function that stops listening: no signal is made. */
  onAbort?(listener: (reason: unknown) => void): () => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** Options that are ours, not fetch's; everything else in a request's options passes through to fetch. */
const OWN_OPTIONS = new Set(['json', 'body', 'headers', 'prefixUrl', 'signal', 'searchParams', 'timeout', 'method']);

/** The resolved, per-client part of every request: computed once, shared by every view. */
interface ClientConfig {
  provider: string;
  prefix: string;
  headers: Record<string, string>;
  /** `headers` with `content-type: application/json` added, for JSON bodies. */
  jsonHeaders: Record<string, string>;
  fetch: typeof fetch | undefined;
  mapError: VendorErrorMapper | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Whether plain requests may go through Node's clients (`transport: 'auto'` and no fetch of the provider's own). */
  nodeTransport: boolean;
}

/**
 * A thin client for one provider. No retries of its own (pixmux retries across the whole call), no response clones,
 * no per-try instance: a request is one send with the merged headers and, only when the request timeout would end
 * before the call's deadline, one timer. On Node a plain request goes through `node:http`/`node:https`
 * (`node-transport.ts`) and its answer comes back buffered; anything else, or `transport: 'fetch'`, or a `fetch` of
 * the provider's own, goes through fetch. A non-2xx response throws a `PixmuxError` built by the one error factory.
 */
export function createHttpClient(options: HttpClientOptions): ProviderHttpClient {
  const headers = lowerCaseKeys(options.headers);
  const config: ClientConfig = {
    provider: options.provider,
    prefix: options.baseURL ? withTrailingSlash(options.baseURL) : '',
    headers,
    jsonHeaders: withJsonType(headers),
    fetch: options.fetch,
    mapError: options.mapError,
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_IMAGE_LIMITS.maxResponseBytes,
    nodeTransport: options.fetch === undefined && options.transport !== 'fetch',
  };
  const client = new HttpView(config, undefined, undefined) as HttpView & ProviderHttpClient;
  client.withSignal = (signal, remainingMs) => new HttpView(config, signal, remainingMs);
  return client;
}

/** One view of a client: the shared config plus, for a try, the call's signal. Methods live on the prototype. */
class HttpView implements HttpClient {
  constructor(
    private readonly config: ClientConfig,
    private readonly source: AbortSignal | SignalSource | undefined,
    private readonly remainingMs: (() => number) | undefined,
  ) {}

  /** The call's signal, asked for only when a request is sent. */
  private get signal(): AbortSignal | undefined {
    const source = this.source;
    return source === undefined || isAbortSignal(source) ? source : source.signal;
  }

  get(input: string | URL, options?: HttpRequestOptions) {
    return this.send('GET', input, options);
  }
  post(input: string | URL, options?: HttpRequestOptions) {
    return this.send('POST', input, options);
  }
  put(input: string | URL, options?: HttpRequestOptions) {
    return this.send('PUT', input, options);
  }
  patch(input: string | URL, options?: HttpRequestOptions) {
    return this.send('PATCH', input, options);
  }
  delete(input: string | URL, options?: HttpRequestOptions) {
    return this.send('DELETE', input, options);
  }
  head(input: string | URL, options?: HttpRequestOptions) {
    return this.send('HEAD', input, options);
  }

  private async send(method: string, input: string | URL, options: HttpRequestOptions = {}): Promise<Response> {
    const { config } = this;
    const url = requestUrl(input, options.prefixUrl === undefined ? config.prefix : options.prefixUrl ? withTrailingSlash(String(options.prefixUrl)) : '', options.searchParams);
    const json = options.json !== undefined;
    const init: RequestInit & Record<string, unknown> = {
      method,
      headers: options.headers === undefined ? (json ? config.jsonHeaders : config.headers) : mergeHeaders(config.headers, options.headers, json),
    };
    let plain = config.nodeTransport && (url.startsWith('https://') || url.startsWith('http://'));
    for (const key in options) {
      if (OWN_OPTIONS.has(key)) continue;
      init[key] = options[key];
      plain = false;
    }
    if (json) init.body = JSON.stringify(options.json);
    else if (options.body !== undefined && options.body !== null) init.body = options.body;

    const timeoutMs = options.timeout === undefined ? config.timeoutMs : options.timeout;
    // The timer only matters when it would fire before the call's own deadline; usually it would not, so no
    // controller, timer or linked signal is made and fetch gets the call's signal as it is.
    const needsTimer = timeoutMs !== false && !(options.signal === undefined && this.remainingMs !== undefined && timeoutMs >= this.remainingMs());

    const body = init.body;
    if (plain && (body === undefined || typeof body === 'string' || body instanceof Uint8Array) && nodeTransportAvailable()) {
      const response = await sendWithNode({
        method,
        url,
        headers: init.headers as Record<string, string>,
        body,
        maxBytes: config.maxResponseBytes,
        onTooLarge: () => tooLarge(config),
        maxErrorBytes: MAX_ERROR_BODY_BYTES,
        onAbort: abortHook(options.signal, this.source),
        timeoutMs: needsTimer ? timeoutMs : undefined,
        onTimeout: () => timeoutError(config.provider, method, url, timeoutMs as number),
      });
      if (!response.ok) throw await errorFromResponse(response, config.provider, config.mapError);
      return response;
    }

    const outer = options.signal ?? this.signal;
    if (!needsTimer) {
      if (outer) init.signal = outer;
      return this.check(await fetchWith(config, url, init));
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError(config.provider, method, url, timeoutMs)), timeoutMs);
    init.signal = outer ? anySignal(outer, controller.signal) : controller.signal;
    let response: Response;
    try {
      response = await fetchWith(config, url, init);
    } finally {
      clearTimeout(timer);
    }
    return this.check(response);
  }

  private async check(response: Response): Promise<Response> {
    if (!response.ok) throw await errorFromResponse(response, this.config.provider, this.config.mapError);
    const { maxResponseBytes, provider } = this.config;
    // A declared length within the cap is enforced by fetch itself; only an undeclared (chunked) or larger body is
    // read through the counting stream, which fails and closes the connection once past the cap.
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared <= maxResponseBytes || response.body === null) return response;
    return capResponse(response, maxResponseBytes, () => tooLarge(this.config, response.status));
  }
}

function tooLarge(config: ClientConfig, status = 200): PixmuxError {
  const { provider, maxResponseBytes } = config;
  return pixmuxError('bad_response', `${provider} returned a body over the ${maxResponseBytes}-byte limit (limits.maxResponseBytes)`, { provider, status });
}

/** The request's abort as a listener registration: the request's own signal, else the call's scope (no signal made). */
function abortHook(signal: AbortSignal | undefined, source: AbortSignal | SignalSource | undefined): ((listener: (reason: unknown) => void) => () => void) | undefined {
  const target = signal ?? source;
  if (target === undefined) return undefined;
  if (!isAbortSignal(target)) {
    if (target.onAbort) return (listener) => target.onAbort!(listener);
    return signalHook(target.signal);
  }
  return signalHook(target);
}

function signalHook(signal: AbortSignal): (listener: (reason: unknown) => void) => () => void {
  return (listener) => {
    if (signal.aborted) {
      listener(signal.reason);
      return noop;
    }
    const onAbort = () => listener(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  };
}

function noop() {}

function isAbortSignal(value: AbortSignal | SignalSource): value is AbortSignal {
  return typeof AbortSignal !== 'undefined' && value instanceof AbortSignal;
}

/** `globalThis.fetch` is looked up at each request, so a fetch patched after the client was made (msw) is used. */
function fetchWith(config: ClientConfig, url: string, init: RequestInit): Promise<Response> {
  return config.fetch ? config.fetch(url, init) : fetch(url, init);
}

function timeoutError(provider: string, method: string, url: string, timeoutMs: number): PixmuxError {
  return pixmuxError('timeout', `${provider} timed out: ${method} ${describeUrl(url)} got no response within ${timeoutMs} ms`, { provider, retryable: true });
}

/** One signal for two: `AbortSignal.any` where the runtime has it, a listener pair otherwise. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const source of [a, b]) {
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', onAbort, { once: true, signal: controller.signal });
  }
  return controller.signal;
}

function requestUrl(input: string | URL, prefix: string, searchParams: HttpRequestOptions['searchParams']): string {
  let url: string;
  if (prefix && typeof input === 'string') {
    if (input.startsWith('/')) throw pixmuxError('provider_error', '`input` must not begin with a slash when using `prefixUrl`', { retryable: false });
    url = prefix + input;
  } else {
    url = String(input);
  }
  if (searchParams === undefined) return url;
  const query =
    typeof searchParams === 'string'
      ? searchParams.replace(/^\?/, '')
      : new URLSearchParams(
          Array.isArray(searchParams) || searchParams instanceof URLSearchParams
            ? searchParams
            : Object.entries(searchParams).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)] as [string, string]])),
        ).toString();
  if (query === '') return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const question = base.indexOf('?');
  return `${question === -1 ? base : base.slice(0, question)}?${query}${fragment}`;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value !== undefined && value !== null) out[key.toLowerCase()] = String(value);
  }
  return out;
}

function withJsonType(headers: Record<string, string>): Record<string, string> {
  return headers['content-type'] === undefined ? { ...headers, 'content-type': 'application/json' } : headers;
}

/** The client's headers with the request's over them; names compared case-insensitively, `undefined` removes. */
function mergeHeaders(base: Record<string, string>, extra: NonNullable<HttpRequestOptions['headers']>, json: boolean): Record<string, string> {
  const out: Record<string, string> = { ...base };
  const set = (key: string, value: string | undefined) => {
    const name = key.toLowerCase();
    if (value === undefined) delete out[name];
    else out[name] = String(value);
  };
  if (typeof Headers !== 'undefined' && extra instanceof Headers) extra.forEach((value, key) => set(key, value));
  else if (Array.isArray(extra)) for (const [key, value] of extra) set(key as string, value as string);
  else for (const key of Object.keys(extra)) set(key, (extra as Record<string, string | undefined>)[key]);
  return json ? withJsonType(out) : out;
}

/** Builds the `PixmuxError` for a failed response, reading at most 1 MB of its body. Exported for providers that use plain `fetch`. */
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
    ({ text } = await readTextCapped(response, MAX_ERROR_BODY_BYTES));
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
