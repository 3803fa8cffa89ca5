import { pixmuxError } from '../errors/create-error.js';
import type { CacheEntry, CacheStore } from './types.js';

export const DEFAULT_CACHE_ENTRIES = 256;
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/** Bounds of the in-process cache. */
export interface MemoryCacheOptions {
  /** Most results kept. @default 256 */
  maxEntries?: number;
  /** Most image bytes kept, all entries together; a result larger than this is not kept. @default 268_435_456 (256 MB) */
  maxBytes?: number;
  /** How long a result stays valid. @default no expiry */
  ttlMs?: number;
}

/**
 * An in-process LRU bounded by entries and by image bytes (results are images: a count alone could hold gigabytes).
 * The least recently read entry goes first; expired entries read as misses.
 */
export function memoryCacheStore(options: MemoryCacheOptions = {}): CacheStore {
  const maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
  const ttlMs = options.ttlMs;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw pixmuxError('invalid_request', 'cache.memory.maxEntries must be a whole number of at least 1');
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw pixmuxError('invalid_request', 'cache.memory.maxBytes must be a whole number of at least 1');
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) throw pixmuxError('invalid_request', 'cache.memory.ttlMs must be a positive number of milliseconds');
  const entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  let totalBytes = 0;

  const remove = (key: string) => {
    const held = entries.get(key);
    if (!held) return;
    entries.delete(key);
    totalBytes -= held.bytes;
  };

  return {
    get(key) {
      const held = entries.get(key);
      if (!held) return undefined;
      if (ttlMs !== undefined && Date.now() - held.entry.createdAt > ttlMs) {
        remove(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, held);
      return held.entry;
    },
    set(key, entry) {
      remove(key);
      const bytes = entry.images.reduce((sum, image) => sum + image.bytes.byteLength, 0);
      if (bytes > maxBytes) return;
      entries.set(key, { entry, bytes });
      totalBytes += bytes;
      while (entries.size > maxEntries || totalBytes > maxBytes) remove(entries.keys().next().value as string);
    },
  };
}
