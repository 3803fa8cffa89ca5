import { pixmuxError } from '../errors/create-error.js';
import type { Operation } from '../types.js';
import { memoryBudgetStore } from './memory-store.js';
import { fromMicros, toMicros, type BudgetLimit, type BudgetOptions, type BudgetStore, type BudgetWindow } from './types.js';
import { bounds, windowFor } from './windows.js';

/** Money reserved for one attempt, to be settled to what it billed. */
export interface Reservation {
  windows: BudgetWindow[];
  micros: number;
}

export type ReserveOutcome = { ok: true; reservation: Reservation } | { ok: false; reason: string };

/** How a settle went: what was counted, and whether the bill passed its reservation. */
export interface Settlement {
  /** Dollars counted: the bill, or the reservation when the bill was not a usable number. */
  countedUsd: number;
  /** The bill was above the reservation. */
  overrun: boolean;
  /** The bill was NaN, infinite or negative, so the reservation was counted instead. */
  invalidBill: boolean;
}

/** The client's limits over its store: reserve an upper bound before a provider runs, settle to the bill after. */
export interface BudgetGate {
  maxCostPerCallUsd: number | undefined;
  /** Period limits are set. */
  hasLimits: boolean;
  /** Providers without a usable price may run under limits. */
  allowUnpriced: boolean;
  /**
   * What to reserve for an estimate: the estimate itself, raised for a provider that has billed more than its
   * estimate before (by the largest ratio seen, or the largest bill when it estimated nothing).
   */
  boundUsd(provider: string, operation: Operation, estimateUsd: number): number;
  /**
   * Reserves `usd` in every period window. An `unpriced` call reserves the smallest amount (one micro-dollar), so a
   * window that is already spent refuses it like any other.
   */
  reserve(usd: number, unpriced?: boolean): Promise<ReserveOutcome>;
  /** Moves the reservation to the billed amount (0 gives it all back); a bill that is not a usable number counts as the reservation. */
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
  /**
   * Checks a bill against its reservation and, when `accountable` (a priced call under a limit), learns from an
   * overrun; synchronous, so the caller can report before the store answers.
   */
  assess(provider: string, operation: Operation, reservation: Reservation, estimateUsd: number, actualUsd: number, accountable: boolean): Settlement;
  /** Spend (billed and reserved) in each limit's current window, from the store. */
  status(): Promise<BudgetStatus[]>;
}

/** One period limit as `px.status()` reports it. */
export interface BudgetStatus {
  per: BudgetLimit['per'];
  limitUsd: number;
  /** Billed plus reserved for calls in flight, in the current window. */
  spentUsd: number;
  /** The window's key, e.g. `day:2026-11-30T00:00:00.000Z`. */
  window: string;
  /** When the window ends and spend starts from 0 (ms since the epoch). */
  resetsAt: number;
}

const PERIODS = ['minute', 'hour', 'day', 'month'];

export function createBudgetGate(options: BudgetOptions | undefined, now: () => number = Date.now): BudgetGate {
  const limits = validateLimits(options);
  const store: BudgetStore = options?.store ?? memoryBudgetStore({ now });
  /** Per provider and operation: how far bills have passed estimates. */
  const overruns = new Map<string, { ratio: number; maxBillUsd: number }>();
  return {
    maxCostPerCallUsd: options?.maxCostPerCallUsd,
    hasLimits: limits.length > 0,
    allowUnpriced: options?.allowUnpriced === true,
    boundUsd(provider, operation, estimateUsd) {
      const seen = overruns.get(`${provider}\u0000${operation}`);
      if (!seen) return estimateUsd;
      return estimateUsd > 0 ? estimateUsd * seen.ratio : seen.maxBillUsd;
    },
    async reserve(usd, unpriced = false) {
      const windows = limits.map((limit) => windowFor(limit, now()));
      const micros = unpriced ? 1 : Math.max(0, toMicros(usd));
      if (windows.length === 0) return { ok: true, reservation: { windows, micros } };
      let answer;
      try {
        answer = await store.reserve(windows, micros);
      } catch (error) {
        // Fail closed: without the store no spend can be proven to fit.
        return { ok: false, reason: `the budget store failed (${error instanceof Error ? error.message : String(error)})` };
      }
      if (answer.ok) return { ok: true, reservation: { windows, micros } };
      const what = unpriced ? 'an unpriced call' : `$${fromMicros(micros)}`;
      return { ok: false, reason: `${what} would pass the ${answer.key} limit of $${fromMicros(answer.limitMicros)} ($${fromMicros(answer.spentMicros)} spent or reserved)` };
    },
    async settle(reservation, actualUsd) {
      const delta = usableBill(actualUsd) ? toMicros(actualUsd) - reservation.micros : 0;
      if (reservation.windows.length === 0 || delta === 0) return;
      await store.adjust(reservation.windows, delta);
    },
    async status() {
      const time = now();
      return Promise.all(
        limits.map(async (limit) => {
          const window = windowFor(limit, time);
          return { per: limit.per, limitUsd: limit.usd, spentUsd: fromMicros(await store.spent(window)), window: window.key, resetsAt: bounds(limit.per, time).end };
        }),
      );
    },
    assess(provider, operation, reservation, estimateUsd, actualUsd, accountable) {
      if (!usableBill(actualUsd)) return { countedUsd: fromMicros(reservation.micros), overrun: false, invalidBill: true };
      const overrun = accountable && toMicros(actualUsd) > reservation.micros;
      if (overrun) {
        const key = `${provider}\u0000${operation}`;
        const seen = overruns.get(key) ?? { ratio: 1, maxBillUsd: 0 };
        if (estimateUsd > 0) seen.ratio = Math.max(seen.ratio, actualUsd / estimateUsd);
        seen.maxBillUsd = Math.max(seen.maxBillUsd, actualUsd);
        overruns.set(key, seen);
      }
      return { countedUsd: actualUsd, overrun, invalidBill: false };
    },
  };
}

/** A bill that may reach a counter: a finite number of 0 or more. */
function usableBill(usd: number): boolean {
  return typeof usd === 'number' && Number.isFinite(usd) && usd >= 0;
}

function validateLimits(options: BudgetOptions | undefined): BudgetLimit[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null) throw pixmuxError('invalid_request', 'createPixmux: budget must be an object');
  const cap = options.maxCostPerCallUsd;
  if (cap !== undefined && !(typeof cap === 'number' && cap >= 0 && Number.isFinite(cap))) throw pixmuxError('invalid_request', 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more');
  if (options.allowUnpriced !== undefined && typeof options.allowUnpriced !== 'boolean') throw pixmuxError('invalid_request', 'createPixmux: budget.allowUnpriced must be true or false');
  const limits = options.limits ?? [];
  if (!Array.isArray(limits)) throw pixmuxError('invalid_request', 'createPixmux: budget.limits must be an array of { usd, per }');
  for (const [index, limit] of limits.entries()) {
    if (!limit || typeof limit.usd !== 'number' || !(limit.usd >= 0) || !Number.isFinite(limit.usd) || !PERIODS.includes(limit.per)) {
      throw pixmuxError('invalid_request', `createPixmux: budget.limits[${index}] must be { usd: number >= 0, per: 'minute' | 'hour' | 'day' | 'month' }`);
    }
  }
  const store = options.store;
  if (store !== undefined && (typeof store?.reserve !== 'function' || typeof store?.adjust !== 'function')) {
    throw pixmuxError('invalid_request', 'createPixmux: budget.store must have reserve() and adjust() (see memoryBudgetStore, redisBudgetStore)');
  }
  return limits;
}
