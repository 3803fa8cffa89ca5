import { describe, expect, it } from 'vitest';
import { memoryBudgetStore, type BudgetStore, type BudgetWindow } from 'pixmux';
import { createBudgetGate } from '../../src/budget/budget-gate.js';

/** 2020-03-15 12:00:30 UTC: far from today, so a gate that read the wall clock instead of its own would see nothing. */
const T = Date.UTC(2020, 2, 15, 12, 0, 30);
const clock = () => T;

/** A memory store that also records each round trip a real (remote) store would make. */
function recordingStore() {
  const inner = memoryBudgetStore({ now: clock });
  const adjusts: Array<{ keys: string[]; delta: number }> = [];
  const store: BudgetStore = {
    reserve: (windows, micros) => inner.reserve(windows, micros),
    adjust: (windows, delta) => (adjusts.push({ keys: windows.map((w) => w.key), delta }), inner.adjust(windows, delta)),
    spent: (window) => inner.spent(window),
  };
  return { store, adjusts };
}

describe('budget gate: reserving', () => {
  it('without limits, every call is admitted with what it would have reserved', async () => {
    const gate = createBudgetGate({}, clock);
    expect(gate.hasLimits).toBe(false);
    expect(await gate.reserve(0.25)).toEqual({ ok: true, reservation: { windows: [], micros: 250_000 } });
    expect(await gate.reserve(-3)).toEqual({ ok: true, reservation: { windows: [], micros: 0 } });
    expect(await gate.reserve(5, true)).toEqual({ ok: true, reservation: { windows: [], micros: 1 } });
  });

  it('without limits, never asks the store (no round trip, and a store outage does not matter)', async () => {
    const down: BudgetStore = { reserve: () => Promise.reject(new Error('down')), adjust: () => Promise.reject(new Error('down')), spent: () => Promise.reject(new Error('down')) };
    const gate = createBudgetGate({ store: down }, clock);
    expect(await gate.reserve(0.25)).toEqual({ ok: true, reservation: { windows: [], micros: 250_000 } });
    expect(await gate.status()).toEqual([]);
  });

  it('reserves in every limit window, reading the windows from its own clock', async () => {
    const gate = createBudgetGate({ limits: [{ usd: 1, per: 'minute' }, { usd: 10, per: 'month' }] }, clock);
    expect(gate.hasLimits).toBe(true);
    const outcome = await gate.reserve(0.4);
    expect(outcome).toEqual({
      ok: true,
      reservation: {
        micros: 400_000,
        windows: [expect.objectContaining({ key: 'minute:2020-03-15T12:00:00.000Z' }), expect.objectContaining({ key: 'month:2020-03-01T00:00:00.000Z' })],
      },
    });
    expect(await gate.status()).toEqual([
      { per: 'minute', limitUsd: 1, spentUsd: 0.4, window: 'minute:2020-03-15T12:00:00.000Z', resetsAt: Date.UTC(2020, 2, 15, 12, 1) },
      { per: 'month', limitUsd: 10, spentUsd: 0.4, window: 'month:2020-03-01T00:00:00.000Z', resetsAt: Date.UTC(2020, 3, 1) },
    ]);
  });

  it('says which limit refused, with the amount, the limit and what is already spent', async () => {
    const gate = createBudgetGate({ limits: [{ usd: 1, per: 'day' }] }, clock);
    await gate.reserve(0.5);
    expect(await gate.reserve(0.6)).toEqual({ ok: false, reason: '$0.6 would pass the day:2020-03-15T00:00:00.000Z limit of $1 ($0.5 spent or reserved)' });
    await gate.reserve(0.5);
    expect(await gate.reserve(0, true)).toEqual({ ok: false, reason: 'an unpriced call would pass the day:2020-03-15T00:00:00.000Z limit of $1 ($1 spent or reserved)' });
  });

  it('fails closed when the store fails, naming its error', async () => {
    const broken: BudgetStore = { reserve: () => Promise.reject(new Error('connection refused')), adjust: async () => {}, spent: async () => 0 };
    const gate = createBudgetGate({ limits: [{ usd: 1, per: 'day' }], store: broken }, clock);
    expect(await gate.reserve(0.1)).toEqual({ ok: false, reason: 'the budget store failed (connection refused)' });
  });
});

