// pixmux/queue: batches across a fleet of workers on BullMQ and Redis. Built on pixmux's public surface, like a
// provider; bullmq and ioredis are optional peers, loaded on the first call, never by `import 'pixmux'`.
export { createQueue, DEFAULT_BACKOFF_MS, DEFAULT_JOB_ATTEMPTS, type EnqueueOptions, type PixmuxQueue, type QueuedRequest, type QueueOptions, type QueueProgress } from './queue.js';
export { createWorker, DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS, type PixmuxWorker, type WorkerOptions } from './worker.js';
export { DEFAULT_MAX_JOB_BYTES, type JobImage } from './job-data.js';
export type { QueueConnection } from './connection.js';
export type { FinishedOptions } from './finished.js';
export type { FinishedJob, JobFailure, JobResult } from './outcome.js';
export type { OutputJob, WorkerOutput } from './output.js';
