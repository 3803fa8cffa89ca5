import { ERROR_CODES, isRetryableCode, toPixmuxError, type PixmuxError, type PixmuxErrorCode, type PixmuxResult } from 'pixmux';

/** What a worker records on a job that succeeded (BullMQ's `returnvalue`). */
export interface JobResult {
  /** Where each image went: paths in the output folder, or what the output function returned. */
  outputs: string[];
  provider: string;
  model: string | undefined;
  costUsd: number;
  cached: boolean;
  /** Which run of the job produced it (1 unless it was retried or its first worker crashed). */
  attempt: number;
}

/** What a worker records on a job that failed (in the job's data, as `failure`); typed like the error it came from. */
export interface JobFailure {
  code: PixmuxErrorCode;
  message: string;
  /** Whether BullMQ was asked to run the job again (with backoff) or it failed at once. */
  retryable: boolean;
  /** Which run of the job failed (0 when `finished()` saw the failure after `removeFinished` had forgotten the job). */
  attempt: number;
  /** What the failed run still cost (providers that billed before failing; 0 when the job was already forgotten). */
  costUsd: number;
}

/** One job that reached its end: a result or a typed failure, reported once. */
export type FinishedJob = { id: string; ok: true; result: JobResult } | { id: string; ok: false; failure: JobFailure };

export function resultRecord(result: PixmuxResult, outputs: string[], attempt: number): JobResult {
  return { outputs, provider: result.provider, model: result.model, costUsd: result.costUsd, cached: result.cached, attempt };
}

export function failureRecord(error: unknown, attempt: number): JobFailure {
  const typed: PixmuxError = toPixmuxError(error);
  const costUsd = (typed.attempts ?? []).reduce((sum, tried) => sum + (tried.costUsd ?? 0), 0);
  return { code: typed.code, message: typed.message, retryable: typed.retryable, attempt, costUsd };
}

/**
 * A failure BullMQ recorded without a worker's record (a job that stalled more times than allowed, a worker killed
 * before it could write one): typed all the same, from BullMQ's reason.
 */
export function failureFromReason(reason: string | undefined, attempt: number, recorded: unknown): JobFailure {
  if (isFailure(recorded)) return recorded;
  // A worker's reason reads `code: message` (the job itself may be gone already, with removeFinished).
  const [, code, message] = /^([a-z_]+): ([\s\S]*)$/.exec(reason ?? '') ?? [];
  if (code && (ERROR_CODES as readonly string[]).includes(code)) return { code: code as PixmuxErrorCode, message: message!, retryable: isRetryableCode(code as PixmuxErrorCode), attempt, costUsd: 0 };
  return { code: 'provider_error', message: `queue: ${reason || 'the job failed without a reason'}`, retryable: false, attempt, costUsd: 0 };
}

function isFailure(value: unknown): value is JobFailure {
  const record = value as Partial<JobFailure> | undefined;
  return typeof record === 'object' && record !== null && (ERROR_CODES as readonly string[]).includes(record.code as string) && typeof record.message === 'string';
}
