import { pixmuxError, type BatchRequests, type Operation } from 'pixmux';
import { checkConnection, checkName, closeRedis, costKey, openRedis, redisFailure, type QueueConnection } from './connection.js';
import { finishedJobs, type FinishedOptions } from './finished.js';
import { checkJobId, DEFAULT_MAX_JOB_BYTES, toJobData, type JobData, type JobImage } from './job-data.js';
import { loadQueueModules, type BullMQ, type RedisClient } from './modules.js';
import { failureFromReason, type FinishedJob, type JobResult } from './outcome.js';

/** Runs of a job before it fails for good, when its failures are retryable. @default 3 */
export const DEFAULT_JOB_ATTEMPTS = 3;
/** First wait before a retryable failure runs again; it doubles each time. @default 1_000 */
export const DEFAULT_BACKOFF_MS = 1_000;

export interface QueueOptions {
  /** The Redis the queue lives on: a URL or ioredis options. */
  connection: QueueConnection;
  /** The queue's name (the same on producers and workers). */
  name: string;
  /** Prefix of every Redis key (BullMQ's `prefix`); the same on producers and workers. @default 'bull' */
  prefix?: string;
  /** Runs of a job before it fails for good, when its failures are retryable. @default 3 */
  attempts?: number;
  /** First wait, in ms, before a retryable failure runs again (exponential: it doubles each time). @default 1_000 */
  backoffMs?: number;
  /** The most bytes one job may put in Redis (request plus any inline image); over it, `image_too_large`. @default 65_536 */
  maxJobBytes?: number;
  /**
   * Forget finished jobs (results and failures) once there are more than `count` of them or they are older than
   * `ageSeconds`, so that Redis does not grow with a catalogue of millions. `finished()` still reports every job, and
   * the outputs stay where the workers wrote them; but a `jobId` enqueued again after its job was forgotten runs again.
   * @default undefined (keep every finished job: enqueueing is idempotent for good)
   */
  removeFinished?: { count?: number; ageSeconds?: number };
}

/** A request as a job carries it: like the operation's request, with the image as something the workers can read. */
export type QueuedRequest<Op extends Operation> = Omit<BatchRequests[Op], 'image' | 'signal'> & (Op extends 'generate' ? { image?: never } : { image: JobImage });

export interface EnqueueOptions {
  /** Makes enqueueing idempotent: a second job with the same id is not added (and its output file has this name). @default an id BullMQ assigns */
  jobId?: string;
  /** BullMQ's priority: 1 runs first, higher numbers later; jobs without one run before prioritised ones. @default undefined */
  priority?: number;
}

/** Where a queue stands; counts are BullMQ's. */
export interface QueueProgress {
  /** Waiting to run (prioritised jobs included). */
  waiting: number;
  /** Waiting out a retry's backoff. */
  delayed: number;
  /** Running on a worker now. */
  active: number;
  /** Finished with a result (kept until removed). */
  done: number;
  /** Finished with a failure (kept until removed). */
  failed: number;
  /** What workers have spent on this queue's jobs so far, failed runs included. */
  costUsd: number;
}

export interface PixmuxQueue {
  /** Adds one job; resolves with its id. */
  enqueue<Op extends Operation>(operation: Op, request: QueuedRequest<Op>, options?: EnqueueOptions): Promise<{ id: string }>;
  /** Adds many jobs (read lazily, added in chunks of 500); resolves with their ids in order. */
  enqueueMany<Op extends Operation>(operation: Op, jobs: Iterable<{ request: QueuedRequest<Op> } & EnqueueOptions> | AsyncIterable<{ request: QueuedRequest<Op> } & EnqueueOptions>): Promise<string[]>;
  /** Counts of waiting, active, done and failed jobs, and the cost so far. */
  progress(): Promise<QueueProgress>;
  /** Every job that finishes from now on (or from the start of the event log), once each; see `FinishedOptions`. */
  finished(options?: FinishedOptions): AsyncGenerator<FinishedJob, void, undefined>;
  /** The recorded outcome of one job, or undefined while it has none (or it does not exist). */
  outcome(id: string): Promise<FinishedJob | undefined>;
  /** Closes the queue's connections. Jobs already enqueued stay in Redis. */
  close(): Promise<void>;
}

const CHUNK = 500;

/**
 * A producer's handle on a queue of pixmux jobs in Redis (BullMQ). Nothing connects until the first call.
 * @example
 * import { createQueue } from 'pixmux/queue';
 * const queue = createQueue({ connection: 'redis://127.0.0.1:6379', name: 'photos' });
 * await queue.enqueue('removeBackground', { image: 'https://cdn.example.com/p/1.jpg' }, { jobId: 'p-1' });
 */
