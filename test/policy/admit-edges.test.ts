import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryBudgetStore } from 'pixmux';
import { rejectionOf } from '../helpers/errors.js';
import { clientWith, fail, PNG, storeAnswering, stub, wait } from './stub.js';

// Only Date is faked: circuits, deadlines and estimates read it; the calls themselves run on real (instant) promises.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
});
afterEach(() => vi.useRealTimers());

/** A provider that fails until healed, behind a threshold-1 circuit: one failure opens it, 1 s later it probes. */
function halfOpen(options: Parameters<typeof stub>[1] = {}) {
  let healthy = false;
  const flaky = stub('flaky', { ...options, answer: () => (healthy ? { images: [{ bytes: PNG }], costUsd: 0.01 } : fail('provider_error', 500)()) });
  return {
    ...flaky,
    /** Opens the circuit with one failed call, waits out the cooldown and heals the provider: the next call probes. */
    async open(px: { generate(request: object): Promise<unknown> }) {
      await px.generate({ prompt: 'x' }).catch(() => {});
      vi.setSystemTime(Date.now() + 1_000);
      healthy = true;
    },
  };
}
const circuit = { failureThreshold: 1, cooldownMs: 1_000 };

describe('a half-open circuit whose probe is passed over for another reason gives the probe back', () => {
  it('over the call’s own cap: the next call probes and closes the circuit', async () => {
    const flaky = halfOpen();
    const { px, events } = clientWith([flaky.provider], { retry: { retries: 0 }, circuit });
    await flaky.open(px);
    expect((await rejectionOf(px.generate({ prompt: 'x', maxCostUsd: 0.001 }))).code).toBe('budget_exceeded');
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
    expect(events.map((event) => event.type)).toContain('circuit.closed');
  });

  it('unpriced under the call’s cap: the next call, without a cap, probes', async () => {
    const flaky = halfOpen({ price: () => undefined });
    const { px } = clientWith([flaky.provider], { retry: { retries: 0 }, circuit });
    await flaky.open(px);
    const refused = await rejectionOf(px.generate({ prompt: 'x', maxCostUsd: 1 }));
    expect(refused.attempts![0]).toMatchObject({ skipped: 'over_budget', detail: expect.stringMatching(/^unpriced: flaky gives no price/) });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });

  it('saturated while another candidate follows: the next call, with a free slot, probes', async () => {
    let saturated = false;
    const flaky = halfOpen({ capacity: () => ({ inFlight: saturated ? 1 : 0, queued: 0, limit: 1 }) });
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([flaky.provider, backup.provider], { retry: { retries: 0 }, circuit, policy: { order: 'listed', spill: { maxQueue: 0 } } });
    await flaky.open(px);
    saturated = true;
    const spilled = await px.generate({ prompt: 'x' });
    expect(spilled.provider).toBe('backup');
    expect(spilled.attempts[0]).toMatchObject({ provider: 'flaky', skipped: 'saturated' });
    saturated = false;
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });

  it('refused by the period budget: the next call probes, and the refused call left no load behind', async () => {
    let refuse = true;
    const store = storeAnswering((windows) => (refuse ? Promise.resolve({ ok: false as const, key: windows[0]!.key, limitMicros: 1, spentMicros: 1 }) : undefined));
    const flaky = halfOpen();
    const { px } = clientWith([flaky.provider], { retry: { retries: 0 }, circuit, budget: { limits: [{ usd: 10, per: 'day' }], store } });
    refuse = false;
    await flaky.open(px);
    refuse = true;
    expect((await rejectionOf(px.generate({ prompt: 'x' }))).code).toBe('budget_exceeded');
    expect((await px.status()).providers[0]!.load).toMatchObject({ inFlight: 0, queued: 0 });
    refuse = false;
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });

  it('the call ends while the budget store is answering: skipped with that reason, no load left, and the next call probes', async () => {
    let stall = false;
    const store = storeAnswering(() => (stall ? new Promise(() => {}) : undefined));
    const flaky = halfOpen();
    const { px } = clientWith([flaky.provider], { retry: { retries: 0 }, circuit, budget: { limits: [{ usd: 10, per: 'day' }], store } });
    await flaky.open(px);
    stall = true;
    const caller = new AbortController();
    const stalled = px.generate({ prompt: 'x', signal: caller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    caller.abort();
    const error = await rejectionOf(stalled);
    expect(error.code).toBe('aborted');
    expect(error.attempts).toEqual([expect.objectContaining({ provider: 'flaky', skipped: 'over_budget', detail: 'flaky: the call ended while waiting for the budget store' })]);
    expect((await px.status()).providers[0]!.load).toMatchObject({ inFlight: 0, queued: 0 });
    stall = false;
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });
});

describe('a circuit skip', () => {
  it('names a failure without an HTTP status without one', async () => {
    const broken = stub('broken', { answer: fail('provider_error') });
    const backup = stub('backup', { tier: 'premium' });
    const { px } = clientWith([broken.provider, backup.provider], { retry: { retries: 0 }, circuit: { failureThreshold: 1, cooldownMs: 10_000 }, policy: { order: 'listed' } });
    await px.generate({ prompt: 'x' });
    const result = await px.generate({ prompt: 'x' });
    expect(result.attempts[0]).toMatchObject({ provider: 'broken', skipped: 'circuit_open' });
    expect(result.attempts[0]!.detail).toBe("broken's circuit is open for another 10 s: it opened after provider_error at 2026-11-25T12:00:00.000Z");
  });

  it('provider_unavailable: retryAfterMs is the soonest known reopening, and a probe in flight gives none', async () => {
    // a opens first, b half a second later; when a's cooldown is over, a call probes a (and hangs), b still cools down.
    let failing = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = stub('a', { answer: async () => (failing ? fail('provider_error', 503)() : (await gate, { images: [{ bytes: PNG }] })) });
    const b = stub('b', { answer: fail('provider_error', 503) });
    const options = { retry: { retries: 0 }, circuit: { failureThreshold: 1, cooldownMs: 1_000 }, policy: { order: 'listed' as const } };
    const { px } = clientWith([a.provider, b.provider], options);
    await px.generate({ prompt: 'x', providers: ['a'] }).catch(() => {});
    vi.setSystemTime(Date.now() + 500);
    await px.generate({ prompt: 'x', providers: ['b'] }).catch(() => {});
    vi.setSystemTime(Date.now() + 500);
    failing = false;
    const probing = px.generate({ prompt: 'x', providers: ['a'] });
    while (a.state.calls < 2) await new Promise((resolve) => setImmediate(resolve));

    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true, retryAfterMs: 500 });
    expect(error.attempts!.map((attempt) => [attempt.provider, attempt.skipped])).toEqual([['a', 'circuit_open'], ['b', 'circuit_open']]);
    expect(error.attempts![0]!.detail).toMatch(/a probe call is in flight/);

    const onlyProbe = await rejectionOf(px.generate({ prompt: 'x', providers: ['a'] }));
    expect(onlyProbe.code).toBe('provider_unavailable');
    expect(onlyProbe.retryAfterMs).toBeUndefined();
    release();
    expect((await probing).provider).toBe('a');
  });

  it("a probe aborted by the caller is given back: the next call probes", async () => {
    let hang = false;
    const flaky = halfOpen();
    const slow = stub('flaky', { answer: async (n, ctx) => (hang ? (await wait(600_000, ctx.signal), { images: [{ bytes: PNG }] }) : flaky.provider.operations.generate!({} as never, ctx)) });
    const { px } = clientWith([slow.provider], { retry: { retries: 0 }, circuit });
    await flaky.open(px);
    hang = true;
    const caller = new AbortController();
    const aborted = px.generate({ prompt: 'x', signal: caller.signal });
    while (slow.state.calls < 2) await new Promise((resolve) => setImmediate(resolve));
    caller.abort();
    expect((await rejectionOf(aborted)).code).toBe('aborted');
    hang = false;
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });
});

