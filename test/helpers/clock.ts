import { vi } from 'vitest';

/**
 * Freezes `Date` (only Date: timers stay real) at noon UTC tomorrow, so that a test reading date-keyed budget
 * windows (`day:…`, `hour:…`, `minute:…`) cannot race the turn of a period, and returns that time. Tomorrow, not a
 * fixed date, so that Redis' absolute expiries (PEXPIREAT) computed from it stay in the future. Undo with
 * `vi.useRealTimers()`.
 */
export function freezeDateAtNoonTomorrow(): number {
  const today = new Date(realNow());
  const noon = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1, 12);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(noon);
  return noon;
}

/** The real time in ms since the epoch (the system clock, as Redis reads it), even while `Date` is faked. */
export function realNow(): number {
  return vi.isFakeTimers() ? vi.getRealSystemTime() : Date.now();
}

/** The key of the UTC day containing `time`, as the budget windows name it. */
export function dayKey(time: number): string {
  return `day:${new Date(time).toISOString().slice(0, 10)}T00:00:00.000Z`;
}
