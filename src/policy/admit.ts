import type { Reservation } from '../budget/budget-gate.js';
import type { OpeningFailure } from '../circuit/circuit-breaker.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { NormalizedRequest, SkipReason } from '../types.js';
import type { CallState } from './call-state.js';
import { busyness } from './expected-wait.js';
import { estimateUsd } from './order.js';

/** A candidate cleared to run: its bound reserved, its load counted, its circuit passed (maybe as the probe). */
export interface Ticket {
  /** The provider's own estimate (0 when unpriced). */
  estimateUsd: number;
  /** What was reserved against the call's cap and the period limits. */
  reservedUsd: number;
  reservation: Reservation;
  probe: boolean;
  /** The provider gave no price (allowed by `budget.allowUnpriced`, or no limit is set): its bill promised nothing. */
  unpriced: boolean;
  /** A cost limit (per call or per period) applies to this call. */
  limited: boolean;
}

export type Admission =
  | { ok: true; ticket: Ticket }
  | {
      ok: false;
      reason: SkipReason;
      detail: string;
      /** `saturated`: the expected wait that made the call spill. */
      expectedWaitMs?: number | undefined;
      /** `circuit_open`: when the provider may be asked again. */
      retryAfterMs?: number | undefined;
    };

/** What this call has spent and has reserved for attempts still running, for its own per-call cap. */
export interface CallSpend {
  billedUsd: number;
  runningEstimatesUsd: number;
}

export interface AdmitOptions {
  /**
   * Another candidate could take the call, so a busy provider may be passed over. When false the call waits for
   * this provider inside its deadline: it never fails for saturation while time remains.
   */
  mayPassOver: boolean;
}

/**
 * The checks made at the moment a candidate would run, cheapest first: circuit, price and per-call cap, saturation,
 * then the period budget (the only one that may wait, on the budget store). A pass leaves everything claimed; a skip, nothing.
 */
export async function admit(entry: ProviderEntry, request: NormalizedRequest, call: CallState, spend: CallSpend, options: AdmitOptions): Promise<Admission> {
  const id = entry.provider.id;
  const circuit = call.circuit?.tryPass(id, call.emit) ?? { pass: true, probe: false };
  if (!circuit.pass) {
    const retryAfterMs = circuit.retryInMs > 0 ? circuit.retryInMs : undefined;
    return { ok: false, reason: 'circuit_open', detail: circuitDetail(id, circuit.retryInMs, circuit.openedBy), retryAfterMs };
  }
  const probe = circuit.probe;
  const giveBackCircuit = () => call.circuit?.release(id, probe);

  const cap = call.maxCostUsd ?? call.budget.maxCostPerCallUsd;
  const limited = cap !== undefined || call.budget.hasLimits;
  const estimate = estimateUsd(entry, call.operation, request, { remainingMs: call.deadline.remainingMs() });
  if (estimate === undefined && limited && !call.budget.allowUnpriced) {
    giveBackCircuit();
    call.emit({ type: 'budget.refused', provider: id, usd: 0, reason: 'unpriced' });
    return { ok: false, reason: 'over_budget', detail: `unpriced: ${id} gives no price for this call, and a cost limit is set (budget.allowUnpriced lets it run)` };
  }
  const reservedUsd = call.budget.boundUsd(id, call.operation, estimate ?? 0);
  if (cap !== undefined && spend.billedUsd + spend.runningEstimatesUsd + reservedUsd > cap + 1e-9) {
    giveBackCircuit();
    call.emit({ type: 'budget.refused', provider: id, usd: reservedUsd, reason: 'per-call cap' });
    return { ok: false, reason: 'over_budget', detail: `${id} may cost up to $${round(reservedUsd)}; with $${round(spend.billedUsd + spend.runningEstimatesUsd)} already spent or running, that passes this call's cap of $${cap}` };
  }

  if (options.mayPassOver) {
    const spill = spillReason(entry, call);
    if (spill) {
      giveBackCircuit();
      call.emit({ type: 'spill', provider: id, inFlight: spill.inFlight, queued: spill.queued, limit: spill.limit, ...(spill.expectedWaitMs !== undefined ? { expectedWaitMs: Math.round(spill.expectedWaitMs) } : {}) });
      return { ok: false, reason: 'saturated', detail: spill.detail, expectedWaitMs: spill.expectedWaitMs };
    }
  }

  call.load.acquire(id);
  const pending = call.budget.reserve(reservedUsd, estimate === undefined);
  let reserved: Awaited<typeof pending>;
  try {
    reserved = await call.deadline.race(pending);
  } catch {
    // The call ended while the store was answering: give back whatever it reserves late.
    call.load.release(id);
    giveBackCircuit();
    pending.then((late) => (late.ok ? call.budget.settle(late.reservation, 0) : undefined)).catch(() => {});
    return { ok: false, reason: 'over_budget', detail: `${id}: the call ended while waiting for the budget store` };
  }
  if (!reserved.ok) {
    call.load.release(id);
    giveBackCircuit();
    call.emit({ type: 'budget.refused', provider: id, usd: reservedUsd, reason: reserved.reason });
    return { ok: false, reason: 'over_budget', detail: reserved.reason };
  }
  if (call.budget.hasLimits) call.emit({ type: 'budget.reserved', provider: id, usd: reservedUsd });
  return { ok: true, ticket: { estimateUsd: estimate ?? 0, reservedUsd, reservation: reserved.reservation, probe, unpriced: estimate === undefined, limited } };
}

/**
 * Why a busy provider should be passed over, if it should: its expected wait is over `spill.maxWaitMs` or over what
 * is left of the call's deadline, or (when set) its queue has reached the `spill.maxQueue` hard cap. Queue length
 * alone is no reason: a fast provider with a long queue is still the quickest way through.
 */
function spillReason(entry: ProviderEntry, call: CallState) {
  const load = busyness(entry, call.load);
  if (!load) return undefined;
  const id = entry.provider.id;
  const { maxWaitMs, maxQueue } = call.policy.spill;
  const state = `${load.inFlight} in flight, ${load.queued} queued`;
  if (maxQueue !== undefined && load.inFlight + load.queued >= load.limit + maxQueue) {
    return { ...load, detail: `${id} is saturated: ${state}, at the spill.maxQueue cap of ${maxQueue}` };
  }
  const wait = load.expectedWaitMs;
  if (wait === undefined) return undefined;
  if (wait > maxWaitMs) return { ...load, detail: `${id} is saturated: expected wait ${Math.round(wait)} ms (${state}) is over spill.maxWaitMs ${maxWaitMs} ms` };
  const remainingMs = call.deadline.remainingMs();
  if (wait > remainingMs) return { ...load, detail: `${id} is saturated: expected wait ${Math.round(wait)} ms (${state}) is over the ${Math.round(remainingMs)} ms left before the call's deadline` };
  return undefined;
}

function circuitDetail(id: string, retryInMs: number, openedBy: OpeningFailure | undefined): string {
  const when = retryInMs > 0 ? `for another ${Math.ceil(retryInMs / 1000)} s` : '(a probe call is in flight)';
  if (!openedBy) return `${id}'s circuit is open ${when}`;
  const status = openedBy.status !== undefined ? ` (HTTP ${openedBy.status})` : '';
  return `${id}'s circuit is open ${when}: it opened after ${openedBy.code}${status} at ${new Date(openedBy.at).toISOString()}`;
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