describe('cost limits at admission', () => {
  it("an unpriced provider is passed over under a per-call cap alone (no period limit)", async () => {
    const unpriced = stub('unpriced', { price: () => undefined });
    const { px, events } = clientWith([unpriced.provider], { budget: { maxCostPerCallUsd: 1 } });
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('budget_exceeded');
    expect(unpriced.state.calls).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'budget.refused', provider: 'unpriced', reason: 'unpriced' }));
  });

  it("a price that depends on the time left is asked with the call's deadline, at admission and for ordering", async () => {
    // Billed by the second up to the deadline: 20 s at $0.001/s is $0.02, under the $0.03 cap.
    const timeBilled = stub('time-billed', { price: (_operation, _request, context) => (context!.remainingMs / 1000) * 0.001, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.001 }) });
    const flat = stub('flat', { priceUsd: 0.025 });
    const { px } = clientWith([flat.provider, timeBilled.provider], { budget: { maxCostPerCallUsd: 0.03 }, policy: { order: 'price' } });
    const result = await px.generate({ prompt: 'x', timeoutMs: 20_000 });
    expect(result.provider).toBe('time-billed');
    expect(flat.state.calls).toBe(0);
  });

  it.each([
    ['NaN', Number.NaN],
    ['negative', -0.01],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('a price that is %s is no price: under a cap the provider is passed over as unpriced', async (_what, usd) => {
    const odd = stub('odd', { price: () => usd });
    const { px } = clientWith([odd.provider], { budget: { maxCostPerCallUsd: 1 } });
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.attempts).toEqual([expect.objectContaining({ provider: 'odd', skipped: 'over_budget', detail: expect.stringMatching(/^unpriced: odd gives no price/) })]);
    expect(odd.state.calls).toBe(0);
  });

  it('allowUnpriced: once spend reaches a limit, an unpriced call is no longer admitted', async () => {
    const unpriced = stub('unpriced', { price: () => undefined, answer: () => ({ images: [{ bytes: PNG }], costUsd: 1 }) });
    const { px } = clientWith([unpriced.provider], { budget: { limits: [{ usd: 1, per: 'day' }], allowUnpriced: true, store: memoryBudgetStore() } });
    expect((await px.generate({ prompt: 'x' })).costUsd).toBe(1);
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('budget_exceeded');
    expect(error.attempts![0]!.detail).toMatch(/^an unpriced call would pass the day:.* limit of \$1 \(\$1 spent or reserved\)$/);
    expect(unpriced.state.calls).toBe(1);
  });
});

