import { pixmuxError } from '../errors/create-error.js';
import type { CacheEntry, CacheStore } from './types.js';

export const DEFAULT_CACHE_ENTRIES = 256;

/** An in-process LRU: the least recently read entry goes first once `maxEntries` is reached. */
export function memoryCacheStore(options: { /** @default 256 */ maxEntries?: number } = {}): CacheStore {
  const maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw pixmuxError('invalid_request', 'cache.memory.maxEntries must be a whole number of at least 1');
  const entries = new Map<string, CacheEntry>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry) {
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry;
    },
    set(key, entry) {
      entries.delete(key);
      entries.set(key, entry);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
