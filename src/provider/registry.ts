import pLimit, { type LimitFunction } from 'p-limit';
import { pixmuxError } from '../errors/create-error.js';
import { createHttpClient, type HttpTransport, type ProviderHttpClient } from '../http/client.js';
import type { Capacity } from '../types.js';
import { isProvider, type Provider } from './define-provider.js';

export const DEFAULT_MAX_CONCURRENCY = 8;

/** A provider inside one client: its concurrency bound and HTTP client. */
export interface ProviderEntry {
  provider: Provider;
  limit: LimitFunction;
  http: ProviderHttpClient;
  capacity(): Capacity;
}

/** Builds the client's providers; a duplicate id or something that is not a provider is a configuration error. */
export function createRegistry(providers: readonly Provider[], options: { maxResponseBytes?: number; transport?: HttpTransport | undefined } = {}): Map<string, ProviderEntry> {
  if (!Array.isArray(providers) || providers.length === 0) {
    throw pixmuxError('invalid_request', 'createPixmux: providers must be a non-empty array (for example [openaiCompatible({ baseURL })])');
  }
  const entries = new Map<string, ProviderEntry>();
  for (const [index, provider] of providers.entries()) {
    if (!isProvider(provider)) throw pixmuxError('invalid_request', `createPixmux: providers[${index}] is not a provider; create it with defineProvider() or a provider factory`);
    if (entries.has(provider.id)) {
      throw pixmuxError('invalid_request', `createPixmux: two providers share the id "${provider.id}"; pass a distinct \`id\` to one of them`);
    }
    const limit = pLimit(provider.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    const http = createHttpClient({ provider: provider.id, maxResponseBytes: options.maxResponseBytes, transport: options.transport, ...provider.http });
    entries.set(provider.id, {
      provider,
      limit,
      http,
      capacity: () => provider.capacity?.() ?? { inFlight: limit.activeCount, queued: limit.pendingCount, limit: limit.concurrency },
    });
  }
  return entries;
}
