import { pixmuxError } from '../errors/create-error.js';
import { claimRegisteredSecrets, SecretSet } from '../errors/redact.js';
import type { Operation, ProviderDefinition, Tier } from '../types.js';

const OPERATIONS: readonly Operation[] = ['generate', 'removeBackground', 'restoreFace'];
const TIERS: readonly Tier[] = ['local', 'cheap', 'premium'];
const ID_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/i;

/** A provider after `defineProvider`: its definition with the defaults filled in. */
export interface Provider extends ProviderDefinition {
  tier: Tier;
  readonly kind: 'pixmux.provider';
}

/**
 * Declares a backend. The built-in providers use this same function, so a team's own endpoint is a
 * first-class provider.
 *
 * @example
 * const myGpu = defineProvider({
 *   id: 'my-gpu',
 *   tier: 'local',
 *   operations: { generate: async (req, ctx) => ({ images: [{ bytes }], model: 'sdxl', costUsd: 0 }) },
 * });
 */
export function defineProvider(definition: ProviderDefinition): Provider {
  if (typeof definition !== 'object' || definition === null) throw pixmuxError('invalid_request', 'defineProvider: the definition must be an object');
  if (typeof definition.id !== 'string' || !ID_PATTERN.test(definition.id)) {
    throw pixmuxError('invalid_request', `defineProvider: id must be 1-64 letters, digits, '.', '_', ':' or '-' (got ${JSON.stringify(definition.id)})`);
  }
  const tier = definition.tier ?? 'cheap';
  if (!TIERS.includes(tier)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): tier must be one of ${TIERS.join(', ')}`);
  const operations = definition.operations ?? {};
  const names = Object.keys(operations);
  if (names.length === 0) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): operations must implement at least one of ${OPERATIONS.join(', ')}`);
  for (const name of names) {
    if (!OPERATIONS.includes(name as Operation)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): unknown operation "${name}"`);
    if (typeof operations[name as Operation] !== 'function') throw pixmuxError('invalid_request', `defineProvider(${definition.id}): operations.${name} must be a function`);
  }
  for (const key of ['maxConcurrency', 'maxImagesPerCall'] as const) {
    const value = definition[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): ${key} must be a whole number of at least 1`);
  }
  const provider = Object.freeze({ ...definition, tier, operations, kind: 'pixmux.provider' as const });
  SECRETS.set(provider, collectSecrets(definition));
  return provider;
}

/** Each provider's secrets, released with the provider. */
const SECRETS = new WeakMap<object, SecretSet>();

/** Header names whose values are not credentials; every other header value is treated as one. */
const PLAIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'cache-control', 'content-type', 'prefer', 'user-agent']);

/**
 * What a provider must never show: its declared `secrets`, what its factory registered (`resolveApiKey`), every
 * header value but the plain ones (the token of `Bearer …`-style values too) and the credentials in its base URL.
 */
function collectSecrets(definition: ProviderDefinition): SecretSet {
  const set = claimRegisteredSecrets();
  for (const secret of definition.secrets ?? []) set.add(secret);
  for (const [name, value] of Object.entries(definition.http?.headers ?? {})) {
    if (typeof value !== 'string' || PLAIN_HEADERS.has(name.toLowerCase())) continue;
    set.add(value);
    const token = /^(?:Bearer|Key|Token|Basic)\s+(\S+)$/i.exec(value.trim())?.[1];
    if (token) set.add(token);
  }
  if (definition.http?.baseURL) {
    try {
      const url = new URL(definition.http.baseURL);
      if (url.username) set.add(decodeURIComponent(url.username));
      if (url.password) set.add(decodeURIComponent(url.password));
    } catch {
      // Not a URL: the HTTP client reports that on first use.
    }
  }
  return set;
}

/** The secrets of a provider built with `defineProvider` (an empty set for anything else). */
export function secretsOf(provider: object): SecretSet {
  return SECRETS.get(provider) ?? new SecretSet();
}

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'object' && value !== null && (value as Provider).kind === 'pixmux.provider';
}
