import type { ProviderEntry } from '../provider/registry.js';
import type { Capacity } from '../types.js';
import type { LoadTracker } from './load.js';

/** A provider's load as the policy judges it: calls running and waiting, and how long a new call would wait. */
export interface Busyness {
  inFlight: number;
  queued: number;
  limit: number;
  /** Undefined while nothing has been measured yet: an unmeasured provider is never judged slow. */
  expectedWaitMs: number | undefined;
}

/**
 * How long a new call would wait before the provider starts it. The load is the larger of what the provider reports
 * and what this client has admitted (a burst is counted before it reaches the provider's queue). The rate comes from
 * the provider's own measure when it has one (`throughputPerSecond`, or its `expectedWaitMs` for what it has seen);
 * for a provider without `capacity()`, from this client's measured service time at its concurrency limit.
 */
export function busyness(entry: ProviderEntry, load: LoadTracker): Busyness | undefined {
  let capacity: Capacity;
  try {
    capacity = entry.capacity();
  } catch {
    return undefined;
  }
  const id = entry.provider.id;
  const limit = Math.max(1, capacity.limit);
  const seen = capacity.inFlight + capacity.queued;
  // Calls this client admitted that the provider has not received yet wait too (a burst before it arrives).
  const unseen = Math.max(0, load.count(id) - (finite(capacity.accepted) ?? seen));
  const inFlight = capacity.inFlight;
  const queued = capacity.queued + unseen;
  return { inFlight, queued, limit, expectedWaitMs: expectedWait(entry, capacity, inFlight, queued, limit, load) };
}

function expectedWait(entry: ProviderEntry, capacity: Capacity, inFlight: number, queued: number, limit: number, load: LoadTracker): number | undefined {
  const throughput = finite(capacity.throughputPerSecond);
  const own = finite(capacity.expectedWaitMs);
  if (throughput !== undefined && throughput > 0) return Math.max(own ?? 0, waitAtRate(inFlight, queued, limit, throughput));
  if (own !== undefined) return own;
  // The core's own service time is measured over its concurrency slots, so it only speaks for the capacity the
  // core reports itself; a provider with its own `capacity()` (a worker pool) is judged by its own measures alone.
  const serviceMs = entry.provider.capacity ? undefined : load.meanServiceMs(entry.provider.id);
  return serviceMs === undefined || serviceMs <= 0 ? undefined : waitAtRate(inFlight, queued, limit, (1000 * limit) / serviceMs);
}

/**
 * The wait of a new call at a measured rate: nothing while a slot is free; else everything queued before it, plus
 * what is left of the calls running (half of each, on average). Also right for batching: `inFlight` counts requests.
 */
export function waitAtRate(inFlight: number, queued: number, limit: number, throughputPerSecond: number): number {
  if (inFlight + queued < limit) return 0;
  return ((queued + inFlight / 2) / throughputPerSecond) * 1000;
}

function finite(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
