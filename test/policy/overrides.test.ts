import { describe, expect, it } from 'vitest';
import { clientWith, fail, stub } from './stub.js';
import { rejectionOf as failure } from '../helpers/errors.js';

describe('per-call overrides', () => {
  it("a call's providers, maxCostUsd and policy override the client's, for that call only", async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 1, limit: 1 }) });
    const cheap = stub('cheap', { tier: 'cheap', priceUsd: 0.01 });
    const premium = stub('premium', { tier: 'premium', priceUsd: 0.05 });
    const { px } = clientWith([local.provider, cheap.provider, premium.provider], { policy: { spill: { maxQueue: 1 } }, budget: { maxCostPerCallUsd: 0.02 } });
    // The client spills local (1 + 1 queued reaches limit 1 + queue 1); the call allows a longer queue.
    expect((await px.generate({ prompt: 'x' })).provider).toBe('cheap');
    expect((await px.generate({ prompt: 'x', policy: { spill: { maxQueue: 5 } } })).provider).toBe('local');
    // Only premium, over the client's cap, unless the call raises it.
    expect((await failure(px.generate({ prompt: 'x', providers: ['premium'] }))).code).toBe('budget_exceeded');
    expect((await px.generate({ prompt: 'x', providers: ['premium'], maxCostUsd: 0.05 })).provider).toBe('premium');
    // A lower cap for one call passes even cheap over.
    expect((await failure(px.generate({ prompt: 'x', providers: ['cheap'], maxCostUsd: 0.005 }))).code).toBe('budget_exceeded');
    // And the next call is back to the client's policy.
    expect((await px.generate({ prompt: 'x' })).provider).toBe('cheap');
  });

  it('a bad per-call policy is an invalid_request that calls nobody', async () => {
    const api = stub('api');
    const { px } = clientWith([api.provider]);
    for (const policy of [{ order: 'random' }, { spill: { maxQueue: -1 } }, { hedgeAfterMs: 'soon' }, { fallbackOn: { contentPolicy: 'yes' } }]) {
      const error = await failure(px.generate({ prompt: 'x', policy: policy as never }));
      expect(error.code).toBe('invalid_request');
      expect(error.message).toMatch(/policy\./);
    }
    expect((await failure(px.generate({ prompt: 'x', maxCostUsd: -1 }))).code).toBe('invalid_request');
    expect((await failure(px.generate({ prompt: 'x', providers: ['nope'] }))).code).toBe('invalid_request');
    expect(api.state.calls).toBe(0);
  });

  it('a bad client policy or circuit option fails at construction', () => {
    const api = stub('api');
    expect(() => clientWith([api.provider], { policy: { order: 'cheapest' as never } })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => clientWith([api.provider], { policy: { hedgeAfterMs: -5 } })).toThrow(/policy\.hedgeAfterMs/);
    expect(() => clientWith([api.provider], { policy: { spill: { maxQueu: 3 } } as never })).toThrow(/maxQueu/);
    expect(() => clientWith([api.provider], { circuit: { failureThreshold: 0 } })).toThrow(/circuit\.failureThreshold/);
    expect(() => clientWith([api.provider], { circuit: { cooldownMs: -1 } })).toThrow(/circuit\.cooldownMs/);
  });

  it('a per-call policy.order reorders the call even when it names its providers', async () => {
    const a = stub('a', { tier: 'premium', answer: fail('provider_unavailable') });
    const b = stub('b', { tier: 'local', priceUsd: 0, answer: fail('provider_unavailable') });
    const { px } = clientWith([a.provider, b.provider]);
    expect((await failure(px.generate({ prompt: 'x', providers: ['a', 'b'] }))).attempts!.map((x) => x.provider)).toEqual(['a', 'b']);
    expect((await failure(px.generate({ prompt: 'x', providers: ['a', 'b'], policy: { order: 'tier' } }))).attempts!.map((x) => x.provider)).toEqual(['b', 'a']);
  });
});
