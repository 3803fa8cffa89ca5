import { describe, expect, it } from 'vitest';
import { PixmuxError } from 'pixmux';
import { clientWith, PNG, stub } from './stub.js';

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

// What an attempt reports after it ran: the warnings a bill can cause, and what it leaves counted.
describe('settling an attempt: what the logs and events say', () => {
  const logging = () => {
    const warnings: string[] = [];
    return { warnings, logger: { debug: () => {}, info: () => {}, warn: (message: string) => warnings.push(message), error: () => {} } };
  };

  it('a bill that is not a cost is counted at its reservation, with a warning', async () => {
    const api = stub('api', { priceUsd: 0.02, answer: () => ({ images: [{ bytes: PNG }], costUsd: Number.NaN }) });
    const { warnings, logger } = logging();
    const { px } = clientWith([api.provider], { logger, budget: { limits: [{ usd: 1, per: 'day' }] } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.attempts[0]!.costUsd).toBe(0.02);
    expect(warnings).toContain('[pixmux] api: billed NaN, which is not a cost; counted at its reservation $0.02');
  });

  it('a bill above its reservation is counted in full, with a budget.overrun event and a warning', async () => {
    const api = stub('api', { priceUsd: 0.02, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.05 }) });
    const { warnings, logger } = logging();
    const { px, events } = clientWith([api.provider], { logger, budget: { limits: [{ usd: 1, per: 'day' }] } });
    await px.generate({ prompt: 'x' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'budget.overrun', provider: 'api', reservedUsd: 0.02, actualUsd: 0.05 }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'budget.settled', provider: 'api', reservedUsd: 0.02, actualUsd: 0.05 }));
    expect(warnings).toContain('[pixmux] api: billed $0.05, more than the $0.02 reserved; later calls to it reserve more');
  });

  it('an unpriced provider allowed to run promised nothing, so its bill is no overrun', async () => {
    const api = stub('api', { price: () => undefined, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.5 }) });
    const { warnings, logger } = logging();
    const { px, events } = clientWith([api.provider], { logger, budget: { limits: [{ usd: 1, per: 'day' }], allowUnpriced: true } });
    expect((await px.generate({ prompt: 'x' })).costUsd).toBe(0.5);
    expect(events.some((e) => e.type === 'budget.overrun')).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('a store that cannot settle is named in a warning, and the call still succeeds', async () => {
    const api = stub('api', { priceUsd: 0.02 });
    const { warnings, logger } = logging();
    const store = { reserve: async () => ({ ok: true as const }), adjust: () => Promise.reject(new Error('store went away')), spent: async () => 0 };
    const { px } = clientWith([api.provider], { logger, budget: { limits: [{ usd: 1, per: 'day' }], store } });
    expect((await px.generate({ prompt: 'x' })).provider).toBe('api');
    // The default answer bills the estimate: nothing to adjust. A cheaper bill needs an adjust, which fails.
    const cheaper = stub('cheaper', { priceUsd: 0.02, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.01 }) });
    await clientWith([cheaper.provider], { logger, budget: { limits: [{ usd: 1, per: 'day' }], store } }).px.generate({ prompt: 'x' });
    expect(warnings).toEqual(['[pixmux] cheaper: could not settle the budget reservation: store went away']);
  });
});
