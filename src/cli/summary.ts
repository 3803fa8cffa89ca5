import type { Attempt, PixmuxError, PixmuxResult } from 'pixmux';

export interface ProviderTotals {
  /** Items this provider served. */
  count: number;
  /** Dollars billed by this provider's attempts (served or not). */
  costUsd: number;
  /** Its attempts that failed (the item may still have been served by another provider). */
  failures: number;
}

/** One failed item, as written to --failures. */
export interface FailureRecord {
  input: string;
  code: string;
  message: string;
  attempts: Attempt[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Why the provider that served an item served it: the ones tried or passed over before it, from `attempts`
 * (a spill names the expected wait, a fallback the failure). "first choice" when nothing came before it.
 */
export function explainAttempts(attempts: readonly Attempt[], servedBy: string | undefined): string {
  const before = attempts.filter((attempt) => !(attempt.ok && attempt.provider === servedBy) && attempt.skipped !== 'not_selected');
  const reasons = before.map((attempt) => {
    if (attempt.skipped === 'saturated') return `${attempt.provider} busy (spill${attempt.expectedWaitMs === undefined ? '' : `, expected wait ${seconds(attempt.expectedWaitMs)}`})`;
    if (attempt.skipped) return `${attempt.provider} skipped (${attempt.skipped}${attempt.detail ? `: ${attempt.detail}` : ''})`;
    if (attempt.error) return `${attempt.provider} failed (${attempt.error.code}: ${attempt.error.message}) → fallback`;
    return `${attempt.provider} tried`;
  });
  if (servedBy === undefined) return reasons.join('; ');
  return reasons.length === 0 ? 'first choice' : reasons.join('; ');
}

/** Running totals per provider and overall; nothing per item is kept, so memory stays flat. */
export function createSummary() {
  const providers = new Map<string, ProviderTotals>();
  const totals = { succeeded: 0, failed: 0, skipped: 0, costUsd: 0, cached: 0 };
  const entry = (id: string) => {
    let found = providers.get(id);
    if (!found) providers.set(id, (found = { count: 0, costUsd: 0, failures: 0 }));
    return found;
  };
  const countAttempts = (attempts: readonly Attempt[]) => {
    for (const attempt of attempts) {
      if (attempt.skipped) continue;
      const totalsFor = entry(attempt.provider);
      totalsFor.costUsd += attempt.costUsd ?? 0;
      if (!attempt.ok) totalsFor.failures += 1;
    }
  };
  return {
    totals,
    providers,
    succeeded(result: PixmuxResult) {
      totals.succeeded += 1;
      totals.costUsd += result.costUsd;
      if (result.cached) totals.cached += 1;
      entry(result.provider).count += 1;
      countAttempts(result.attempts);
    },
    failed(error: PixmuxError) {
      totals.failed += 1;
      countAttempts(error.attempts ?? []);
      for (const attempt of error.attempts ?? []) totals.costUsd += attempt.costUsd ?? 0;
    },
    skipped() {
      totals.skipped += 1;
    },
    /** Plain-text table for the end of a run. */
    lines(): string[] {
      const rows = [...providers.entries()].map(([id, t]) => `  ${id.padEnd(20)} ${String(t.count).padStart(7)} served  $${t.costUsd.toFixed(4).padStart(9)}  ${t.failures} failed attempt${t.failures === 1 ? '' : 's'}`);
      return [
        `${totals.succeeded} succeeded, ${totals.failed} failed, ${totals.skipped} skipped (output present), $${totals.costUsd.toFixed(4)} in all`,
        ...(rows.length > 0 ? ['per provider:', ...rows] : []),
      ];
    },
    toJSON() {
      return { ...totals, providers: Object.fromEntries(providers) };
    },
  };
}

export type Summary = ReturnType<typeof createSummary>;
