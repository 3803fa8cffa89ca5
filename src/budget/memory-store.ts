import { assertMicros, type BudgetStore, type BudgetWindow, type ReserveAnswer } from './types.js';

/**
 * Counts spend in this process. Reserve is atomic because it runs without an await between the check and the add.
 * Expired windows are dropped as new ones appear.
 */
export function memoryBudgetStore(options: { /** The clock. @default Date.now */ now?: () => number } = {}): BudgetStore {
  const now = options.now ?? Date.now;
  const counters = new Map<string, { micros: number; expiresAt: number }>();

  function counter(window: BudgetWindow) {
    let entry = counters.get(window.key);
    if (!entry || entry.expiresAt <= now()) {
      if (!entry) sweep();
      entry = { micros: 0, expiresAt: window.expiresAt };
      counters.set(window.key, entry);
    }
    return entry;
  }

  function current(key: string): number {
    const entry = counters.get(key);
    return entry && entry.expiresAt > now() ? entry.micros : 0;
  }

  function sweep() {
    const time = now();
    for (const [key, entry] of counters) if (entry.expiresAt <= time) counters.delete(key);
  }

  return {
    async reserve(windows, micros): Promise<ReserveAnswer> {
      assertMicros(micros, 'reserve');
      for (const window of windows) {
        const spent = current(window.key);
        if (spent + micros > window.limitMicros) return { ok: false, key: window.key, spentMicros: spent, limitMicros: window.limitMicros };
      }
      for (const window of windows) counter(window).micros += micros;
      return { ok: true };
    },
    async adjust(windows, deltaMicros) {
      assertMicros(deltaMicros, 'adjust');
      for (const window of windows) counter(window).micros += deltaMicros;
    },
    async spent(window) {
      return current(window.key);
    },
  };
}
