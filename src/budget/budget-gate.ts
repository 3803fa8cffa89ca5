import { pixmuxError } from '../errors/create-error.js';
import { memoryBudgetStore } from './memory-store.js';
import { fromMicros, toMicros, type BudgetLimit, type BudgetOptions, type BudgetStore, type BudgetWindow } from './types.js';
import { windowFor } from './windows.js';

/** Money reserved for one attempt, to be settled to what it billed. */
export interface Reservation {
  windows: BudgetWindow[];
  micros: number;
}

export type ReserveOutcome = { ok: true; reservation: Reservation } | { ok: false; reason: string };

/** The client's period limits over its store: reserve an estimate before a provider runs, settle after. */
export interface BudgetGate {
  maxCostPerCallUsd: number | undefined;
  hasLimits: boolean;
  reserve(usd: number): Promise<ReserveOutcome>;
  /** Moves the reservation to the billed amount (0 gives it all back). */
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
}

const PERIODS = ['minute', 'hour', 'day', 'month'];

export function createBudgetGate(options: BudgetOptions | undefined, now: () => number = Date.now): BudgetGate {
  const limits = validateLimits(options);
  const store: BudgetStore = options?.store ?? memoryBudgetStore({ now });
  return {
    maxCostPerCallUsd: options?.maxCostPerCallUsd,
    hasLimits: limits.length > 0,
    async reserve(usd) {
      const windows = limits.map((limit) => windowFor(limit, now()));
      const micros = Math.max(0, toMicros(usd));
      if (windows.length === 0) return { ok: true, reservation: { windows, micros } };
      let answer;
      try {
        answer = await store.reserve(windows, micros);
      } catch (error) {
        // Fail closed: without the store no spend can be proven to fit.
        return { ok: false, reason: `the budget store failed (${error instanceof Error ? error.message : String(error)})` };
      }
      if (answer.ok) return { ok: true, reservation: { windows, micros } };
      return { ok: false, reason: `$${fromMicros(micros)} would pass the ${answer.key} limit of $${fromMicros(answer.limitMicros)} ($${fromMicros(answer.spentMicros)} spent or reserved)` };
    },
    async settle(reservation, actualUsd) {
      const delta = Math.max(0, toMicros(actualUsd)) - reservation.micros;
      if (reservation.windows.length === 0 || delta === 0) return;
      await store.adjust(reservation.windows, delta);
    },
  };
}

function validateLimits(options: BudgetOptions | undefined): BudgetLimit[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null) throw pixmuxError('invalid_request', 'createPixmux: budget must be an object');
  const cap = options.maxCostPerCallUsd;
  if (cap !== undefined && !(typeof cap === 'number' && cap >= 0 && Number.isFinite(cap))) throw pixmuxError('invalid_request', 'createPixmux: budget.maxCostPerCallUsd must be a number of 0 or more');
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
