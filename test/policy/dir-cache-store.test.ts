import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirCacheStore, type CacheEntry } from 'pixmux';

const key = (n: number) => n.toString(16).padStart(64, '0');
const entry = (bytes: number, createdAt = Date.now()): CacheEntry => ({
  provider: 'p',
  model: undefined,
  images: [{ bytes: new Uint8Array(bytes), mediaType: 'image/png', width: 1, height: 1 }],
  warnings: [],
  metadata: {},
  createdAt,
});

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('dirCacheStore bounds', () => {
  it('keeps at most maxBytes on disk, removing the oldest entries first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixmux-dir-cache-'));
    const store = dirCacheStore({ dir, maxBytes: 20_000 });
    for (let i = 1; i <= 6; i++) await store.set(key(i), entry(4000));
    const total = files(dir).reduce((sum, path) => sum + statSync(path).size, 0);
    expect(total).toBeLessThanOrEqual(20_000);
    expect(await store.get(key(1))).toBeUndefined();
    expect(await store.get(key(6))).toBeDefined();
  });

  it('treats entries older than ttlMs as misses and deletes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixmux-dir-cache-'));
    const store = dirCacheStore({ dir, ttlMs: 60_000 });
    await store.set(key(1), entry(10, Date.now() - 120_000));
    await store.set(key(2), entry(10));
    expect(await store.get(key(1))).toBeUndefined();
    expect(await store.get(key(2))).toBeDefined();
    expect(files(dir).some((path) => path.includes(key(1)))).toBe(false);
  });

  it('trims what an earlier process left, by file age, on the first write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixmux-dir-cache-'));
    const first = dirCacheStore({ dir, maxBytes: 1_000_000 });
    for (let i = 1; i <= 4; i++) await first.set(key(i), entry(4000));
    const second = dirCacheStore({ dir, maxBytes: 12_000 });
    await second.set(key(9), entry(4000));
    expect(files(dir).reduce((sum, path) => sum + statSync(path).size, 0)).toBeLessThanOrEqual(12_000);
    expect(await second.get(key(9))).toBeDefined();
  });

  it('skips an entry larger than maxBytes, and refuses bad bounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixmux-dir-cache-'));
    const store = dirCacheStore({ dir, maxBytes: 100 });
    await store.set(key(1), entry(4000));
    expect(await store.get(key(1))).toBeUndefined();
    expect(() => dirCacheStore({ dir, maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => dirCacheStore({ dir, ttlMs: -1 })).toThrow(/ttlMs/);
  });
});
