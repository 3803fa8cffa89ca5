import { pixmuxError, toPixmuxError, type Operation, type Pixmux } from 'pixmux';
import { checkConnection, checkName, closeRedis, costKey, openRedis, type QueueConnection } from './connection.js';
import { imageFromRef, jobDataSchema, type JobData } from './job-data.js';
import { loadQueueModules, type RedisClient } from './modules.js';
import { failureRecord, resultRecord, type FinishedJob, type JobFailure, type JobResult } from './outcome.js';
import { storeOutput, type WorkerOutput } from './output.js';

/** BullMQ's stalled-job check, in ms: how often workers look for jobs whose worker stopped renewing their lock. @default 30_000 */
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
/** How long a job's lock lasts without renewal (a worker renews it every half of this while it runs the job). @default 30_000 */
export const DEFAULT_LOCK_DURATION_MS = 30_000;

export interface WorkerOptions {
  /** The Redis the queue lives on: a URL or ioredis options. */
  connection: QueueConnection;
  /** The queue's name (the same on producers and workers). */
  name: string;
  /** Where results go: a folder, or a function that stores them and returns where. */
  output: WorkerOutput;
  /** Jobs this worker runs at once; the client's policy and providers bound them further. @default 1 */
  concurrency?: number;
  /** Fetches a job image given as `{ key }` (object storage). @default undefined (such jobs fail with `invalid_request`) */
  readInput?: (key: string) => Promise<Uint8Array | string>;
  /** Prefix of every Redis key (BullMQ's `prefix`); the same on producers and workers. @default 'bull' */
  prefix?: string;
  /** How often the stalled-job check runs, in ms (a crashed worker's jobs return after at most lock + interval). @default 30_000 */
  stalledIntervalMs?: number;
  /** A job's lock, in ms; a worker that stops renewing it (killed, or its event loop blocked this long) loses the job. @default 30_000 */
  lockDurationMs?: number;
  /** How many times a job may stall before it fails instead of returning to the queue. @default 1 */
  maxStalledCount?: number;
  /** Called once per run of a job that ended here (for logs and progress bars). */
  onJob?: (outcome: FinishedJob & { willRetry: boolean }) => void;
}

export interface PixmuxWorker {
  /**
   * Stops taking jobs and waits for the ones running to finish (what to call on SIGTERM). Jobs still running when
   * the process dies anyway are not lost: the stalled-job check gives them to another worker.
   */
  close(): Promise<void>;
  /** Resolves when the worker has closed. */
  readonly closed: Promise<void>;
}

/**
 * Works jobs from a queue through `px`, so this worker's own providers, policy, budgets and cache apply. Results
 * are stored by `output` and recorded on the job; failures are recorded typed: retryable ones run again with the
 * job's backoff, permanent ones fail at once. Resolves once the worker is connected and taking jobs.
 * @example
 * import { createWorker } from 'pixmux/queue';
 * const worker = await createWorker(px, { connection: 'redis://127.0.0.1:6379', name: 'photos', output: './out', concurrency: 4 });
 * process.once('SIGTERM', () => void worker.close());
 */
export async function createWorker(px: Pixmux, options: WorkerOptions): Promise<PixmuxWorker> {
  if (typeof px?.generate !== 'function') throw pixmuxError('invalid_request', 'createWorker: the first argument must be a pixmux client (createPixmux(...))');
  checkConnection(options?.connection, 'createWorker');
  checkName(options.name, 'createWorker');
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw pixmuxError('invalid_request', 'createWorker: concurrency must be a whole number of at least 1');
  if (typeof options.output !== 'string' && typeof options.output !== 'function') throw pixmuxError('invalid_request', 'createWorker: output must be a folder or a function that stores a result');
  for (const key of ['stalledIntervalMs', 'lockDurationMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 100)) throw pixmuxError('invalid_request', `createWorker: ${key} must be at least 100 ms`);
  }
  const prefix = options.prefix ?? 'bull';
  const { bullmq, Redis } = await loadQueueModules();
  const redis = openRedis(Redis, options.connection, 'blocking');
  redis.on('error', () => {});
  const costs = costKey(prefix, options.name);

  const processor = async (job: import('bullmq').Job<JobData, JobResult>): Promise<JobResult> => {
    const attempt = job.attemptsMade + 1;
    const id = String(job.id);
    try {
      const data = parseJobData(job.data);
      const request = { ...data.request, ...(data.image ? { image: await imageFromRef(data.image, options.readInput) } : {}) };
      const result = await call(px, data.operation, request);
      const outputs = await storeOutput(options.output, result, { id, operation: data.operation, attempt }).catch((error: unknown) => {
        throw pixmuxError('provider_error', `queue: storing the result failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error });
      });
      await addCost(redis, costs, result.costUsd);
      const record = resultRecord(result, outputs, attempt);
      options.onJob?.({ id, ok: true, result: record, willRetry: false });
      return record;
    } catch (error) {
      const failure = failureRecord(error, attempt);
      await addCost(redis, costs, failure.costUsd).catch(() => undefined);
      const willRetry = failure.retryable && attempt < (job.opts.attempts ?? 1);
      await job.updateData({ ...job.data, failure }).catch(() => undefined);
      options.onJob?.({ id, ok: false, failure, willRetry });
      throw failure.retryable ? new Error(describe(failure)) : new bullmq.UnrecoverableError(describe(failure));
    }
  };

  const worker = new bullmq.Worker<JobData, JobResult>(options.name, processor, {
    connection: redis,
    prefix,
    concurrency,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    maxStalledCount: options.maxStalledCount ?? 1,
    autorun: false,
  });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  const running = worker.run();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await worker.close();
      await running.catch(() => undefined);
      await closeRedis(redis);
    })());
  const closed = running.then(
    () => closing ?? close(),
    () => closing ?? close(),
  );
  return { close, closed };
}

/** The failure as BullMQ shows it (dashboards, `failedReason`): code first. */
const describe = (failure: JobFailure) => `${failure.code}: ${failure.message}`;

function parseJobData(data: unknown): JobData {
  const parsed = jobDataSchema.safeParse(data);
  if (!parsed.success) throw pixmuxError('invalid_request', `queue: this job was not made by pixmux/queue (or by another version): ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}

function call(px: Pixmux, operation: Operation, request: Record<string, unknown>) {
  // The job data was checked by its schema; the client validates the request itself and answers typed.
  return px[operation](request as never).catch((error: unknown) => {
    throw toPixmuxError(error);
  });
}

async function addCost(redis: RedisClient, key: string, usd: number): Promise<void> {
  const micros = Math.round(usd * 1_000_000);
  if (micros > 0) await redis.incrby(key, micros);
}
