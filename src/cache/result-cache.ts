import { pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import { describeUrl } from '../http/urls.js';
import { PixmuxImage } from '../image/pixmux-image.js';
import type { Logger } from '../logger.js';
import type { Provider } from '../provider/define-provider.js';
import type { PixmuxResult } from '../types.js';
import { raceSignal } from '../util/signals.js';
import { cacheKey } from './key.js';
import type { CacheStore } from './types.js';

type CachedResult = Omit<PixmuxResult, 'timings'>;

/** The keys one call may be served from: one per provider it allows, in its order. */
export interface CachePlan {
  keys: Array<{ provider: string; key: string }>;
  /** Identical calls in flight share this: same request, same allowed backends, same options. */
  flightKey: string;
}

/**
 * The result cache of one client: lookups over the keys of the providers a call allows, writes under the key of the
 * provider that answered, copies of the bytes both ways (nobody shares a buffer with the store or another caller),
 * and single flight: identical calls that arrive while one is running wait for it instead of calling a provider.
 */
export class ResultCache {
  private readonly flights = new Map<string, Promise<CachedResult>>();
  private readonly identities = new WeakMap<Provider, Record<string, unknown>>();

  constructor(
    private readonly store: CacheStore,
    private readonly logger: Logger,
  ) {}

  /** The keys for a request digest over the providers the call allows, each with its own options and backend identity. */
  async plan(digest: string, providers: readonly Provider[], providerOptions: Record<string, Record<string, unknown>>): Promise<CachePlan> {
    const keys = await Promise.all(
      providers.map(async (provider) => ({
        provider: provider.id,
        key: await cacheKey(digest, { provider: provider.id, identity: this.identityOf(provider), providerOptions: providerOptions[provider.id] ?? {} }),
      })),
    );
    return { keys, flightKey: keys.map((entry) => entry.key).join(',') };
  }

  /** The first stored result among the call's keys, with its own copy of the bytes. */
  async lookup(plan: CachePlan, signal: AbortSignal): Promise<CachedResult | undefined> {
    for (const { provider, key } of plan.keys) {
      const hit = await this.read(key, signal);
      if (hit && hit.provider === provider) return hit;
    }
    return undefined;
  }

  /** Stores a fresh result under the key of the provider that produced it. Failures are logged; the caller has its result. */
  async save(plan: CachePlan, result: CachedResult, signal: AbortSignal): Promise<string | undefined> {
    const key = plan.keys.find((entry) => entry.provider === result.provider)?.key;
    if (!key) return undefined;
    try {
      const entry = {
        provider: result.provider,
        model: result.model,
        images: result.images.map((image) => ({ bytes: image.bytes.slice(), mediaType: image.mediaType, width: image.width, height: image.height })),
        warnings: [...result.warnings],
        metadata: { ...result.metadata },
        createdAt: Date.now(),
      };
      // A slow store never holds the result past the call's deadline; the write goes on in the background.
      await raceSignal(Promise.resolve().then(() => this.store.set(key, entry)), signal);
      return key;
    } catch (error) {
      this.logger.warn(`cache write failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** The identical call already running, if any: its result, copied for this caller. */
  joinFlight(plan: CachePlan): Promise<CachedResult> | undefined {
    const flight = this.flights.get(plan.flightKey);
    return flight?.then(shareResult, (error: unknown) => {
      throw shareError(error);
    });
  }

  /** Runs `work` as the one flight for this plan; identical calls arriving meanwhile join it. */
  async lead(plan: CachePlan, work: () => Promise<CachedResult>): Promise<CachedResult> {
    const flight = work();
    this.flights.set(plan.flightKey, flight);
    flight.catch(() => {});
    try {
      return await flight;
    } finally {
      if (this.flights.get(plan.flightKey) === flight) this.flights.delete(plan.flightKey);
    }
  }

  private identityOf(provider: Provider): Record<string, unknown> {
    let identity = this.identities.get(provider);
    if (!identity) {
      const baseURL = provider.http?.baseURL;
      identity = { ...(baseURL ? { baseURL: describeUrl(baseURL) } : {}), ...provider.identity };
      this.identities.set(provider, identity);
    }
    return identity;
  }

  /** A store that throws or returns something malformed is a miss, logged, never a failure. */
  private async read(key: string, signal: AbortSignal): Promise<CachedResult | undefined> {
    let raw: unknown;
    try {
      raw = await raceSignal(Promise.resolve().then(() => this.store.get(key)), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      this.logger.warn(`cache read failed, calling a provider instead: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    if (raw === undefined || raw === null) return undefined;
    // The entry schema (zod) loads with the first entry a store returns, not with pixmux.
    const { checkEntry } = await import('./entry.js');
    const entry = checkEntry(raw);
    if (!entry) {
      this.logger.warn('cache returned a malformed entry; ignoring it');
      return undefined;
    }
    return shareResult(entry);
  }
}

/** A result served without calling a provider (a hit, or a joined call): its own copy of the bytes, nothing billed, no attempts. */
function shareResult(source: Pick<CachedResult, 'provider' | 'model' | 'warnings' | 'metadata'> & { images: ReadonlyArray<{ bytes: Uint8Array; mediaType: string; width: number; height: number }> }): CachedResult {
  return {
    images: source.images.map((image) => new PixmuxImage(image.bytes.slice(), image.mediaType, image.width, image.height)),
    provider: source.provider,
    model: source.model,
    costUsd: 0,
    cached: true,
    warnings: [...source.warnings],
    attempts: [],
    metadata: { ...source.metadata },
  };
}

/** A joined call's failure: the leader's error as a fresh instance, so no caller mutates another's. */
function shareError(error: unknown): PixmuxError {
  if (!PixmuxError.isInstance(error)) return pixmuxError('provider_error', `the identical call this one waited for failed: ${String(error)}`);
  return pixmuxError(error.code, error.message, {
    retryable: error.retryable,
    provider: error.provider,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    vendorCode: error.vendorCode,
    attempts: error.attempts ? [...error.attempts] : undefined,
    cause: error,
  });
}
