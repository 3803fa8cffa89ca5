import { pixmuxError } from '../errors/create-error.js';
import type { CacheStore } from './types.js';

/**
 * Results as files under `dir` (one JSON file per key, written to a temp file and renamed, so a reader never sees
 * half an entry). Node only: the file code is loaded on first use, so importing pixmux stays edge-safe.
 */
export function dirCacheStore(options: { /** The cache directory; created when missing. */ dir: string }): CacheStore {
  const dir = options?.dir;
  if (typeof dir !== 'string' || dir.length === 0) throw pixmuxError('invalid_request', 'cache.dir must be a non-empty path');
  let loaded: Promise<CacheStore> | undefined;
  const store = () => (loaded ??= import('./dir-store-node.js').then((module) => module.createDirStore(dir)));
  return {
    async get(key) {
      return (await store()).get(key);
    },
    async set(key, entry) {
      await (await store()).set(key, entry);
    },
  };
}
