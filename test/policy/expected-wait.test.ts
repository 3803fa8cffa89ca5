import { describe, expect, it } from 'vitest';
import type { Capacity } from 'pixmux';
import { busyness, waitAtRate } from '../../src/policy/expected-wait.js';
import { LoadTracker } from '../../src/policy/load.js';
import type { ProviderEntry } from '../../src/provider/registry.js';

/** Just what `busyness` reads of a registry entry: the provider's id, whether it has its own capacity(), and the capacity. */
function entry(capacity: Capacity | (() => Capacity), options: { ownCapacity?: boolean } = {}): ProviderEntry {
  const read = typeof capacity === 'function' ? capacity : () => capacity;
  return { provider: { id: 'p', ...(options.ownCapacity ? { capacity: read } : {}) }, capacity: read } as unknown as ProviderEntry;
}

describe('LoadTracker', () => {
  it('counts calls admitted and not yet finished, never below zero', () => {
    const load = new LoadTracker();
    expect(load.count('p')).toBe(0);
    load.acquire('p');
    load.acquire('p');
    load.acquire('q');
    expect([load.count('p'), load.count('q')]).toEqual([2, 1]);
    load.release('p');
    expect(load.count('p')).toBe(1);
    load.release('p');
    expect(load.count('p')).toBe(0);
    load.release('p');
    expect(load.count('p')).toBe(0);
    load.acquire('p');
    expect(load.count('p')).toBe(1);
  });

  it('averages service times, the newest sample weighing a fifth, and ignores unusable samples', () => {
    const load = new LoadTracker();
    expect(load.meanServiceMs('p')).toBeUndefined();
    load.recordService('p', Number.NaN);
    load.recordService('p', -1);
    load.recordService('p', Number.POSITIVE_INFINITY);
    expect(load.meanServiceMs('p')).toBeUndefined();
    load.recordService('p', 100);
    expect(load.meanServiceMs('p')).toBe(100);
    load.recordService('p', 200);
    expect(load.meanServiceMs('p')).toBeCloseTo(120, 10);
    load.recordService('p', 0);
    expect(load.meanServiceMs('p')).toBeCloseTo(96, 10);
    expect(load.meanServiceMs('q')).toBeUndefined();
  });
});

describe('waitAtRate', () => {
  it('is zero while a slot is free', () => {
    expect(waitAtRate(0, 0, 1, 10)).toBe(0);
    expect(waitAtRate(3, 0, 4, 10)).toBe(0);
    expect(waitAtRate(2, 1, 4, 10)).toBe(0);
  });

  it('counts everything queued plus half of what runs, at the measured rate', () => {
    expect(waitAtRate(4, 0, 4, 10)).toBe(200);
    expect(waitAtRate(4, 6, 4, 10)).toBe(800);
    expect(waitAtRate(1, 3, 1, 20)).toBe(175);
  });
});

describe('busyness', () => {
  it('reads the provider capacity, and adds the calls admitted that it has not received yet', () => {
    const load = new LoadTracker();
    for (let i = 0; i < 5; i++) load.acquire('p');
    expect(busyness(entry({ inFlight: 1, queued: 1, limit: 2 }), load)).toEqual({ inFlight: 1, queued: 4, limit: 2, expectedWaitMs: undefined });
    // What the provider says it accepted is what it has seen, however it splits it.
    expect(busyness(entry({ inFlight: 1, queued: 0, limit: 2, accepted: 4 }), load)).toMatchObject({ inFlight: 1, queued: 1 });
    expect(busyness(entry({ inFlight: 2, queued: 9, limit: 0 }), load)).toMatchObject({ queued: 9, limit: 1 });
  });

  it('judges nothing for a provider whose capacity() throws', () => {
    expect(
      busyness(
        entry(() => {
          throw new Error('gone');
        }),
        new LoadTracker(),
      ),
    ).toBeUndefined();
  });

  it("uses the provider's throughput, never below its own estimate", () => {
    const load = new LoadTracker();
    expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, throughputPerSecond: 10 }), load)!.expectedWaitMs).toBe(500);
    expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, throughputPerSecond: 10, expectedWaitMs: 900 }), load)!.expectedWaitMs).toBe(900);
    expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, throughputPerSecond: 10, expectedWaitMs: 100 }), load)!.expectedWaitMs).toBe(500);
    expect(busyness(entry({ inFlight: 1, queued: 0, limit: 2, throughputPerSecond: 10 }), load)!.expectedWaitMs).toBe(0);
  });

  it("falls back to the provider's own estimate when its throughput is unknown, zero or not a number", () => {
    const load = new LoadTracker();
    for (const throughputPerSecond of [undefined, 0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, throughputPerSecond, expectedWaitMs: 750 }), load)!.expectedWaitMs).toBe(750);
    }
    expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, expectedWaitMs: 0 }), load)!.expectedWaitMs).toBe(0);
    expect(busyness(entry({ inFlight: 2, queued: 4, limit: 2, expectedWaitMs: -1 }), load)!.expectedWaitMs).toBeUndefined();
  });

  it("measures a provider without capacity() by this client's service time over its slots", () => {
    const load = new LoadTracker();
    const busy = { inFlight: 2, queued: 3, limit: 2 };
    expect(busyness(entry(busy), load)!.expectedWaitMs).toBeUndefined();
    load.recordService('p', 0);
    expect(busyness(entry(busy), load)!.expectedWaitMs).toBeUndefined();
    load.recordService('p', 400);
    // mean 80 ms over 2 slots: 25 calls a second; 3 queued + half of 2 running = 4 calls ahead = 160 ms.
    expect(busyness(entry(busy), load)!.expectedWaitMs).toBeCloseTo(160, 10);
    // A provider with its own capacity() is judged by its own measures alone.
    expect(busyness(entry(busy, { ownCapacity: true }), load)!.expectedWaitMs).toBeUndefined();
  });
});