export function createQueue(options: QueueOptions): PixmuxQueue {
  checkConnection(options?.connection, 'createQueue');
  checkName(options.name, 'createQueue');
  const prefix = options.prefix ?? 'bull';
  const attempts = options.attempts ?? DEFAULT_JOB_ATTEMPTS;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const maxJobBytes = options.maxJobBytes ?? DEFAULT_MAX_JOB_BYTES;
  if (!Number.isInteger(attempts) || attempts < 1) throw pixmuxError('invalid_request', 'createQueue: attempts must be a whole number of at least 1');
  if (!(Number.isFinite(backoffMs) && backoffMs >= 0)) throw pixmuxError('invalid_request', 'createQueue: backoffMs must be 0 or more');
  if (!(Number.isInteger(maxJobBytes) && maxJobBytes > 0)) throw pixmuxError('invalid_request', 'createQueue: maxJobBytes must be a whole number above 0');
  const removal = removalOptions(options.removeFinished);

  let opened: Promise<{ bullmq: BullMQ; redis: RedisClient; queue: import('bullmq').Queue<JobData, JobResult> }> | undefined;
  const open = () =>
    (opened ??= loadQueueModules().then(({ bullmq, Redis }) => {
      const redis = openRedis(Redis, options.connection, 'producer');
      redis.on('error', () => {});
      const queue = new bullmq.Queue<JobData, JobResult>(options.name, { connection: redis, prefix });
      queue.on('error', () => {});
      return { bullmq, redis, queue };
    }));
  // A failed load (bullmq missing) is not kept: the next call tries again.
  const openOrForget = () =>
    open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
  /** Every producer call: typed errors, with Redis failures as retryable `provider_unavailable`. */
  const guarded = async <T>(work: (opened: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> => {
    const handle = await openOrForget();
    try {
      return await work(handle);
    } catch (error) {
      throw redisFailure(error);
    }
  };
  const closers = new Set<() => Promise<void>>();

  const jobFor = <Op extends Operation>(operation: Op, request: QueuedRequest<Op>, jobOptions: EnqueueOptions = {}) => {
    if (jobOptions.jobId !== undefined) checkJobId(jobOptions.jobId);
    const data = toJobData(operation, request as Record<string, unknown>, maxJobBytes);
    return {
      name: operation,
      data,
      opts: {
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
        ...(removal ? { removeOnComplete: removal, removeOnFail: removal } : {}),
        ...(jobOptions.jobId === undefined ? {} : { jobId: jobOptions.jobId }),
        ...(jobOptions.priority === undefined ? {} : { priority: jobOptions.priority }),
      },
    };
  };

  return {
    async enqueue(operation, request, jobOptions) {
      const job = jobFor(operation, request, jobOptions);
      return guarded(async ({ queue }) => ({ id: String((await queue.add(job.name, job.data, job.opts)).id) }));
    },
    async enqueueMany(operation, jobs) {
      const ids: string[] = [];
      let chunk: Array<ReturnType<typeof jobFor>> = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        const added = await guarded(({ queue }) => queue.addBulk(chunk));
        for (const job of added) ids.push(String(job.id));
        chunk = [];
      };
      for await (const { request, ...jobOptions } of jobs) {
        chunk.push(jobFor(operation, request, jobOptions));
        if (chunk.length >= CHUNK) await flush();
      }
      await flush();
      return ids;
    },
    async progress() {
      const [counts, micros] = await guarded(({ queue, redis }) => Promise.all([queue.getJobCounts('wait', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'), redis.get(costKey(prefix, options.name))]));
      const count = (key: string) => counts[key] ?? 0;
      return {
        waiting: count('wait') + count('prioritized') + count('waiting-children'),
        delayed: count('delayed'),
        active: count('active'),
        done: count('completed'),
        failed: count('failed'),
        costUsd: Number(micros ?? 0) / 1_000_000,
      };
    },
    finished(finishedOptions) {
      return finishedJobs(openOrForget, { connection: options.connection, name: options.name, prefix }, finishedOptions, closers);
    },
    outcome(id) {
      return guarded(async ({ queue }): Promise<FinishedJob | undefined> => {
        const job = await queue.getJob(id);
        if (!job) return undefined;
        const state = await job.getState();
        if (state === 'completed') return { id, ok: true, result: job.returnvalue };
        if (state === 'failed') return outcomeOfFailed(job);
        return undefined;
      });
    },
    async close() {
      await Promise.allSettled([...closers].map((stop) => stop()));
      const handle = await opened?.catch(() => undefined);
      if (!handle) return;
      await handle.queue.close().catch(() => undefined);
      await closeRedis(handle.redis);
    },
  };
}

function outcomeOfFailed(job: import('bullmq').Job<JobData, JobResult>): FinishedJob {
  return { id: String(job.id), ok: false, failure: failureFromReason(job.failedReason, job.attemptsMade, job.data?.failure) };
}

function removalOptions(remove: QueueOptions['removeFinished']): import('bullmq').KeepJobs | undefined {
  if (remove === undefined) return undefined;
  const { count, ageSeconds } = remove ?? {};
  const valid = (value: number | undefined) => value === undefined || (Number.isInteger(value) && value >= 0);
  if (typeof remove !== 'object' || remove === null || (count === undefined && ageSeconds === undefined) || !valid(count) || !valid(ageSeconds)) {
    throw pixmuxError('invalid_request', 'createQueue: removeFinished must be { count?, ageSeconds? } with at least one whole number ≥ 0');
  }
  return { ...(count === undefined ? {} : { count }), ...(ageSeconds === undefined ? {} : { age: ageSeconds }) } as import('bullmq').KeepJobs;
}
