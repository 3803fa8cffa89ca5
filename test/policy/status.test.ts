import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryBudgetStore } from 'pixmux';
import { freezeDateAtNoonTomorrow } from '../helpers/clock.js';
import { clientWith, fail, PNG, stub } from './stub.js';

afterEach(() => vi.useRealTimers());

describe('px.status()', () => {
  it('reports spend per period window, circuits with the failure that opened them, and each provider’s load', async () => {
    const noon = freezeDateAtNoonTomorrow();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broken = stub('broken', { tier: 'cheap', answer: fail('insufficient_credits', 402) });
    const slow = stub('slow', { tier: 'premium', priceUsd: 0.04, maxConcurrency: 1, answer: async () => (await gate, { images: [{ bytes: PNG }], costUsd: 0.04 }) });
    const { px } = clientWith([broken.provider, slow.provider], { retry: { retries: 0 }, budget: { limits: [{ usd: 5, per: 'day' }, { usd: 1, per: 'hour' }], store: memoryBudgetStore() } });

    const running = [px.generate({ prompt: 'a' }), px.generate({ prompt: 'b' })];
    while (slow.state.calls < 1) await new Promise((resolve) => setImmediate(resolve));
    const during = await px.status();
    expect(during.budget.limits).toEqual([
      { per: 'day', limitUsd: 5, spentUsd: 0.08, window: expect.stringMatching(/^day:/), resetsAt: noon + 12 * 3_600_000 },
      { per: 'hour', limitUsd: 1, spentUsd: 0.08, window: expect.stringMatching(/^hour:/), resetsAt: noon + 3_600_000 },
    ]);
    const [brokenStatus, slowStatus] = during.providers;
    expect(brokenStatus).toMatchObject({ id: 'broken', tier: 'cheap', circuit: { state: 'open', failures: expect.any(Number), lastFailure: { code: 'insufficient_credits', status: 402 } } });
    expect(brokenStatus!.circuit.retryInMs).toBeGreaterThan(0);
    expect(slowStatus).toMatchObject({ id: 'slow', circuit: { state: 'closed', failures: 0 }, load: { inFlight: 1, queued: 1, limit: 1 } });

    release();
    await Promise.all(running);
    const after = await px.status();
    expect(after.budget.limits.map((limit) => limit.spentUsd)).toEqual([0.08, 0.08]);
    expect(after.providers[1]!.load).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('a client without limits or circuits reports empty limits and closed circuits', async () => {
    const { px } = clientWith([stub('api').provider], { circuit: false });
    expect(await px.status()).toEqual({
      budget: { limits: [], maxCostPerCallUsd: undefined },
      providers: [{ id: 'api', tier: 'cheap', circuit: { state: 'closed', failures: 0 }, load: { inFlight: 0, queued: 0, limit: 8, expectedWaitMs: undefined } }],
    });
  });
});

describe('providerOptions that name no configured provider', () => {
  it('are a warning on the result, never dropped silently', async () => {
    const { px } = clientWith([stub('local', { tier: 'local', priceUsd: 0 }).provider]);
    const result = await px.generate({ prompt: 'x', providerOptions: { lokal: { output: 'mask' }, local: {} } });
    expect(result.warnings).toContain('providerOptions: "lokal" names no configured provider (configured: local); ignored');
  });
});
