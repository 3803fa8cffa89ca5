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
 * the provider's own measure when it has one (`throughputPerSecond`, or its `expectedWaitMs` for what it has seen),
 * else from this client's measured service time at the provider's concurrency limit.
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
  const total = Math.max(capacity.inFlight + capacity.queued, load.count(id));
  const inFlight = Math.min(total, limit);
  const queued = total - inFlight;
  // Calls that must finish before a new one starts: everything queued, plus one slot's worth when all are busy.
  const ahead = total >= limit ? total - limit + 1 : 0;
  return { inFlight, queued, limit, expectedWaitMs: waitFor(ahead, capacity, limit, load.meanServiceMs(id)) };
}

function waitFor(ahead: number, capacity: Capacity, limit: number, serviceMs: number | undefined): number | undefined {
  const own = finite(capacity.expectedWaitMs);
  const throughput = finite(capacity.throughputPerSecond);
  if (throughput !== undefined && throughput > 0) return Math.max(own ?? 0, (ahead / throughput) * 1000);
  if (own !== undefined) return own;
  if (serviceMs === undefined) return undefined;
  return (ahead * serviceMs) / limit;
}

function finite(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
