import { pixmuxError } from '../errors/create-error.js';
import type { CacheStore } from './types.js';

export interface DirCacheOptions {
  /** The cache directory; created when missing. */
  dir: string;
  /** Most bytes of entries kept on disk; the oldest are removed first. @default 1024 * 1024 * 1024 (1 GB) */
  maxBytes?: number;
  /** Age after which an entry is a miss and is removed. @default 604_800_000 (7 days) */
  ttlMs?: number;
}

export const DEFAULT_DIR_CACHE = { maxBytes: 1024 * 1024 * 1024, ttlMs: 7 * 24 * 60 * 60 * 1000 };

/**
 * Results as files under `dir` (one JSON file per key, written to a temp file and renamed, so a reader never sees
 * half an entry), bounded by `maxBytes` and `ttlMs`, oldest out first. Node only: the file code is loaded on first
 * use, so importing pixmux stays edge-safe.
 */
export function dirCacheStore(options: DirCacheOptions): CacheStore {
  const dir = options?.dir;
  if (typeof dir !== 'string' || dir.length === 0) throw pixmuxError('invalid_request', 'cache.dir must be a non-empty path');
  const maxBytes = options.maxBytes ?? DEFAULT_DIR_CACHE.maxBytes;
  const ttlMs = options.ttlMs ?? DEFAULT_DIR_CACHE.ttlMs;
  for (const [name, value] of [['maxBytes', maxBytes], ['ttlMs', ttlMs]] as const) {
    if (!(typeof value === 'number' && value > 0)) throw pixmuxError('invalid_request', `cache.${name} must be a positive number`);
  }
  let loaded: Promise<CacheStore> | undefined;
  const store = () => (loaded ??= import('./dir-store-node.js').then((module) => module.createDirStore(dir, { maxBytes, ttlMs })));
  return {
    async get(key) {
      return (await store()).get(key);
    },
    async set(key, entry) {
      await (await store()).set(key, entry);
    },
  };
}
