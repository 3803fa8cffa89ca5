import type { NormalizedGenerateRequest, NormalizedRequest, Operation } from '../types.js';

/** Bumped when the key's recipe changes, so old entries are never read with a new meaning. */
const KEY_VERSION = 1;

/**
 * The content address of a call: sha256 (Web Crypto, so it runs in edge runtimes) of the operation, the normalised
 * request (everything that shapes the output: model, format, size, seed, fidelity, provider options) and the input
 * bytes. Undefined when the call may not be cached: `generate` without a `seed` is meant to differ each time.
 */
export async function cacheKey(operation: Operation, request: NormalizedRequest, providerOptions: Record<string, unknown>): Promise<string | undefined> {
  if (operation === 'generate' && (request as NormalizedGenerateRequest).seed === undefined) return undefined;
  const { image, ...rest } = request as NormalizedRequest & { image?: { bytes: Uint8Array; mediaType: string } };
  const described = { v: KEY_VERSION, operation, request: { ...rest, providerOptions }, image: image ? image.mediaType : null };
  const text = new TextEncoder().encode(canonicalJson(described));
  const bytes = image?.bytes ?? new Uint8Array();
  const input = new Uint8Array(text.length + 1 + bytes.length);
  input.set(text, 0);
  input.set(bytes, text.length + 1);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', input);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** JSON with object keys sorted at every depth and undefined fields left out, so equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined && typeof item !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
