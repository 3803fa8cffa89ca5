import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PixmuxEvent } from 'pixmux';
import { freezeDateAtNoonTomorrow } from '../helpers/clock.js';
import { budgetStoresSideBySide } from './budget-stores.js';
import { clientWith, PNG, stub } from './stub.js';

const LIMIT_USD = 1;

const stores = budgetStoresSideBySide();
// Day windows are keyed by the UTC date: Date stands still at noon tomorrow, so no test straddles midnight.
beforeEach(() => void freezeDateAtNoonTomorrow());
afterEach(() => vi.useRealTimers());

/** Runs calls until the budget refuses one (or 400 calls), one at a time and in waves of 20, and sums what was billed. */
async function spendUntilRefused(px: ReturnType<typeof clientWith>['px']) {
  let spent = 0;
  let refused = 0;
  for (let wave = 0; wave < 20 && refused === 0; wave++) {
    const outcomes = await Promise.allSettled(Array.from({ length: wave === 0 ? 1 : 20 }, () => px.generate({ prompt: 'x' })));
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') spent += outcome.value.costUsd;
      else if ((outcome.reason as { code?: string }).code === 'budget_exceeded') refused += 1;
      else throw outcome.reason;
    }
  }
  return { spent: Math.round(spent * 1e6) / 1e6, refused };
}

describe.each(stores)('budgets that hold (%s store)', (name, makeStore) => {
  it('a bill above the estimate is counted in full, reported, and later calls reserve more: spend stays near the limit', async () => {
    const events: PixmuxEvent[] = [];
    const api = stub('api', { priceUsd: 0.01, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.03 }) });
    const { px } = clientWith([api.provider], { budget: { limits: [{ usd: LIMIT_USD, per: 'day' }], store: makeStore() }, circuit: false, onEvent: (event) => events.push(event) });
    const { spent, refused } = await spendUntilRefused(px);
    console.info(`[budget:${name}] bill 3x the estimate: spent $${spent} of a $${LIMIT_USD} limit`);
    expect(refused).toBeGreaterThan(0);
    // The first overrun teaches the gate to reserve $0.03: no more than one in-flight call's bill past the limit.
    expect(spent).toBeLessThanOrEqual(LIMIT_USD + 0.03);
    expect(events.find((event) => event.type === 'budget.overrun')).toMatchObject({ provider: 'api', reservedUsd: 0.01, actualUsd: 0.03 });
    expect(events.filter((event) => event.type === 'budget.reserved').at(-1)).toMatchObject({ usd: 0.03 });
  });

  it('an unpriced provider is refused while a limit is set, unless allowUnpriced; then it stops at the limit', async () => {
    const unpriced = stub('unpriced', { price: () => Number.NaN, answer: () => ({ images: [{ bytes: PNG }], costUsd: 0.05 }) });
    const refusedClient = clientWith([unpriced.provider], { budget: { limits: [{ usd: LIMIT_USD, per: 'day' }], store: makeStore() } }).px;
    const error = await refusedClient.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'budget_exceeded' });
    expect((error as { attempts: Array<{ detail?: string }> }).attempts[0]!.detail).toMatch(/^unpriced: unpriced gives no price/);
    expect(unpriced.state.calls).toBe(0);

    const { px } = clientWith([unpriced.provider], { budget: { limits: [{ usd: LIMIT_USD, per: 'day' }], store: makeStore(), allowUnpriced: true }, circuit: false });
    const { spent, refused } = await spendUntilRefused(px);
    console.info(`[budget:${name}] unpriced provider billing $0.05 (allowUnpriced): spent $${spent} of a $${LIMIT_USD} limit`);
    expect(refused).toBeGreaterThan(0);
    // Nothing is reserved up front, so a wave in flight can pass the limit; once spend reaches it, nothing is admitted.
    expect(spent).toBeLessThanOrEqual(LIMIT_USD + 20 * 0.05);
    const after = await px.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(after).toMatchObject({ code: 'budget_exceeded' });
  });

  it('a NaN or negative bill never reaches a counter: the call counts at its reservation, with a warning', async () => {
    let bill = Number.NaN;
    const api = stub('api', { priceUsd: 0.1, answer: () => ({ images: [{ bytes: PNG }], costUsd: bill }) });
    const { px } = clientWith([api.provider], { budget: { limits: [{ usd: LIMIT_USD, per: 'day' }], store: makeStore() }, circuit: false });
    const first = await px.generate({ prompt: 'x' });
    expect(first.costUsd).toBe(0.1);
    expect(first.warnings.join('\n')).toMatch(/reported a cost of NaN/);
    bill = -5;
    expect((await px.generate({ prompt: 'x' })).costUsd).toBe(0.1);
    bill = 0.1;
    const { spent, refused } = await spendUntilRefused(px);
    const total = Math.round((spent + 0.2) * 1e6) / 1e6;
    console.info(`[budget:${name}] NaN and negative bills: spent $${total} of a $${LIMIT_USD} limit`);
    expect(refused).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(LIMIT_USD);
  });
});

describe('budget stores refuse amounts that would poison a counter', () => {
  it.each(stores)('%s: reserve and adjust throw on NaN, fractions and infinities', async (_name, makeStore) => {
    const store = makeStore();
    const window = { key: `w-${Math.random()}`, limitMicros: 1_000_000, expiresAt: Date.now() + 3_600_000 };
    for (const bad of [Number.NaN, 0.5, Number.POSITIVE_INFINITY]) {
      await expect(store.reserve([window], bad)).rejects.toThrow(/whole micro-dollars/);
      await expect(store.adjust([window], bad)).rejects.toThrow(/whole micro-dollars/);
    }
    await expect(store.reserve([window], -1)).rejects.toThrow(/whole micro-dollars/);
    expect(await store.spent(window)).toBe(0);
  });
});
