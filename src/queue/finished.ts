import { closeRedis, openRedis, type QueueConnection } from './connection.js';
import type { JobData } from './job-data.js';
import type { BullMQ, RedisClient } from './modules.js';
import { loadQueueModules } from './modules.js';
import { failureFromReason, type FinishedJob, type JobResult } from './outcome.js';

export interface FinishedOptions {
  /**
   * `'now'`: the jobs that finish after `finished()` is called. `'start'`: also those still in the queue's event log
   * (BullMQ keeps about the last 10,000 events), for a consumer that restarts. @default 'now'
   */
  from?: 'now' | 'start';
  /** Ends the iteration (no error) when aborted. */
  signal?: AbortSignal;
}

interface Opened {
  bullmq: BullMQ;
  redis: RedisClient;
  queue: import('bullmq').Queue<JobData, JobResult>;
}

/**
 * Finished jobs as BullMQ's QueueEvents reports them (a Redis stream read by a blocking XREAD on a connection of its
 * own): `completed` carries the result; on `failed` the job is read once for the worker's typed record. Only a
 * job's last run reports: a run that will be retried does not. The subscription starts when `finished()` is called,
 * not at the first `next()`, so jobs enqueued right after are seen. Events wait in memory until read.
 */
export function finishedJobs(open: () => Promise<Opened>, where: { connection: QueueConnection; name: string; prefix: string }, options: FinishedOptions = {}, closers: Set<() => Promise<void>>): AsyncGenerator<FinishedJob, void, undefined> {
  const pending: Array<Promise<FinishedJob>> = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const end = () => {
    ended = true;
    notify();
  };

  const started = (async () => {
    const { bullmq, redis, queue } = await open();
    const { Redis } = await loadQueueModules();
    let lastEventId = '0-0';
    if (options.from !== 'start') {
      const last = (await redis.xrevrange(`${where.prefix}:${where.name}:events`, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      lastEventId = last[0]?.[0] ?? '0-0';
    }
    const connection = openRedis(Redis, where.connection, 'blocking');
    connection.on('error', () => {});
    const events = new bullmq.QueueEvents(where.name, { connection, prefix: where.prefix, lastEventId, autorun: true });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }) => {
      pending.push(Promise.resolve({ id: jobId, ok: true, result: parseValue(returnvalue) as JobResult }));
      notify();
    });
    events.on('failed', ({ jobId, failedReason }) => {
      pending.push(
        queue.getJob(jobId).then(
          (job) => ({ id: jobId, ok: false as const, failure: failureFromReason(failedReason, job?.attemptsMade ?? 0, job?.data?.failure) }),
          () => ({ id: jobId, ok: false as const, failure: failureFromReason(failedReason, 0, undefined) }),
        ),
      );
      notify();
    });
    await events.waitUntilReady();
    return async () => {
      await events.close();
      await closeRedis(connection);
    };
  })();
  started.catch(end);
  let release!: () => void;
  const closing = new Promise<void>((resolve) => (release = resolve));
  const stopped = started.then(
    (close) => closing.then(() => close().catch(() => undefined)),
    () => undefined,
  );
  const stop = async () => {
    end();
    release();
    await stopped;
    closers.delete(stop);
  };
  closers.add(stop);
  const onAbort = () => end();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) end();

  return (async function* () {
    try {
      await started;
      for (;;) {
        while (pending.length > 0 && !ended) yield await pending.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await stop();
    }
  })();
}

const parseValue = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};