describe('budget gate: settling', () => {
  /** A gate with a $1 day limit over a recording store, and a reservation of $0.10 made through it. */
  async function reservedTenCents() {
    const { store, adjusts } = recordingStore();
    const gate = createBudgetGate({ limits: [{ usd: 1, per: 'day' }], store }, clock);
    const outcome = await gate.reserve(0.1);
    if (!outcome.ok) throw new Error(outcome.reason);
    return { gate, adjusts, reservation: outcome.reservation };
  }

  it('moves the reservation to the bill, in one adjust of the difference', async () => {
    const { gate, adjusts, reservation } = await reservedTenCents();
    await gate.settle(reservation, 0.03);
    expect(adjusts).toEqual([{ keys: ['day:2020-03-15T00:00:00.000Z'], delta: -70_000 }]);
    expect((await gate.status())[0]!.spentUsd).toBe(0.03);
  });

  it('makes no store round trip when nothing changes or when no limit is set', async () => {
    const { gate, adjusts, reservation } = await reservedTenCents();
    await gate.settle(reservation, 0.1);
    await gate.settle(reservation, Number.NaN);
    await gate.settle(reservation, -1);
    await gate.settle({ windows: [], micros: 100_000 }, 0.5);
    expect(adjusts).toEqual([]);
    expect((await gate.status())[0]!.spentUsd).toBe(0.1);
  });
});

describe('budget gate: assessing a bill, and learning from overruns', () => {
  const reservation = (micros: number): { windows: BudgetWindow[]; micros: number } => ({ windows: [], micros });

  it('counts a bill that is not a usable number as the reservation', () => {
    const gate = createBudgetGate({}, clock);
    for (const bill of [Number.NaN, Number.POSITIVE_INFINITY, -0.01, '0.01' as unknown as number, undefined as unknown as number]) {
      expect(gate.assess('p', 'generate', reservation(20_000), 0.02, bill, true)).toEqual({ countedUsd: 0.02, overrun: false, invalidBill: true });
    }
    expect(gate.assess('p', 'generate', reservation(20_000), 0.02, 0, true)).toEqual({ countedUsd: 0, overrun: false, invalidBill: false });
  });

  it('flags only a bill above its reservation, and only for an accountable call', () => {
    const gate = createBudgetGate({}, clock);
    expect(gate.assess('p', 'generate', reservation(20_000), 0.02, 0.01, true)).toEqual({ countedUsd: 0.01, overrun: false, invalidBill: false });
    expect(gate.assess('p', 'generate', reservation(20_000), 0.02, 0.02, true)).toEqual({ countedUsd: 0.02, overrun: false, invalidBill: false });
    expect(gate.assess('p', 'generate', reservation(20_000), 0.02, 0.05, false)).toEqual({ countedUsd: 0.05, overrun: false, invalidBill: false });
    expect(gate.boundUsd('p', 'generate', 0.02)).toBe(0.02);
    expect(gate.assess('p', 'generate', reservation(20_000), 0.02, 0.020001, true)).toEqual({ countedUsd: 0.020001, overrun: true, invalidBill: false });
  });

  it('raises later reservations of that provider and operation by the largest ratio and the largest bill seen', () => {
    const gate = createBudgetGate({}, clock);
    expect(gate.boundUsd('api', 'generate', 0.01)).toBe(0.01);
    gate.assess('api', 'generate', reservation(10_000), 0.01, 0.03, true);
    expect(gate.boundUsd('api', 'generate', 0.01)).toBeCloseTo(0.03, 10);
    expect(gate.boundUsd('api', 'generate', 0.02)).toBeCloseTo(0.06, 10);
    // Estimating nothing: the largest bill seen is the bound.
    expect(gate.boundUsd('api', 'generate', 0)).toBe(0.03);
    // Other operations and providers are not affected.
    expect(gate.boundUsd('api', 'removeBackground', 0.01)).toBe(0.01);
    expect(gate.boundUsd('other', 'generate', 0.01)).toBe(0.01);
    // A smaller overrun lowers neither the ratio nor the largest bill.
    gate.assess('api', 'generate', reservation(10_000), 0.01, 0.02, true);
    expect(gate.boundUsd('api', 'generate', 0.01)).toBeCloseTo(0.03, 10);
    expect(gate.boundUsd('api', 'generate', 0)).toBe(0.03);
    // An overrun on a zero estimate raises the largest bill, not the ratio.
    gate.assess('api', 'generate', reservation(0), 0, 0.05, true);
    expect(gate.boundUsd('api', 'generate', 0)).toBe(0.05);
    expect(gate.boundUsd('api', 'generate', 0.01)).toBeCloseTo(0.03, 10);
  });
});

