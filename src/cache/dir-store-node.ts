import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserializeEntry, serializeEntry } from './entry.js';
import type { CacheStore } from './types.js';

const KEY_PATTERN = /^[0-9a-f]{64}$/;

export interface DirStoreLimits {
  /** Most bytes of entries kept; the oldest go first. */
  maxBytes: number;
  /** Entries older than this are misses and are deleted. */
  ttlMs: number;
}

/**
 * The Node half of `dirCacheStore`: `<dir>/<first two hex digits>/<key>.json`, bounded by bytes and age. The
 * folder is scanned once, on first use, into an index of sizes and write times; each write adds to it and removes
 * the oldest entries (and any expired ones) until the total fits. Several processes sharing a folder each keep their
 * own index, so the bound holds per process and every process trims the oldest files it knows of.
 */
export function createDirStore(dir: string, limits: DirStoreLimits): CacheStore {
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error('cache keys are sha256 hex digests');
    return join(dir, key.slice(0, 2), `${key}.json`);
  };
  /** key → size and write time, in write order (a Map keeps insertion order: oldest first). */
  const index = new Map<string, { bytes: number; at: number }>();
  let total = 0;
  let scanned: Promise<void> | undefined;

  const forget = (key: string) => {
    const known = index.get(key);
    if (!known) return;
    index.delete(key);
    total -= known.bytes;
  };
  const remember = (key: string, bytes: number, at: number) => {
    forget(key);
    index.set(key, { bytes, at });
    total += bytes;
  };

  async function scan(): Promise<void> {
    const found: Array<{ key: string; bytes: number; at: number }> = [];
    const shards = await readdir(dir).catch(() => [] as string[]);
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const files = await readdir(join(dir, shard)).catch(() => [] as string[]);
      for (const file of files) {
        const key = file.slice(0, -'.json'.length);
        if (!file.endsWith('.json') || !KEY_PATTERN.test(key)) continue;
        const info = await stat(join(dir, shard, file)).catch(() => undefined);
        if (info) found.push({ key, bytes: info.size, at: info.mtimeMs });
      }
    }
    found.sort((a, b) => a.at - b.at);
    for (const item of found) remember(item.key, item.bytes, item.at);
  }

  /** Removes expired entries, then the oldest, until the total fits. */
  async function trim(now: number): Promise<void> {
    const doomed: string[] = [];
    for (const [key, item] of index) {
      if (total <= limits.maxBytes && now - item.at <= limits.ttlMs) break;
      doomed.push(key);
      forget(key);
    }
    await Promise.all(doomed.map((key) => rm(pathOf(key), { force: true }).catch(() => {})));
  }

  return {
    async get(key) {
      const path = pathOf(key);
      try {
        const entry = deserializeEntry(await readFile(path, 'utf8'));
        if (entry && Date.now() - entry.createdAt > limits.ttlMs) {
          forget(key);
          await rm(path, { force: true }).catch(() => {});
          return undefined;
        }
        return entry;
      } catch {
        return undefined;
      }
    },
    async set(key, entry) {
      const path = pathOf(key);
      const text = serializeEntry(entry);
      const bytes = Buffer.byteLength(text);
      if (bytes > limits.maxBytes) return;
      await (scanned ??= scan());
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temp, text);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      }
      const now = Date.now();
      remember(key, bytes, now);
      await trim(now);
    },
  };
}
