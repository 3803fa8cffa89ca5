import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../helpers/errors.js';
import { clientWith, PNG, stub, wait } from './stub.js';

// A call's timeout is the provider's failure to answer in time, hedged or not; a hedge that lost is not its failure.
describe('what a timed-out attempt tells the circuit', () => {
  it('a timeout counts against the provider whether or not the call hedges', async () => {
    for (const policy of [{}, { hedgeAfterMs: 10_000 }]) {
      const hanging = stub('hanging', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
      const { px, events } = clientWith([hanging.provider], { policy, retry: { retries: 0 }, circuit: { failureThreshold: 1, cooldownMs: 60_000 } });
      expect((await rejectionOf(px.generate({ prompt: 'x', timeoutMs: 20 }))).code).toBe('timeout');
      expect(events.filter((event) => event.type === 'circuit.opened')).toEqual([expect.objectContaining({ provider: 'hanging', code: 'timeout' })]);
      const next = await rejectionOf(px.generate({ prompt: 'x' }));
      expect(next.code).toBe('provider_unavailable');
      expect(hanging.state.calls).toBe(1);
    }
  });

  it("a hedge loser cancelled because another answered is not counted against it", async () => {
    const slow = stub('slow', { answer: async (_n, ctx) => (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) });
    const fast = stub('fast');
    const { px, events } = clientWith([slow.provider, fast.provider], { policy: { order: 'listed', hedgeAfterMs: 5 }, circuit: { failureThreshold: 1 } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('fast');
    expect(events.some((event) => event.type === 'circuit.opened')).toBe(false);
  });
});