describe('spill: what decides it, and what it says', () => {
  it('spills by the queue cap with the state in the detail, and an event without an expected wait when none is known', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 2, queued: 1, limit: 2 }) });
    const cheap = stub('cheap');
    const { px, events } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxQueue: 1 } } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('cheap');
    expect(result.attempts[0]!.detail).toBe('local is saturated: 2 in flight, 1 queued, at the spill.maxQueue cap of 1');
    expect(result.attempts[0]).not.toHaveProperty('expectedWaitMs');
    const spill = events.find((event) => event.type === 'spill')!;
    expect(spill).toMatchObject({ provider: 'local', inFlight: 2, queued: 1, limit: 2 });
    expect(spill).not.toHaveProperty('expectedWaitMs');
  });

  it('an expected wait exactly at maxWaitMs does not spill; one over it does, and says so', async () => {
    let waitMs = 2_000;
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 1, limit: 1, expectedWaitMs: waitMs }) });
    const cheap = stub('cheap');
    const { px } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 2_000 } } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('local');
    waitMs = 2_001;
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('cheap');
    expect(result.attempts[0]!.detail).toBe('local is saturated: expected wait 2001 ms (1 in flight, 1 queued) is over spill.maxWaitMs 2000 ms');
  });

  it('an expected wait exactly what is left of the deadline does not spill; one over it does, and says so', async () => {
    let waitMs = 1_500;
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 3, limit: 1, expectedWaitMs: waitMs }) });
    const cheap = stub('cheap');
    const { px } = clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 10_000 } } });
    expect((await px.generate({ prompt: 'x', timeoutMs: 1_500 })).provider).toBe('local');
    waitMs = 1_501;
    const result = await px.generate({ prompt: 'x', timeoutMs: 1_500 });
    expect(result.provider).toBe('cheap');
    expect(result.attempts[0]).toMatchObject({ skipped: 'saturated', expectedWaitMs: 1_501 });
    expect(result.attempts[0]!.detail).toBe("local is saturated: expected wait 1501 ms (1 in flight, 3 queued) is over the 1500 ms left before the call's deadline");
  });

  it('a provider whose capacity() throws is not judged busy', async () => {
    const odd = stub('odd', { capacity: () => { throw new Error('no gauge'); } });
    const cheap = stub('cheap', { tier: 'premium' });
    const { px } = clientWith([odd.provider, cheap.provider], { policy: { order: 'listed', spill: { maxQueue: 0 } } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('odd');
  });

  it('a throughput of 0 is no rate: the wait the provider reports is used', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 1, limit: 1, throughputPerSecond: 0, expectedWaitMs: 100 }) });
    const cheap = stub('cheap');
    expect((await clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 1_000 } } }).px.generate({ prompt: 'x' })).provider).toBe('local');
  });

  it('a reported wait that is not a finite number is not a measure: the provider is not judged slow', async () => {
    const local = stub('local', { tier: 'local', priceUsd: 0, capacity: () => ({ inFlight: 1, queued: 1, limit: 1, expectedWaitMs: Number.POSITIVE_INFINITY }) });
    const cheap = stub('cheap');
    expect((await clientWith([local.provider, cheap.provider], { policy: { spill: { maxWaitMs: 1_000 } } }).px.generate({ prompt: 'x' })).provider).toBe('local');
  });
});