describe('budget gate: options', () => {
  it('reads allowUnpriced and the per-call cap', () => {
    expect(createBudgetGate({ allowUnpriced: true }).allowUnpriced).toBe(true);
    expect(createBudgetGate({ allowUnpriced: false }).allowUnpriced).toBe(false);
    expect(createBudgetGate({}).allowUnpriced).toBe(false);
    expect(createBudgetGate(undefined).allowUnpriced).toBe(false);
    expect(createBudgetGate({ maxCostPerCallUsd: 0 }).maxCostPerCallUsd).toBe(0);
    expect(createBudgetGate({ limits: [{ usd: 0, per: 'hour' }] }).hasLimits).toBe(true);
  });

  it.each([
    [null, 'createPixmux: budget must be an object'],
    ['1', 'createPixmux: budget must be an object'],
    [{ maxCostPerCallUsd: -0.01 }, 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more'],
    [{ maxCostPerCallUsd: Number.NaN }, 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more'],
    [{ maxCostPerCallUsd: Number.POSITIVE_INFINITY }, 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more'],
    [{ maxCostPerCallUsd: '1' }, 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more'],
    [{ allowUnpriced: 'yes' }, 'createPixmux: budget.allowUnpriced must be true or false'],
    [{ limits: { usd: 1, per: 'day' } }, 'createPixmux: budget.limits must be an array of { usd, per }'],
    [{ limits: [{ usd: 1, per: 'day' }, null] }, "createPixmux: budget.limits[1] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ limits: [{ usd: '1', per: 'day' }] }, "createPixmux: budget.limits[0] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ limits: [{ usd: -1, per: 'day' }] }, "createPixmux: budget.limits[0] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ limits: [{ usd: Number.NaN, per: 'day' }] }, "createPixmux: budget.limits[0] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ limits: [{ usd: Number.POSITIVE_INFINITY, per: 'day' }] }, "createPixmux: budget.limits[0] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ limits: [{ usd: 1, per: 'week' }] }, "createPixmux: budget.limits[0] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }"],
    [{ store: null }, 'createPixmux: budget.store must have reserve() and adjust() (see memoryBudgetStore, redisBudgetStore)'],
    [{ store: { reserve: async () => ({ ok: true }) } }, 'createPixmux: budget.store must have reserve() and adjust() (see memoryBudgetStore, redisBudgetStore)'],
    [{ store: { adjust: async () => {} } }, 'createPixmux: budget.store must have reserve() and adjust() (see memoryBudgetStore, redisBudgetStore)'],
  ])('refuses %j with invalid_request', (options, message) => {
    expect(() => createBudgetGate(options as never)).toThrow(expect.objectContaining({ code: 'invalid_request', message }));
  });
});
