import { pixmuxError, toPixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import { linkSignals } from '../util/signals.js';
import { readAllCapped } from './body-cap.js';
import { guardedFetch, type NetworkPolicy } from './guarded-fetch.js';
import { describeUrl } from './urls.js';

export interface DownloadOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Timeout for this download alone. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch | undefined;
  /** Who asked, for error messages. */
  provider?: string | undefined;
  /** The code for a failed download: input images are `invalid_image`, results `bad_response`. */
  failureCode?: 'invalid_image' | 'bad_response';
  /**
   * Where the URL (and each of at most 5 redirects) may lead. By default only public addresses: loopback, private,
   * link-local, unique-local, CGNAT, multicast, unspecified and cloud-metadata addresses are refused before a byte
   * is sent. @default { allowPrivateNetwork: false }
   */
  network?: NetworkPolicy | undefined;
}

/**
 * Downloads a URL into memory with a size cap and a timeout under a network policy; never buffers more than
 * `maxBytes`. A refused URL is `invalid_request` for inputs and `bad_response` for results.
 */
export async function downloadBytes(url: string, options: DownloadOptions): Promise<{ bytes: Uint8Array; contentType: string | undefined }> {
  const failureCode = options.failureCode ?? 'bad_response';
  const where = options.provider ? `${options.provider}: ` : '';
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(pixmuxError('timeout', `${where}download of ${describeUrl(url)} took over ${options.timeoutMs} ms`, { provider: options.provider, retryable: true })), options.timeoutMs);
  const { signal, dispose } = linkSignals([options.signal, timeout.signal]);
  try {
    const response = await guardedFetch(url, {
      policy: options.network ?? {},
      signal,
      fetch: options.fetch,
      refusalCode: failureCode === 'invalid_image' ? 'invalid_request' : 'bad_response',
      where,
      provider: options.provider,
    });
    if (!response.ok) {
      discard(response.body);
      throw pixmuxError(failureCode, `${where}download of ${describeUrl(url)} failed with HTTP ${response.status}`, {
        provider: options.provider,
        status: response.status,
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > options.maxBytes) {
      discard(response.body);
      throw tooLarge(url, options, where);
    }
    const bytes = await readCapped(response, options.maxBytes, () => tooLarge(url, options, where));
    return { bytes, contentType: response.headers.get('content-type') ?? undefined };
  } catch (error) {
    if (PixmuxError.isInstance(error)) throw error;
    if (signal.aborted && PixmuxError.isInstance(signal.reason)) throw signal.reason;
    throw toPixmuxError(error, options.provider);
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

async function readCapped(response: Response, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  return readAllCapped(response.body, maxBytes, onTooLarge);
}

/** Releases a body we will not read, without waiting on it. */
function discard(body: ReadableStream<Uint8Array> | null): void {
  body?.cancel().catch(() => {});
}

function tooLarge(url: string, options: DownloadOptions, where: string) {
  return pixmuxError('image_too_large', `${where}download of ${describeUrl(url)} is over the ${options.maxBytes}-byte limit`, { provider: options.provider });
}
