import type { BudgetLimit, BudgetPeriod, BudgetWindow } from './types.js';
import { toMicros } from './types.js';

/** A counter outlives its window by this much, so that a late settle still lands on it. */
const GRACE_MS = 10 * 60_000;

/** The window of `limit` that contains `now`. */
export function windowFor(limit: BudgetLimit, now: number): BudgetWindow {
  const { start, end } = bounds(limit.per, now);
  return { key: `${limit.per}:${new Date(start).toISOString()}`, limitMicros: toMicros(limit.usd), expiresAt: end + GRACE_MS };
}

/** Start and end (ms since the epoch, UTC) of the period containing `now`. */
export function bounds(per: BudgetPeriod, now: number): { start: number; end: number } {
  const date = new Date(now);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  const h = date.getUTCHours();
  switch (per) {
    case 'minute': {
      const start = Math.floor(now / 60_000) * 60_000;
      return { start, end: start + 60_000 };
    }
    case 'hour':
      return { start: Date.UTC(y, m, d, h), end: Date.UTC(y, m, d, h + 1) };
    case 'day':
      return { start: Date.UTC(y, m, d), end: Date.UTC(y, m, d + 1) };
    case 'month':
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}
