import { PixmuxImage } from '../image/pixmux-image.js';
import type { Logger } from '../logger.js';
import type { PixmuxResult } from '../types.js';
import { checkEntry } from './entry.js';
import type { CacheStore } from './types.js';
import { raceSignal } from '../util/signals.js';

type CachedResult = Omit<PixmuxResult, 'timings'>;

/** Reads a result from the store. A store that throws or returns something malformed is a miss, logged, never a failure. */
export async function readCached(store: CacheStore, key: string, logger: Logger, signal: AbortSignal): Promise<CachedResult | undefined> {
  let raw: unknown;
  try {
    raw = await raceSignal(Promise.resolve().then(() => store.get(key)), signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    logger.warn(`cache read failed, calling a provider instead: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (raw === undefined || raw === null) return undefined;
  const entry = checkEntry(raw);
  if (!entry) {
    logger.warn('cache returned a malformed entry; ignoring it');
    return undefined;
  }
  return {
    images: entry.images.map((image) => new PixmuxImage(image.bytes, image.mediaType, image.width, image.height)),
    provider: entry.provider,
    model: entry.model,
    costUsd: 0,
    cached: true,
    warnings: [...entry.warnings],
    attempts: [],
    metadata: { ...entry.metadata },
  };
}

/** Stores a fresh result. Failures are logged; the caller already has the result. */
export async function writeCached(store: CacheStore, key: string, result: CachedResult, logger: Logger, signal: AbortSignal): Promise<boolean> {
  try {
    const entry = {
      provider: result.provider,
      model: result.model,
      images: result.images.map((image) => ({ bytes: image.bytes, mediaType: image.mediaType, width: image.width, height: image.height })),
      warnings: [...result.warnings],
      metadata: { ...result.metadata },
      createdAt: Date.now(),
    };
    // A slow store never holds the result past the call's deadline; the write goes on in the background.
    await raceSignal(Promise.resolve().then(() => store.set(key, entry)), signal);
    return true;
  } catch (error) {
    logger.warn(`cache write failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}
