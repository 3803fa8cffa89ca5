import { pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import { downloadBytes } from '../http/download.js';
import type { ImageInput, InputImage } from '../types.js';
import { base64ToBytes } from './base64.js';
import type { ImageLimits } from './limits.js';
import { sniffImage } from './sniff.js';
import { DEFAULT_INPUT_SOURCES, type ResolvedInputSources } from './input-sources.js';

export interface NormalizeImageOptions {
  limits: Required<ImageLimits>;
  /** Which string forms may be read. @default files off, public URLs only */
  sources?: ResolvedInputSources | undefined;
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch | undefined;
}

/**
 * Turns any accepted input form into bytes with a recognised type and size, enforcing the limits.
 * Bad input becomes `invalid_image` or `image_too_large`; nothing else escapes.
 */
export async function normalizeImage(input: ImageInput, options: NormalizeImageOptions): Promise<InputImage> {
  const bytes = await readInput(input, options);
  return checkImage(bytes, options.limits);
}

/** Recognises bytes as an image and checks them against the limits. */
export function checkImage(bytes: Uint8Array, limits: Required<ImageLimits>): InputImage {
  if (bytes.byteLength > limits.maxBytes) {
    throw pixmuxError('image_too_large', `The image is ${bytes.byteLength} bytes, over the ${limits.maxBytes}-byte limit`);
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) throw pixmuxError('invalid_image', `The image could not be read: ${sniffed.reason}`);
  const { mediaType, width, height } = sniffed.image;
  if (width * height > limits.maxPixels) {
    throw pixmuxError('image_too_large', `The image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(limits.maxPixels / 1e6).toFixed(1)} MP limit`);
  }
  return { bytes, mediaType, width, height };
}

async function readInput(input: ImageInput, options: NormalizeImageOptions): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array((input as ArrayBufferView).buffer, (input as ArrayBufferView).byteOffset, (input as ArrayBufferView).byteLength);
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size > options.limits.maxBytes) throw pixmuxError('image_too_large', `The image is ${input.size} bytes, over the ${options.limits.maxBytes}-byte limit`);
    return new Uint8Array(await input.arrayBuffer());
  }
  if (input instanceof URL) return readString(input.href, options);
  if (typeof input === 'string') return readString(input, options);
  throw pixmuxError('invalid_image', `Unsupported image input of type ${describeType(input)}: pass bytes, a Blob, a data URL, base64, a URL or a file path`);
}

async function readString(text: string, options: NormalizeImageOptions): Promise<Uint8Array> {
  const sources = options.sources ?? DEFAULT_INPUT_SOURCES;
  const trimmed = text.trim();
  if (trimmed.length === 0) throw pixmuxError('invalid_image', 'The image is an empty string');
  if (/^data:/i.test(trimmed)) return readDataUrl(trimmed);
  if (/^https?:\/\//i.test(trimmed)) {
    if (sources.urls === false) throw pixmuxError('invalid_request', 'URL input is off: pass the image as bytes, or enable it with createPixmux({ input: { urls: true } })');
    const { bytes } = await downloadBytes(trimmed, {
      maxBytes: Math.min(options.limits.maxDownloadBytes, options.limits.maxBytes),
      timeoutMs: options.limits.downloadTimeoutMs,
      signal: options.signal,
      fetch: options.fetch,
      failureCode: 'invalid_image',
      network: { allowPrivateNetwork: sources.urls.allowPrivateNetwork },
    });
    return bytes;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && !/^file:/i.test(trimmed)) {
    throw pixmuxError('invalid_request', 'The image URL is not an http: or https: URL');
  }
  if (!/^file:/i.test(trimmed)) {
    const decoded = base64ToBytes(trimmed);
    if (decoded) {
      const sniffed = sniffImage(decoded);
      if (sniffed.ok) return decoded;
      // Decided from the text alone, so the answer says nothing about the file system.
      if (sources.files === false && trimmed.length >= 16) throw pixmuxError('invalid_image', `The image string is base64, but not of an image: ${sniffed.reason}`);
    }
  }
  if (sources.files === false) throw pixmuxError('invalid_request', FILES_OFF);
  return readFilePath(trimmed, options.limits.maxBytes, sources.files === true ? undefined : sources.files.root);
}

/** The same words whatever the path, so a refusal never says whether a file exists. */
const FILES_OFF =
  'The image string is not an http(s) URL, a data URL or base64, and file input is off: pass the bytes, or enable paths with createPixmux({ input: { files: true } }) or, for one folder, { input: { files: { root } } }';

function readDataUrl(text: string): Uint8Array {
  const match = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/is.exec(text);
  if (!match) throw pixmuxError('invalid_image', 'The data URL is malformed');
  const isBase64 = /;base64/i.test(match[2] ?? '');
  if (isBase64) {
    const bytes = base64ToBytes(match[3] ?? '');
    if (!bytes) throw pixmuxError('invalid_image', 'The data URL does not hold valid base64');
    return bytes;
  }
  try {
    return new TextEncoder().encode(decodeURIComponent(match[3] ?? ''));
  } catch {
    throw pixmuxError('invalid_image', 'The data URL holds malformed percent-encoding');
  }
}

async function readFilePath(path: string, maxBytes: number, root: string | undefined): Promise<Uint8Array> {
  let readFile: typeof import('./node-file.js').readImageFile;
  try {
    ({ readImageFile: readFile } = await import('./node-file.js'));
  } catch {
    throw pixmuxError('invalid_image', 'The image string is not a URL, a data URL or base64, and file paths can only be read in Node');
  }
  try {
    return await readFile(path, { maxBytes, root });
  } catch (error) {
    if (PixmuxError.isInstance(error)) throw error;
    const reason = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'unreadable';
    throw pixmuxError('invalid_image', `The image string is not a URL, a data URL or base64, and no readable file is at that path (${reason})`);
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
