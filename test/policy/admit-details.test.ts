import { describe, expect, it } from 'vitest';
import { PixmuxError } from 'pixmux';
import { clientWith, stub } from './stub.js';

async function failure(promise: Promise<unknown>): Promise<PixmuxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!PixmuxError.isInstance(error)) throw new Error(`expected a PixmuxError, got ${String(error)}`);
  return error;
}

// What a skipped candidate tells the caller: the attempt's detail and the events, with the figures that decided it.
describe('admission: what a skip says', () => {
  it('a per-call cap: admits an estimate exactly at the cap, and names the figures of one above it', async () => {
    const exact = stub('exact', { priceUsd: 0.05 });
    expect((await clientWith([exact.provider], { budget: { maxCostPerCallUsd: 0.05 } }).px.generate({ prompt: 'x' })).costUsd).toBe(0.05);

    const pricey = stub('pricey', { priceUsd: 0.0512345678 });
    const error = await failure(clientWith([pricey.provider], { budget: { maxCostPerCallUsd: 0.05 } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('budget_exceeded');
    expect(error.attempts).toEqual([
      expect.objectContaining({ provider: 'pricey', skipped: 'over_budget', detail: "pricey may cost up to $0.051235; with $0 already spent or running, that passes this call's cap of $0.05" }),
    ]);
  });

  it('an unpriced provider under a limit: skipped with the reason, and a budget.refused event', async () => {
    const unpriced = stub('unpriced', { price: () => undefined });
    const { px, events } = clientWith([unpriced.provider], { budget: { limits: [{ usd: 1, per: 'day' }] } });
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.attempts).toEqual([
      expect.objectContaining({ provider: 'unpriced', skipped: 'over_budget', detail: 'unpriced: unpriced gives no price for this call, and a cost limit is set (budget.allowUnpriced lets it run)' }),
    ]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'budget.refused', provider: 'unpriced', usd: 0, reason: 'unpriced' }));
    expect(unpriced.state.calls).toBe(0);
  });

  it('an unpriced provider without any limit runs, and reserves nothing', async () => {
    const free = stub('free', { price: () => undefined });
    const { px, events } = clientWith([free.provider]);
    expect((await px.generate({ prompt: 'x' })).provider).toBe('free');
    expect(events.some((e) => e.type === 'budget.refused' || e.type === 'budget.reserved')).toBe(false);
    expect(free.state.calls).toBe(1);
  });

  it('a period limit: a budget.reserved event for each admitted call, with the amount', async () => {
    const api = stub('api', { priceUsd: 0.02 });
    const { px, events } = clientWith([api.provider], { budget: { limits: [{ usd: 1, per: 'day' }] } });
    await px.generate({ prompt: 'x' });
    expect(events.filter((e) => e.type === 'budget.reserved')).toEqual([expect.objectContaining({ provider: 'api', usd: 0.02 })]);
  });
});
