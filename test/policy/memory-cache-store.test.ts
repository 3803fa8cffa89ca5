import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryCacheStore, type CacheEntry } from 'pixmux';

function entry(bytes: number, createdAt = Date.now()): CacheEntry {
  return { provider: 'p', model: 'm', images: [{ bytes: new Uint8Array(bytes), mediaType: 'image/png', width: 1, height: 1 }], warnings: [], metadata: {}, createdAt };
}

describe('memoryCacheStore', () => {
  afterEach(() => vi.useRealTimers());

  it('evicts the least recently read entry past maxEntries', () => {
    const store = memoryCacheStore({ maxEntries: 2 });
    store.set('a', entry(1));
    store.set('b', entry(1));
    store.get('a');
    store.set('c', entry(1));
    expect(store.get('a')).toBeDefined();
    expect(store.get('b')).toBeUndefined();
    expect(store.get('c')).toBeDefined();
  });

  it('is bounded by image bytes, and never keeps a result larger than the bound', () => {
    const store = memoryCacheStore({ maxEntries: 100, maxBytes: 1000 });
    store.set('a', entry(400));
    store.set('b', entry(400));
    store.set('c', entry(400));
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    expect(store.get('c')).toBeDefined();
    store.set('huge', entry(5000));
    expect(store.get('huge')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    // Replacing b frees its bytes; c, now the least recently read, is the one to go.
    store.set('b', entry(100));
    store.set('d', entry(400));
    store.set('e', entry(400));
    expect(store.get('c')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    expect(store.get('d')).toBeDefined();
    expect(store.get('e')).toBeDefined();
  });

  it('expires entries after ttlMs', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = memoryCacheStore({ ttlMs: 1000 });
    store.set('a', entry(1, Date.now()));
    vi.advanceTimersByTime(999);
    expect(store.get('a')).toBeDefined();
    vi.advanceTimersByTime(2);
    expect(store.get('a')).toBeUndefined();
  });

  it.each([{ maxEntries: 0 }, { maxBytes: -1 }, { ttlMs: 0 }, { maxEntries: 1.5 }])('rejects %j', (options) => {
    expect(() => memoryCacheStore(options)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
