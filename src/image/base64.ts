/** Base64 with web-standard APIs only, so it runs in edge runtimes too. */
const CHUNK = 0x8000;

/** A `data:` URL for encoded image bytes, as vendors take input images inline. */
export function toDataUrl(image: { bytes: Uint8Array; mediaType: string }): string {
  return `data:${image.mediaType};base64,${bytesToBase64(image.bytes)}`;
}

export function bytesToBase64(bytes: Uint8Array): string {
  const maybeBuffer = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(enc: string): string } } }).Buffer;
  if (maybeBuffer) return maybeBuffer.from(bytes).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

const BASE64_PATTERN = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes standard or URL-safe base64; returns undefined when the text is not base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  const nodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer;
  if (nodeBuffer) return decodeWithBuffer(text, nodeBuffer);
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64_PATTERN.test(compact)) return undefined;
  const standard = compact.replace(/-/g, '+').replace(/_/g, '/');
  const padded = standard.padEnd(Math.ceil(standard.length / 4) * 4, '=');
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/**
 * Node's decoder is native and fast (images arrive as megabytes of base64), but it skips characters it does not
 * know; a decoded length that differs from the one the text implies means the text was not base64.
 */
function decodeWithBuffer(text: string, nodeBuffer: { from(text: string, encoding: 'base64'): Uint8Array }): Uint8Array | undefined {
  // Whitespace is rare (wrapped base64); strip it only when the text does not decode as it is.
  const decoded = decodeExact(text, nodeBuffer) ?? (/\s/.test(text) ? decodeExact(text.replace(/\s+/g, ''), nodeBuffer) : undefined);
  if (!decoded) return undefined;
  // Small Buffers share a pooled ArrayBuffer; hand out one the caller owns (and may transfer).
  return decoded.byteOffset === 0 && decoded.buffer.byteLength === decoded.byteLength ? new Uint8Array(decoded.buffer) : new Uint8Array(decoded);
}

function decodeExact(compact: string, nodeBuffer: { from(text: string, encoding: 'base64'): Uint8Array }): Uint8Array | undefined {
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  const dataLength = compact.length - padding;
  if (dataLength <= 0 || dataLength % 4 === 1) return undefined;
  const decoded = nodeBuffer.from(compact, 'base64');
  return decoded.byteLength === Math.floor((dataLength * 3) / 4) ? decoded : undefined;
}
