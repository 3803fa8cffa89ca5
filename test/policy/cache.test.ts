import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheKey, memoryCacheStore, requestDigest, type CacheStore, type NormalizedRemoveBackgroundRequest } from 'pixmux';
import { makePng } from '../helpers/images.js';
import { clientWith, stub } from './stub.js';

const input = makePng(12, 10);
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'pixmux-cache-'));
  dirs.push(dir);
  return dir;
}

describe('result cache', () => {
  it('a hit costs $0, says cached: true, records no attempt and calls no provider', async () => {
    const api = stub('api', { priceUsd: 0.02 });
    const { px, events } = clientWith([api.provider], { cache: { memory: { maxEntries: 10 } } });
    const first = await px.removeBackground({ image: input });
    expect(first).toMatchObject({ cached: false, costUsd: 0.02 });
    const second = await px.removeBackground({ image: input });
    expect(second).toMatchObject({ cached: true, costUsd: 0, provider: 'api', model: 'api-model', attempts: [] });
    expect(second.images[0]!.bytes).toEqual(first.images[0]!.bytes);
    expect(api.state.calls).toBe(1);
    expect(events.filter((e) => e.type === 'cache.hit')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'cache.stored')).toHaveLength(1);
  });

  it('keys on the input bytes and the request: other bytes, format or fidelity miss', async () => {
    const api = stub('api');
    const { px } = clientWith([api.provider], { cache: { memory: {} } });
    await px.restoreFace({ image: input, fidelity: 0.5 });
    await px.restoreFace({ image: makePng(12, 10, [0, 0, 0, 255]), fidelity: 0.5 });
    await px.restoreFace({ image: input, fidelity: 0.7 });
    await px.restoreFace({ image: input, fidelity: 0.5, format: 'webp' });
    expect(api.state.calls).toBe(4);
    // Signal, timeout and the providers list do not change what the image is.
    const again = await px.restoreFace({ image: input, fidelity: 0.5, timeoutMs: 5_000, providers: ['api'], signal: new AbortController().signal });
    expect(again.cached).toBe(true);
  });

  it('caches generate only when it has a seed', async () => {
    const api = stub('api');
    const { px } = clientWith([api.provider], { cache: { memory: {} } });
    await px.generate({ prompt: 'a cat' });
    expect((await px.generate({ prompt: 'a cat' })).cached).toBe(false);
    await px.generate({ prompt: 'a cat', seed: 42 });
    expect((await px.generate({ prompt: 'a cat', seed: 42 })).cached).toBe(true);
    expect((await px.generate({ prompt: 'a cat', seed: 43 })).cached).toBe(false);
    expect(api.state.calls).toBe(4);
  });

  it('cache: false on a call skips the lookup and the store', async () => {
    const api = stub('api');
    const { px } = clientWith([api.provider], { cache: { memory: {} } });
    await px.removeBackground({ image: input });
    expect((await px.removeBackground({ image: input, cache: false })).cached).toBe(false);
    expect(api.state.calls).toBe(2);
  });

  it('the memory store evicts the least recently used entry', async () => {
    const store = memoryCacheStore({ maxEntries: 2 });
    const entry = { provider: 'p', model: undefined, images: [{ bytes: input, mediaType: 'image/png', width: 12, height: 10 }], warnings: [], metadata: {}, createdAt: 0 };
    store.set('a', entry);
    store.set('b', entry);
    store.get('a');
    store.set('c', entry);
    expect(store.get('a')).toBeDefined();
    expect(store.get('b')).toBeUndefined();
    expect(store.get('c')).toBeDefined();
  });

  it('the directory store survives a new client, leaves no temp files and treats a corrupt file as a miss', async () => {
    const dir = await tempDir();
    const api = stub('api');
    await clientWith([api.provider], { cache: { dir } }).px.removeBackground({ image: input });
    const fresh = await clientWith([api.provider], { cache: { dir } }).px.removeBackground({ image: input });
    expect(fresh.cached).toBe(true);
    expect(fresh.images[0]).toMatchObject({ mediaType: 'image/png', width: 8, height: 8 });
    expect(api.state.calls).toBe(1);
    const [bucket] = await readdir(dir);
    const files = await readdir(join(dir, bucket!));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    await writeFile(join(dir, bucket!, files[0]!), '{"provider":"api","images":[{"base64":');
    expect((await clientWith([api.provider], { cache: { dir } }).px.removeBackground({ image: input })).cached).toBe(false);
    expect(api.state.calls).toBe(2);
  });

  it("a user's store that throws or returns junk never fails the call", async () => {
    const api = stub('api');
    const warnings: string[] = [];
    const throwing: CacheStore = { get: () => Promise.reject(new Error('kv down')), set: () => Promise.reject(new Error('kv down')) };
    const result = await clientWith([api.provider], { cache: throwing, logger: { warn: (m: string) => warnings.push(m) } }).px.removeBackground({ image: input });
    expect(result.cached).toBe(false);
    expect(warnings.join('\n')).toMatch(/cache read failed.*kv down[\s\S]*cache write failed/);
    const junk: CacheStore = { get: () => ({ provider: 'x', images: 'nope' }) as never, set: () => {} };
    expect((await clientWith([api.provider], { cache: { store: junk } }).px.removeBackground({ image: input })).cached).toBe(false);
  });

  it('a store that never answers holds the call only until its deadline', async () => {
    const api = stub('api');
    const hanging: CacheStore = { get: () => new Promise(() => {}), set: () => new Promise(() => {}) };
    const error = await clientWith([api.provider], { cache: hanging }).px.removeBackground({ image: input, timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout' });
    expect(api.state.calls).toBe(0);
  });

  it('cacheKey is a sha256 hex digest of the request and the backend, ignoring option order', async () => {
    const request: NormalizedRemoveBackgroundRequest = { image: { bytes: input, mediaType: 'image/png', width: 12, height: 10 }, format: 'png', model: undefined, providerOptions: {} };
    const digest = (await requestDigest('removeBackground', request))!;
    const backend = { provider: 'api', identity: { baseURL: 'http://a' } };
    const a = await cacheKey(digest, { ...backend, providerOptions: { x: 1, y: 2 } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await cacheKey(digest, { ...backend, providerOptions: { y: 2, x: 1 } })).toBe(a);
    expect(await cacheKey(digest, { ...backend, identity: { baseURL: 'http://b' }, providerOptions: { x: 1, y: 2 } })).not.toBe(a);
    expect(await cacheKey((await requestDigest('restoreFace', { ...request, fidelity: 0.5 }))!, { ...backend, providerOptions: { x: 1, y: 2 } })).not.toBe(a);
  });

  it('rejects a malformed cache option', () => {
    const api = stub('api');
    for (const cache of [{ memory: { maxEntries: 0 } }, { dir: '' }, { other: true }, 'yes']) {
      expect(() => clientWith([api.provider], { cache: cache as never })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
  });
});
