import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserializeEntry, serializeEntry } from './entry.js';
import type { CacheStore } from './types.js';

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The Node half of `dirCacheStore`: `<dir>/<first two hex digits>/<key>.json`. */
export function createDirStore(dir: string): CacheStore {
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error('cache keys are sha256 hex digests');
    return join(dir, key.slice(0, 2), `${key}.json`);
  };
  return {
    async get(key) {
      try {
        return deserializeEntry(await readFile(pathOf(key), 'utf8'));
      } catch {
        return undefined;
      }
    },
    async set(key, entry) {
      const path = pathOf(key);
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temp, serializeEntry(entry));
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      }
    },
  };
}
