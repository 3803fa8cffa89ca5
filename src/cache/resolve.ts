import { pixmuxError } from '../errors/create-error.js';
import { dirCacheStore } from './dir-store.js';
import { memoryCacheStore } from './memory-store.js';
import type { CacheOptions, CacheStore } from './types.js';

/** Turns the `cache` option into a store, or undefined for no cache. */
export function resolveCache(options: CacheOptions | CacheStore | undefined): CacheStore | undefined {
  if (options === undefined || options === false) return undefined;
  if (typeof options !== 'object' || options === null) throw pixmuxError('invalid_request', 'createPixmux: cache must be { memory }, { dir }, { store }, a store with get/set, or false');
  if (isStore(options)) return options;
  if ('memory' in options) return memoryCacheStore(options.memory ?? {});
  if ('dir' in options) return dirCacheStore(options);
  if ('store' in options && isStore(options.store)) return options.store;
  throw pixmuxError('invalid_request', 'createPixmux: cache must be { memory }, { dir }, { store }, a store with get/set, or false');
}

function isStore(value: unknown): value is CacheStore {
  return typeof value === 'object' && value !== null && typeof (value as CacheStore).get === 'function' && typeof (value as CacheStore).set === 'function';
}
