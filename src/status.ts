import type { BudgetGate, BudgetStatus } from './budget/budget-gate.js';
import type { CircuitBreaker, CircuitSnapshot } from './circuit/circuit-breaker.js';
import { busyness } from './policy/expected-wait.js';
import type { LoadTracker } from './policy/load.js';
import type { ProviderEntry } from './provider/registry.js';
import type { Tier } from './types.js';

/** What a running client knows of itself: spend against its limits, and each provider's health and load. */
export interface PixmuxStatus {
  budget: {
    /** Spend per period limit, in its current window. Empty without limits. */
    limits: BudgetStatus[];
    maxCostPerCallUsd: number | undefined;
  };
  providers: ProviderStatus[];
}

export interface ProviderStatus {
  id: string;
  tier: Tier;
  /** `closed` when the client has no circuit breakers. */
  circuit: CircuitSnapshot;
  /** Calls running and waiting, and the wait a new call would have (undefined until something was measured). */
  load: { inFlight: number; queued: number; limit: number; expectedWaitMs: number | undefined };
}

export async function collectStatus(entries: ReadonlyMap<string, ProviderEntry>, circuit: CircuitBreaker | undefined, budget: BudgetGate, load: LoadTracker): Promise<PixmuxStatus> {
  const providers = [...entries.values()].map((entry): ProviderStatus => {
    const busy = busyness(entry, load);
    return {
      id: entry.provider.id,
      tier: entry.provider.tier,
      circuit: circuit?.snapshot(entry.provider.id) ?? { state: 'closed', failures: 0 },
      load: busy ? { inFlight: busy.inFlight, queued: busy.queued, limit: busy.limit, expectedWaitMs: busy.expectedWaitMs } : { inFlight: 0, queued: 0, limit: 0, expectedWaitMs: undefined },
    };
  });
  return { budget: { limits: await budget.status(), maxCostPerCallUsd: budget.maxCostPerCallUsd }, providers };
}
