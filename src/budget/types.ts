/** A spending limit over a calendar period (UTC): `{ usd: 100, per: 'day' }`. */
export interface BudgetLimit {
  /** Most dollars spent in one period. */
  usd: number;
  /** The period; windows start at UTC boundaries (the minute, the hour, midnight, the first of the month). */
  per: BudgetPeriod;
}

export type BudgetPeriod = 'minute' | 'hour' | 'day' | 'month';

/** One period window of one limit, as a store sees it. Amounts are whole micro-dollars, so sums never drift. */
export interface BudgetWindow {
  /** Unique per period and window, e.g. `day:2026-11-25`. A store adds its own prefix. */
  key: string;
  limitMicros: number;
  /** When the window's counter may be forgotten (ms since the epoch). */
  expiresAt: number;
}

export type ReserveAnswer = { ok: true } | { ok: false; key: string; spentMicros: number; limitMicros: number };

/**
 * Where spend is counted. `memoryBudgetStore()` serves one process; `redisBudgetStore()` shares one budget
 * across a fleet. A custom store must make `reserve` atomic: check every window and add to all of them, or to none.
 */
export interface BudgetStore {
  /** Adds `micros` to every window if none would pass its limit; otherwise adds nothing and names the window that refused. */
  reserve(windows: BudgetWindow[], micros: number): Promise<ReserveAnswer>;
  /** Adds `deltaMicros` (negative to give back) to every window, without a limit check. */
  adjust(windows: BudgetWindow[], deltaMicros: number): Promise<void>;
  /** Micro-dollars counted in one window so far. */
  spent(window: BudgetWindow): Promise<number>;
}

/** Money limits for a client. */
export interface BudgetOptions {
  /** Most one call may cost, over every provider it tries; a per-call `maxCostUsd` overrides it. @default undefined (no per-call cap) */
  maxCostPerCallUsd?: number;
  /** Period limits; every one must have room for a candidate's estimate before it runs. @default [] */
  limits?: BudgetLimit[];
  /** Where period spend is counted. @default memoryBudgetStore() */
  store?: BudgetStore;
  /**
   * Let providers that give no usable price (their `price` returns undefined, NaN or a negative number) run while a
   * limit is set. Their calls then reserve nothing up front; what they bill still counts, and once spend reaches a
   * limit no new call is admitted. @default false (an unpriced provider is passed over: `over_budget`, "unpriced")
   */
  allowUnpriced?: boolean;
}

export const MICROS_PER_USD = 1_000_000;

export function toMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

export function fromMicros(micros: number): number {
  return micros / MICROS_PER_USD;
}

/** Stores count whole micro-dollars: a NaN, fractional or infinite amount would poison a counter, so it never reaches one. */
export function assertMicros(micros: number, operation: 'reserve' | 'adjust'): void {
  if (!Number.isSafeInteger(micros) || (operation === 'reserve' && micros < 0)) {
    throw new TypeError(`budget store ${operation}: amounts are whole micro-dollars${operation === 'reserve' ? ', 0 or more' : ''} (got ${micros})`);
  }
}
