import type { DirCacheOptions } from './dir-store.js';
import type { MemoryCacheOptions } from './memory-store.js';
/** One cached result: the images with their facts, and who made them. */
export interface CacheEntry {
  provider: string;
  model: string | undefined;
  images: Array<{ bytes: Uint8Array; mediaType: string; width: number; height: number }>;
  warnings: string[];
  metadata: Record<string, unknown>;
  /** When it was stored (ms since the epoch). */
  createdAt: number;
}

/**
 * Where results are kept, keyed by a sha256 hex digest. Bring your own (Redis, S3, KV) by implementing these two;
 * a `get` or `set` that throws is logged and treated as a miss, never failing the call.
 */
export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined> | CacheEntry | undefined;
  set(key: string, entry: CacheEntry): Promise<void> | void;
}

/**
 * The result cache. `removeBackground` and `restoreFace` are cached; `generate` only when the request has a `seed`.
 * - `{ memory: { maxEntries, maxBytes, ttlMs } }`: an in-process LRU bounded by entries and bytes.
 * - `{ dir: '/var/cache/pixmux', maxBytes, ttlMs }`: files, written atomically, at most 1 GB and 7 days by default,
 *   oldest out first (Node only; loaded when first used).
 * - `{ store }`: your own `CacheStore`.
 * - `false` or undefined: no cache.
 */
export type CacheOptions = { memory: MemoryCacheOptions } | DirCacheOptions | { store: CacheStore } | false;
