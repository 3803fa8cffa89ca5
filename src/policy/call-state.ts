import type { EventInput } from '../events.js';
import type { ImageLimits } from '../image/limits.js';
import type { Logger } from '../logger.js';
import type { Deadline } from '../util/deadline.js';
import type { Operation } from '../types.js';
import type { RetryOptions } from './retry-options.js';
import type { BudgetGate } from '../budget/budget-gate.js';
import type { CircuitBreaker } from '../circuit/circuit-breaker.js';
import type { LoadTracker } from './load.js';
import type { ResolvedPolicy } from './policy-options.js';

/** What every step of one call shares: its identity, deadline, settings and trace. */
export interface CallState {
  callId: string;
  operation: Operation;
  deadline: Deadline;
  retry: Required<RetryOptions>;
  limits: Required<ImageLimits>;
  logger: Logger;
  emit(event: EventInput): void;
  /** Someone listens to events (`onEvent`, telemetry): events on every call's path are built only then. */
  observed: boolean;
  /** The caller's `providerOptions`, keyed by provider id; each provider's request gets its own. */
  providerOptions: Record<string, Record<string, unknown>>;
  /** Used to download result URLs. */
  fetch: typeof fetch | undefined;
  /** Result URLs off a provider's own origin may reach private addresses (`input.urls.allowPrivateNetwork`). */
  allowPrivateNetwork: boolean;
  /** The client's policy with the call's overrides. */
  policy: ResolvedPolicy;
  /** The call's own order: true when the call named `providers` and no `policy.order`. */
  keepSelectionOrder: boolean;
  /** Most this call may cost in USD, over all its attempts. */
  maxCostUsd: number | undefined;
  /** The client's shared state: breakers, period budget, admitted load. */
  circuit: CircuitBreaker | undefined;
  budget: BudgetGate;
  load: LoadTracker;
}
