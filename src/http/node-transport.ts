// Provider requests through Node's own `http`/`https` clients. On Node, `fetch` (undici) spends several times the
// CPU of `http.request` on each small request: its WHATWG streams, `Request`/`Response`/`Headers` objects and signal
// plumbing. A provider call is one JSON request and one buffered answer, so pixmux sends it here when it can and
// hands back a `BufferedResponse`; anything unusual (a provider's own fetch, a streamed or form body, fetch-only
// options, a proxy or mock dispatcher installed for fetch) still goes through fetch. Loaded through
// `process.getBuiltinModule`, so the core imports nothing from Node and stays edge-safe.
import { concatBytes } from '../util/concat-bytes.js';
import { BufferedResponse } from './buffered-response.js';
import { describeUrl } from './urls.js';

type NodeHttp = typeof import('node:http');
type NodeZlib = typeof import('node:zlib');
type IncomingMessage = import('node:http').IncomingMessage;

/** What one request needs; the caller has already merged headers and serialised the body. */
export interface NodeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Largest successful body; more fails with `onTooLarge()` and closes the connection. */
  maxBytes: number;
  onTooLarge: () => Error;
  /** Largest error body kept (the rest is dropped with the connection): error messages need only the start. */
  maxErrorBytes: number;
  /** Registers the call's abort; returns the function that stops listening. */
  onAbort: ((listener: (reason: unknown) => void) => () => void) | undefined;
  /** Milliseconds until the response headers must arrive, or undefined for no timer of its own. */
  timeoutMs: number | undefined;
  onTimeout: () => Error;
}

const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** fetch's own limit. */
const MAX_REDIRECTS = 20;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Headers that describe a request body, dropped when a redirect turns the request into a GET (fetch's rule). */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** What fetch sends unless told otherwise, so that a server sees the same request whichever transport sent it. */
const FETCH_DEFAULT_HEADERS: Record<string, string> = { accept: '*/*', 'accept-encoding': 'gzip, deflate', 'user-agent': 'node' };
/** Headers that never follow a redirect to another origin (fetch's rule). */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

let envProxy: boolean | undefined;
let http: NodeHttp | undefined;
let https: NodeHttp | undefined;
let zlib: NodeZlib | undefined;

/**
 * Whether requests can go through Node's clients rather than fetch: the runtime is Node (or offers its modules), and
 * fetch has no dispatcher of its own beyond undici's default `Agent` — a `ProxyAgent`, `EnvHttpProxyAgent` or
 * `MockAgent` set with `setGlobalDispatcher` means the application routes its traffic through fetch, so pixmux does
 * too. Asked per request: a dispatcher can be installed at any time.
 */
export function nodeTransportAvailable(): boolean {
  if (getBuiltin === undefined || (envProxy ??= proxiedByEnvironment())) return false;
  const dispatcher = (globalThis as Record<symbol, unknown>)[DISPATCHER];
  return dispatcher === undefined || (dispatcher as { constructor?: { name?: string } }).constructor?.name === 'Agent';
}

/**
 * Whether Node was asked to route fetch through the proxy in `HTTP_PROXY`/`HTTPS_PROXY` (`NODE_USE_ENV_PROXY=1` or
 * `--use-env-proxy`, Node 22.21+ and 24): then pixmux leaves every request to fetch, as the application expects.
 */
function proxiedByEnvironment(): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; execArgv?: string[] } }).process;
  const env = proc?.env ?? {};
  const asked = env.NODE_USE_ENV_PROXY === '1' || env.NODE_USE_ENV_PROXY === 'true' || (proc?.execArgv ?? []).includes('--use-env-proxy');
  return asked && Boolean(env.HTTP_PROXY || env.HTTPS_PROXY || env.http_proxy || env.https_proxy);
}

/** Sends one request (following redirects as fetch would) and resolves with its buffered response. */
export function sendWithNode(request: NodeRequest): Promise<Response> {
  return send(request, request.url, request.method, request.headers, request.body, 0, false) as Promise<unknown> as Promise<Response>;
}

/**
 * One hop. `retried` marks the one resend of a request whose kept-alive connection the server had closed while it
 * sat idle (the request never reached it: Node's documented race, which fetch reports as a failure).
 */
