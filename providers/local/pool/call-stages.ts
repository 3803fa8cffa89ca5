import { waitAtRate, type Capacity } from 'pixmux';
import type { WorkerPool } from './worker-pool.js';

/**
 * Where the provider's calls are: preparing (decoding, not yet handed to the pool), in the pool (queued or running),
 * or finishing (encoding the output). Only the first two are ahead of a new call, so the capacity the policy reads
 * counts those and leaves out calls that are almost done.
 */
export interface CallStages {
  /** Tracks one call from entry to return: the pool it is given marks it finishing once its job is done. */
  enter(): TrackedCall;
  /** The pool's capacity with preparing calls counted as queued, and every call the provider holds as `accepted`. */
  capacity(pool: WorkerPool | undefined, idleLimit: number): Capacity;
}

export interface TrackedCall {
  /** A view of the pool whose jobs mark this call finishing when they settle. */
  pool(pool: WorkerPool): WorkerPool;
  leave(): void;
}

export function createCallStages(): CallStages {
  let accepted = 0;
  let finishing = 0;
  return {
    enter() {
      accepted += 1;
      let done = false;
      let left = false;
      const finish = () => {
        if (done || left) return;
        done = true;
        finishing += 1;
      };
      return {
        pool: (pool) => ({
          ...pool,
          capacity: () => pool.capacity(),
          device: pool.device,
          workers: pool.workers,
          run: (job) => pool.run(job).finally(finish),
          restoreFaces: (job) => pool.restoreFaces(job).finally(finish),
          generate: (job) => pool.generate(job).finally(finish),
        }),
        leave() {
          if (left) return;
          left = true;
          accepted -= 1;
          if (done) finishing -= 1;
        },
      };
    },
    capacity(pool, idleLimit) {
      const own = pool?.capacity() ?? { inFlight: 0, queued: 0, limit: idleLimit };
      const preparing = Math.max(0, accepted - finishing - own.inFlight - own.queued);
      const queued = own.queued + preparing;
      const throughput = own.throughputPerSecond;
      if (throughput === undefined) return { inFlight: own.inFlight, queued, limit: own.limit, accepted };
      return { inFlight: own.inFlight, queued, limit: own.limit, accepted, throughputPerSecond: throughput, expectedWaitMs: waitAtRate(own.inFlight, queued, own.limit, throughput) };
    },
  };
}
