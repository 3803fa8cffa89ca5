import type { NormalizedGenerateRequest, NormalizedRequest, Operation } from '../types.js';
import { canonicalJson } from './canonical.js';

/** Bumped when the key's recipe changes, so old entries are never read with a new meaning. */
const KEY_VERSION = 2;

/** Who would produce a result: the provider id, the backend behind it, and the options the call gives it. */
export interface BackendIdentity {
  provider: string;
  /** What makes this provider's output differ from another's with the same id (base URL, default model, output options). */
  identity: Record<string, unknown>;
  /** The call's `providerOptions` for this provider. */
  providerOptions: Record<string, unknown>;
}

/**
 * The digest of what every provider would be asked (sha256 with Web Crypto, so it runs in edge runtimes): the
 * operation, the normalised request (model, format, size, seed, fidelity, …) and the input bytes, hashed once per
 * call. Undefined when the call may not be cached: `generate` without a `seed` is meant to differ each time.
 * Throws `invalid_request` for values that have no canonical form.
 */
export async function requestDigest(operation: Operation, request: NormalizedRequest): Promise<string | undefined> {
  if (operation === 'generate' && (request as NormalizedGenerateRequest).seed === undefined) return undefined;
  const { image, providerOptions: _perProvider, ...rest } = request as NormalizedRequest & { image?: { bytes: Uint8Array; mediaType: string } };
  const text = new TextEncoder().encode(canonicalJson({ v: KEY_VERSION, operation, request: rest, image: image ? image.mediaType : null }, 'request'));
  const bytes = image?.bytes ?? new Uint8Array();
  const input = new Uint8Array(text.length + 1 + bytes.length);
  input.set(text, 0);
  input.set(bytes, text.length + 1);
  return sha256Hex(input);
}

/**
 * The cache key of one provider's answer to a request: the request digest and the backend's identity together, so
 * a result is found again only for the same backend (two clients sharing a store with the same id pointing at
 * different servers never get each other's results) and only when the call allows that provider.
 */
export async function cacheKey(digest: string, backend: BackendIdentity): Promise<string> {
  const described = `${JSON.stringify(backend.provider)}\u0000${canonicalJson(backend.identity, `${backend.provider}'s identity`)}\u0000${canonicalJson(backend.providerOptions, `providerOptions.${backend.provider}`)}`;
  return sha256Hex(new TextEncoder().encode(`${digest}\u0000${described}`));
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
