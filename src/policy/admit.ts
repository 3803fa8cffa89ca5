import type { Reservation } from '../budget/budget-gate.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Capacity, NormalizedRequest, SkipReason } from '../types.js';
import type { CallState } from './call-state.js';
import { raceSignal } from '../util/signals.js';
import { estimateUsd } from './order.js';

/** A candidate cleared to run: its estimate reserved, its load counted, its circuit passed (maybe as the probe). */
export interface Ticket {
  estimateUsd: number;
  reservation: Reservation;
  probe: boolean;
}

export type Admission = { ok: true; ticket: Ticket } | { ok: false; reason: SkipReason; detail: string };

/** What this call has spent and has reserved for attempts still running, for its own per-call cap. */
export interface CallSpend {
  billedUsd: number;
  runningEstimatesUsd: number;
}

/**
 * The checks made at the moment a candidate would run, cheapest first: circuit, per-call cap, saturation, then the
 * period budget (the only one that may wait, on the budget store). A pass leaves everything claimed; a skip, nothing.
 */
export async function admit(entry: ProviderEntry, request: NormalizedRequest, call: CallState, spend: CallSpend, othersFollow: boolean): Promise<Admission> {
  const id = entry.provider.id;
  const circuit = call.circuit?.tryPass(id, call.emit) ?? { pass: true, probe: false };
  if (!circuit.pass) return { ok: false, reason: 'circuit_open', detail: `${id}'s circuit is open${circuit.retryInMs > 0 ? ` for another ${circuit.retryInMs} ms` : ' (a probe call is in flight)'}` };
  const probe = circuit.probe;
  const giveBackCircuit = () => call.circuit?.release(id, probe);

  const estimate = estimateUsd(entry, call.operation, request) ?? 0;
  const cap = call.maxCostUsd ?? call.budget.maxCostPerCallUsd;
  if (cap !== undefined && spend.billedUsd + spend.runningEstimatesUsd + estimate > cap + 1e-9) {
    giveBackCircuit();
    call.emit({ type: 'budget.refused', provider: id, usd: estimate, reason: 'per-call cap' });
    return { ok: false, reason: 'over_budget', detail: `${id} estimates $${estimate}; with $${round(spend.billedUsd + spend.runningEstimatesUsd)} already spent or running, that passes this call's cap of $${cap}` };
  }

  const saturation = saturated(entry, call);
  if (saturation && (othersFollow || entry.provider.tier === 'local')) {
    giveBackCircuit();
    call.emit({ type: 'spill', provider: id, inFlight: saturation.inFlight, queued: saturation.queued, limit: saturation.limit, ...(saturation.expectedWaitMs !== undefined ? { expectedWaitMs: saturation.expectedWaitMs } : {}) });
    return { ok: false, reason: 'saturated', detail: saturation.detail };
  }

  call.load.acquire(id);
  const pending = call.budget.reserve(estimate);
  let reserved: Awaited<typeof pending>;
  try {
    reserved = await raceSignal(pending, call.deadline.signal);
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
    call.emit({ type: 'budget.refused', provider: id, usd: estimate, reason: reserved.reason });
    return { ok: false, reason: 'over_budget', detail: reserved.reason };
  }
  if (call.budget.hasLimits) call.emit({ type: 'budget.reserved', provider: id, usd: estimate });
  return { ok: true, ticket: { estimateUsd: estimate, reservation: reserved.reservation, probe } };
}

/** The provider's load against its limit plus the allowed queue, and its own expected wait against `maxWaitMs`. */
function saturated(entry: ProviderEntry, call: CallState): (Capacity & { detail: string }) | undefined {
  let capacity: Capacity;
  try {
    capacity = entry.capacity();
  } catch {
    return undefined;
  }
  const { maxQueue, maxWaitMs } = call.policy.spill;
  const admitted = call.load.count(entry.provider.id);
  const load = Math.max(capacity.inFlight + capacity.queued, admitted);
  const inFlight = Math.min(load, capacity.limit);
  const queued = load - inFlight;
  if (load >= capacity.limit + maxQueue) {
    return { ...capacity, inFlight, queued, detail: `${entry.provider.id} is saturated: ${inFlight} in flight and ${queued} queued (limit ${capacity.limit} + queue ${maxQueue})` };
  }
  if (capacity.expectedWaitMs !== undefined && capacity.expectedWaitMs > maxWaitMs) {
    return { ...capacity, inFlight, queued, detail: `${entry.provider.id} is saturated: expected wait ${Math.round(capacity.expectedWaitMs)} ms is over ${maxWaitMs} ms` };
  }
  return undefined;
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
