import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PixmuxError } from 'pixmux';
import { clientWith, fail, PNG, stub, wait } from './stub.js';

// Only the clock is faked: the breaker reads Date.now, the calls themselves run on real (instant) promises.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
});
afterEach(() => vi.useRealTimers());

function flaky() {
  let healthy = false;
  const provider = stub('flaky', { tier: 'cheap', answer: (_n, _ctx) => (healthy ? { images: [{ bytes: PNG }] } : fail('provider_error', 500)()) });
  return { ...provider, heal: () => (healthy = true) };
}

describe('circuit breaker', () => {
  it('opens after N consecutive failures, then skips the provider at once without calling it', async () => {
    const broken = stub('broken', { tier: 'cheap', answer: fail('provider_error', 500) });
    const backup = stub('backup', { tier: 'premium' });
    const { px, events } = clientWith([broken.provider, backup.provider], { retry: { retries: 0 }, circuit: { failureThreshold: 3, cooldownMs: 10_000 } });
    for (let i = 0; i < 3; i++) expect((await px.generate({ prompt: 'x' })).provider).toBe('backup');
    expect(broken.state.calls).toBe(3);
    expect(events.filter((e) => e.type === 'circuit.opened')).toEqual([expect.objectContaining({ provider: 'broken', failures: 3, cooldownMs: 10_000, code: 'provider_error' })]);

    const result = await px.generate({ prompt: 'x' });
    expect(broken.state.calls).toBe(3);
    expect(result.attempts[0]).toMatchObject({ provider: 'broken', skipped: 'circuit_open', durationMs: 0 });
    expect(result.attempts[0]!.detail).toMatch(/open for another 10 s: it opened after provider_error \(HTTP 500\) at \d{4}-\d\d-\d\dT/);
  });

  it('lets one probe through after the cooldown; success closes the circuit', async () => {
    const provider = flaky();
    const backup = stub('backup', { tier: 'premium' });
    const { px, events } = clientWith([provider.provider, backup.provider], { retry: { retries: 0 }, circuit: { failureThreshold: 2, cooldownMs: 5_000 } });
    await px.generate({ prompt: 'x' });
    await px.generate({ prompt: 'x' });
    expect(events.some((e) => e.type === 'circuit.opened')).toBe(true);
    vi.setSystemTime(Date.now() + 4_999);
    await px.generate({ prompt: 'x' });
    expect(provider.state.calls).toBe(2);

    vi.setSystemTime(Date.now() + 1);
    provider.heal();
    // Two calls at once after the cooldown: one is the probe, the other passes over the half-open circuit.
    const [first, second] = await Promise.all([px.generate({ prompt: 'x' }), px.generate({ prompt: 'x' })]);
    expect(provider.state.calls).toBe(3);
    expect([first.provider, second.provider].sort()).toEqual(['backup', 'flaky']);
    const skipped = [first, second].find((r) => r.provider === 'backup')!;
    expect(skipped.attempts[0]).toMatchObject({ skipped: 'circuit_open' });
    expect(skipped.attempts[0]!.detail).toMatch(/probe call is in flight/);
    expect(events.map((e) => e.type)).toContain('circuit.half_open');
    expect(events.map((e) => e.type)).toContain('circuit.closed');
    expect((await px.generate({ prompt: 'x' })).provider).toBe('flaky');
  });

  it('opens again for a full cooldown when the probe fails', async () => {
    const broken = stub('broken', { answer: fail('provider_error', 500) });
    const backup = stub('backup', { tier: 'premium' });
    const { px, events } = clientWith([broken.provider, backup.provider], { retry: { retries: 0 }, circuit: { failureThreshold: 1, cooldownMs: 1_000 } });
    await px.generate({ prompt: 'x' });
    vi.setSystemTime(Date.now() + 1_000);
    await px.generate({ prompt: 'x' });
    expect(broken.state.calls).toBe(2);
    expect(events.filter((e) => e.type === 'circuit.opened')).toHaveLength(2);
    vi.setSystemTime(Date.now() + 999);
    await px.generate({ prompt: 'x' });
    expect(broken.state.calls).toBe(2);
  });

  it('opens at once on auth and insufficient_credits, with the longer credential cooldown', async () => {
    const noKey = stub('no-key', { answer: fail('auth', 401) });
    const backup = stub('backup', { tier: 'premium' });
    const { px, events } = clientWith([noKey.provider, backup.provider], { circuit: { failureThreshold: 5, cooldownMs: 1_000, credentialCooldownMs: 60_000 } });
    await px.generate({ prompt: 'x' });
    expect(events.find((e) => e.type === 'circuit.opened')).toMatchObject({ provider: 'no-key', code: 'auth', cooldownMs: 60_000 });
    vi.setSystemTime(Date.now() + 30_000);
    await px.generate({ prompt: 'x' });
    expect(noKey.state.calls).toBe(1);
  });

  it('does not count bad input or the caller aborting against the provider', async () => {
    const picky = stub('picky', { answer: fail('invalid_request', 400) });
    const { px } = clientWith([picky.provider], { circuit: { failureThreshold: 1 } });
    for (let i = 0; i < 3; i++) await px.generate({ prompt: 'x' }).catch(() => {});
    expect(picky.state.calls).toBe(3);
  });

  it('a success resets the count of consecutive failures', async () => {
    let n = 0;
    const sometimes = stub('sometimes', { answer: () => (++n % 2 === 0 ? fail('provider_error', 500)() : { images: [{ bytes: PNG }] }) });
    const { px, events } = clientWith([sometimes.provider], { retry: { retries: 0 }, circuit: { failureThreshold: 2 } });
    for (let i = 0; i < 6; i++) await px.generate({ prompt: 'x' }).catch((e: unknown) => expect(PixmuxError.isInstance(e)).toBe(true));
    expect(events.some((e) => e.type === 'circuit.opened')).toBe(false);
  });

  it('circuit: false turns the breakers off', async () => {
    const broken = stub('broken', { answer: fail('provider_error', 500) });
    const { px } = clientWith([broken.provider], { retry: { retries: 0 }, circuit: false });
    for (let i = 0; i < 8; i++) await px.generate({ prompt: 'x' }).catch(() => {});
    expect(broken.state.calls).toBe(8);
  });
});

describe('circuit breaker and the caller', () => {
  it("never counts the caller's abort as a failure: 10 calls aborted in flight leave a threshold-1 circuit closed", async () => {
    let hang = true;
    const slow = stub('slow', {
      tier: 'cheap',
      maxConcurrency: 10,
      answer: async (_n, ctx) => {
        if (hang) await wait(600_000, ctx.signal);
        return { images: [{ bytes: PNG }] };
      },
    });
    const backup = stub('backup', { tier: 'premium' });
    const { px, events } = clientWith([slow.provider, backup.provider], { circuit: { failureThreshold: 1, cooldownMs: 60_000 } });
    const callers = Array.from({ length: 10 }, () => new AbortController());
    const calls = callers.map((caller) => px.generate({ prompt: 'x', signal: caller.signal }).catch((error: unknown) => error as PixmuxError));
    while (slow.state.calls < 10) await new Promise((resolve) => setImmediate(resolve));
    for (const caller of callers) caller.abort();
    expect((await Promise.all(calls)).map((outcome) => (outcome as PixmuxError).code)).toEqual(Array(10).fill('aborted'));
    expect(backup.state.calls).toBe(0);

    hang = false;
    const next = await px.generate({ prompt: 'x' });
    expect(next.provider).toBe('slow');
    expect(next.attempts).toHaveLength(1);
    expect(events.filter((event) => event.type === 'circuit.opened')).toEqual([]);
  });
});
