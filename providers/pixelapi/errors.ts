import { pixmuxError, type PixmuxError } from 'pixmux';
import { jobId, type Job } from './api.js';

const SAFETY = /nsfw|safety|content policy|moderat|inappropriate/i;

/** The typed error for a job that ended as failed. HTTP errors need no refinement: 401, 402, 422 and 429 (Retry-After) map through the shared table. */
export function jobError(job: Job, provider: string): PixmuxError {
  const detail = typeof job.error === 'string' ? job.error : job.error ? JSON.stringify(job.error).slice(0, 300) : '';
  if (SAFETY.test(detail)) return pixmuxError('content_policy', `${provider}: job ${jobId(job)} was rejected by the safety filter (${detail})`, { provider, vendorCode: 'failed' });
  return pixmuxError('provider_error', `${provider}: job ${jobId(job)} failed${detail ? `: ${detail}` : ''}`, { provider, retryable: false, vendorCode: job.status });
}
