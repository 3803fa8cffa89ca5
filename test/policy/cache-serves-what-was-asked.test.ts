import { describe, expect, it } from 'vitest';
import { memoryCacheStore } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { makePng } from '../helpers/images.js';
import { rejectionOf } from '../helpers/errors.js';
import { clientWith, PNG, stub } from './stub.js';

const input = makePng(12, 10);
const cacheOn = () => ({ cache: { memory: { maxEntries: 100 } } });

describe('the cache serves only what the call asked for', () => {
  it('a call restricted to one provider is never served what another provider made', async () => {
    const cheap = stub('cheap', { tier: 'cheap', priceUsd: 0.01 });
    const premium = stub('premium', { tier: 'premium', priceUsd: 0.05 });
    const { px } = clientWith([cheap.provider, premium.provider], cacheOn());
    expect((await px.removeBackground({ image: input })).provider).toBe('cheap');
    const restricted = await px.removeBackground({ image: input, providers: ['premium'] });
    expect(restricted).toMatchObject({ provider: 'premium', cached: false });
    expect(premium.state.calls).toBe(1);
    // Each provider's result is found again by calls that allow it.
    expect(await px.removeBackground({ image: input, providers: ['premium'] })).toMatchObject({ provider: 'premium', cached: true });
    expect(await px.removeBackground({ image: input })).toMatchObject({ provider: 'cheap', cached: true });
    expect(cheap.state.calls + premium.state.calls).toBe(2);
  });

  it('two clients sharing a store, with one id pointing at different backends, never get each other’s results', async () => {
    const store = memoryCacheStore();
    const served: string[] = [];
    const backend = (host: string) =>
      openaiCompatible({
        id: 'gpu',
        baseURL: `http://${host}/v1`,
        model: 'm',
        fetch: async () => {
          served.push(host);
          return new Response(JSON.stringify({ data: [{ b64_json: Buffer.from(host === 'a.test' ? PNG : makePng(9, 9)).toString('base64') }] }), { headers: { 'content-type': 'application/json' } });
        },
      });
    const a = clientWith([backend('a.test')], { cache: store }).px;
    const b = clientWith([backend('b.test')], { cache: store }).px;
    const first = await a.generate({ prompt: 'x', seed: 1 });
    const second = await b.generate({ prompt: 'x', seed: 1 });
    expect([first.cached, second.cached]).toEqual([false, false]);
    expect(served).toEqual(['a.test', 'b.test']);
    expect(second.images[0]!.width).toBe(9);
    expect((await a.generate({ prompt: 'x', seed: 1 })).images[0]!.width).toBe(8);
    // Another default model is another backend too.
    const otherModel = openaiCompatible({ id: 'gpu', baseURL: 'http://a.test/v1', model: 'other', fetch: async () => (served.push('a.test/other'), new Response(JSON.stringify({ data: [{ b64_json: Buffer.from(PNG).toString('base64') }] }))) });
    expect((await clientWith([otherModel], { cache: store }).px.generate({ prompt: 'x', seed: 1 })).cached).toBe(false);
  });

  it('hands every caller its own copy of the bytes: zeroing a result never corrupts the next hit', async () => {
    const api = stub('api', { answer: () => ({ images: [{ bytes: PNG.slice() }], costUsd: 0.01 }) });
    const { px } = clientWith([api.provider], cacheOn());
    const first = await px.removeBackground({ image: input });
    const original = first.images[0]!.bytes.slice();
    first.images[0]!.bytes.fill(0);
    const hit = await px.removeBackground({ image: input });
    expect(hit.cached).toBe(true);
    expect(hit.images[0]!.bytes).toEqual(original);
    hit.images[0]!.bytes.fill(0);
    expect((await px.removeBackground({ image: input })).images[0]!.bytes).toEqual(original);
  });

  it('coalesces identical concurrent calls into one provider call (single flight), each caller with its own result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const api = stub('api', { priceUsd: 0.02, answer: async () => (await gate, { images: [{ bytes: PNG }], costUsd: 0.02 }) });
    const { px } = clientWith([api.provider], cacheOn());
    const calls = Array.from({ length: 20 }, () => px.removeBackground({ image: input }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const results = await Promise.all(calls);
    expect(api.state.calls).toBe(1);
    expect(results.filter((result) => !result.cached)).toHaveLength(1);
    expect(results.reduce((sum, result) => sum + result.costUsd, 0)).toBe(0.02);
    const buffers = new Set(results.map((result) => result.images[0]!.bytes.buffer));
    expect(buffers.size).toBe(20);
  });

  it('a joined call fails with its own copy of the error when the shared call fails; a different request is not joined', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const api = stub('api', { answer: async () => {
      await gate;
      throw new Error('boom');
    } });
    const { px, events } = clientWith([api.provider], { ...cacheOn(), retry: { retries: 0 } });
    const calls = Array.from({ length: 3 }, () => rejectionOf(px.removeBackground({ image: input })));
    const other = rejectionOf(px.removeBackground({ image: makePng(5, 5) }));
    while (events.filter((event) => event.type === 'cache.joined').length < 2 || api.state.calls < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    release();
    const errors = await Promise.all(calls);
    await other;
    expect(api.state.calls).toBe(2);
    expect(new Set(errors).size).toBe(3);
    expect(errors.every((error) => error.code === 'provider_error')).toBe(true);
  });

  it('a caller whose own call aborts leaves the others waiting for the shared one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const api = stub('api', { answer: async () => (await gate, { images: [{ bytes: PNG }], costUsd: 0.01 }) });
    const { px, events } = clientWith([api.provider], cacheOn());
    const leader = px.removeBackground({ image: input });
    // Which identical call leads depends on when each one's key is ready (hashing is asynchronous): let this one
    // reach the provider before the others start, so that it is the leader.
    while (api.state.calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const controller = new AbortController();
    const quitter = rejectionOf(px.removeBackground({ image: input, signal: controller.signal }));
    const patient = px.removeBackground({ image: input });
    while (events.filter((event) => event.type === 'cache.joined').length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();
    expect((await quitter).code).toBe('aborted');
    release();
    expect((await leader).cached).toBe(false);
    expect((await patient).cached).toBe(true);
    expect(api.state.calls).toBe(1);
  });

  it('rejects provider options that have no canonical form, instead of letting them collide', async () => {
    const api = stub('api');
    const { px } = clientWith([api.provider], cacheOn());
    for (const bad of [new Map([['a', 1]]), new Set([1]), 10n, () => 1, Number.NaN, new (class Custom {})()]) {
      const error = await rejectionOf(px.removeBackground({ image: input, providerOptions: { api: { bad } } }));
      expect(error.code).toBe('invalid_request');
      expect(error.message).toMatch(/providerOptions\.api\.bad/);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((await rejectionOf(px.removeBackground({ image: input, providerOptions: { api: cyclic } }))).message).toMatch(/circular/);
    // Dates are data: different dates, different keys; the same date, a hit.
    const at = (iso: string) => px.removeBackground({ image: input, providerOptions: { api: { at: new Date(iso) } } });
    expect((await at('2026-01-01T00:00:00Z')).cached).toBe(false);
    expect((await at('2026-06-01T00:00:00Z')).cached).toBe(false);
    expect((await at('2026-01-01T00:00:00Z')).cached).toBe(true);
    // With the cache off for the call, anything goes through to the provider.
    expect((await px.removeBackground({ image: input, cache: false, providerOptions: { api: { bad: new Map() } } })).cached).toBe(false);
    expect(api.state.calls).toBe(3);
  });
});