function send(
  request: NodeRequest,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  redirects: number,
  retried: boolean,
): Promise<BufferedResponse> {
  return new Promise<BufferedResponse>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopAbort: (() => void) | undefined;
    const cleanUp = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      stopAbort?.();
    };
    const fail = (error: unknown) => {
      if (settled) return;
      cleanUp();
      outgoing.destroy();
      reject(error);
    };
    let answered = false;
    const onResponse = (incoming: IncomingMessage) => {
      answered = true;
      // A connection dropped mid-body is an 'error' on the response too: always heard, whatever is read next.
      incoming.on('error', (error) => fail(networkError(error)));
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      const status = incoming.statusCode ?? 0;
      const location = incoming.headers.location;
      if (REDIRECT_STATUSES.has(status) && typeof location === 'string') {
        incoming.resume();
        cleanUp();
        const next = redirectTarget(url, location, redirects);
        if (next instanceof Error) {
          reject(next);
          return;
        }
        const follow = redirected(url, next, status, method, headers, body);
        resolve(send(request, next, follow.method, follow.headers, follow.body, redirects + 1, false));
        return;
      }
      readBody(incoming, status, method, request, fail, (bytes) => {
        if (settled) return;
        cleanUp();
        resolve(new BufferedResponse(status, incoming.statusMessage ?? '', incoming.rawHeaders, bytes, url, redirects > 0));
      });
    };

    let outgoing: import('node:http').ClientRequest;
    try {
      const client = url.startsWith('https:') ? (https ??= getBuiltin!('node:https') as NodeHttp) : (http ??= getBuiltin!('node:http') as NodeHttp);
      const sent = { ...FETCH_DEFAULT_HEADERS, ...headers };
      if (body !== undefined) sent['content-length'] = String(byteLength(body));
      outgoing = client.request(url, { method, headers: sent }, onResponse);
    } catch (error) {
      reject(networkError(error));
      return;
    }
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!settled && !answered && !retried && outgoing.reusedSocket && error.code === 'ECONNRESET') {
        cleanUp();
        resolve(send(request, url, method, headers, body, redirects, true));
        return;
      }
      fail(networkError(error));
    });
    if (request.onAbort) {
      stopAbort = request.onAbort((reason) => fail(reason));
      if (settled) return;
    }
    if (request.timeoutMs !== undefined) timer = setTimeout(() => fail(request.onTimeout()), request.timeoutMs);
    outgoing.end(body);
  });
}

/** Reads the whole body, decompressed when the server compressed it anyway; a 2xx body is capped, an error body cut. */
function readBody(incoming: IncomingMessage, status: number, method: string, request: NodeRequest, fail: (error: unknown) => void, done: (bytes: Uint8Array | null) => void): void {
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
    incoming.resume();
    incoming.on('end', () => done(null));
    return;
  }
  const ok = status >= 200 && status <= 299;
  const limit = ok ? request.maxBytes : request.maxErrorBytes;
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (ok && declared > limit) {
    fail(request.onTooLarge());
    return;
  }
  const source = decoded(incoming);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    done(concatBytes(chunks, total));
  };
  source.on('data', (chunk: Uint8Array) => {
    if (ended) return;
    if (total + chunk.byteLength > limit) {
      if (ok) {
        fail(request.onTooLarge());
        return;
      }
      // An error body past the cap: keep its start, drop the rest with the connection.
      chunks.push(chunk.subarray(0, limit - total));
      total = limit;
      finish();
      incoming.destroy();
      return;
    }
    chunks.push(chunk);
    total += chunk.byteLength;
  });
  source.on('end', finish);
  source.on('error', (error: unknown) => fail(networkError(error)));
  incoming.on('close', () => {
    if (!ended && !incoming.complete) fail(networkError(new Error('terminated: the connection closed before the response ended')));
  });
}

/** The body stream, through zlib when the server sent `content-encoding` although none was asked for. */
function decoded(incoming: IncomingMessage): NodeJS.ReadableStream {
  const encoding = incoming.headers['content-encoding']?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return incoming;
  zlib ??= getBuiltin!('node:zlib') as NodeZlib;
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!inflate) return incoming;
  incoming.on('error', (error) => inflate.destroy(error));
  return incoming.pipe(inflate);
}

function redirectTarget(from: string, location: string, redirects: number): string | Error {
  if (redirects >= MAX_REDIRECTS) return new TypeError(`redirect count exceeded (${MAX_REDIRECTS}) at ${describeUrl(from)}`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return new TypeError(`a redirect to an invalid URL from ${describeUrl(from)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return new TypeError(`a redirect to a ${next.protocol} URL from ${describeUrl(from)}`);
  return next.href;
}

/** The next hop's method, headers and body, by fetch's rules. */
function redirected(from: string, to: string, status: number, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined) {
  let nextHeaders = headers;
  let nextMethod = method;
  let nextBody = body;
  if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    nextMethod = 'GET';
    nextBody = undefined;
    nextHeaders = { ...nextHeaders };
    for (const name of BODY_HEADERS) delete nextHeaders[name];
  }
  if (new URL(from).origin !== new URL(to).origin) {
    if (nextHeaders === headers) nextHeaders = { ...nextHeaders };
    for (const name of CREDENTIAL_HEADERS) delete nextHeaders[name];
  }
  return { method: nextMethod, headers: nextHeaders, body: nextBody };
}

/** A failure of the connection, as fetch reports it: a `TypeError` (the core reads it as a retryable network error). */
function networkError(error: unknown): TypeError {
  if (error instanceof TypeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TypeError(message, { cause: error });
}

/** Node's own count of the bytes `end()` will write (UTF-8 for a string). */
function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}
