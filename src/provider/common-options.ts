import { registerSecret } from '../errors/redact.js';
import type { Price } from '../pricing.js';
import type { Tier } from '../types.js';

/** Options every built-in provider factory takes. */
export interface CommonProviderOptions {
  /** Distinguishes two instances of one vendor in one client. @default the vendor's name */
  id?: string;
  /** The API key. @default read from the vendor's environment variable */
  apiKey?: string;
  /** Another endpoint: a proxy, a gateway, a regional host. @default the vendor's public API */
  baseURL?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A custom fetch (proxies, tests, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Where the provider sits in the fallback order. @default the vendor's usual tier */
  tier?: Tier;
  /** Price overrides by model id (`'*'`-suffixed prefixes and `default` allowed); merged over the built-in table. */
  prices?: Record<string, Price>;
  /** Most calls in flight at this provider. @default 8 */
  maxConcurrency?: number;
  /** Timeout of one HTTP request, retried as a `timeout`. @default 120_000 */
  requestTimeoutMs?: number;
}

/** Reads an environment variable where there is one (Node, Bun, Deno with permissions), never failing in an edge runtime. */
export function readEnv(name: string): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const value = env?.[name];
    return value && value.trim().length > 0 ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The key from the option, else from the environment; registered so that it is scrubbed from all output. */
export function resolveApiKey(option: string | undefined, envName: string): string | undefined {
  const key = option ?? readEnv(envName);
  registerSecret(key);
  return key;
}
