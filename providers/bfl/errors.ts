import { pixmuxError, type PixmuxError } from 'pixmux';
import type { TaskResult } from './api.js';

/**
 * The typed error for a task that ended without an image. HTTP failures need no mapper of BFL's own: 402
 * (credits), 403 (bad or missing key), 422 (FastAPI `detail[]`), 429 with Retry-After (too many active tasks),
 * 500 and 503 all follow the shared status table.
 * - `Request Moderated` / `Content Moderated`: a safety rejection of the prompt or the image; not retried.
 * - `Task not found`: the task expired or lives on another host; not retried.
 * - `Error`: the generation failed at BFL; a different provider may still succeed.
 * @see ../shared/reference/providers.md §8 "Poll", §17
 */
export function taskError(task: TaskResult, taskId: string, provider: string): PixmuxError {
  const detail = describe(task.details ?? task.error);
  const suffix = detail ? ` (${detail})` : '';
  switch (task.status) {
    case 'Request Moderated':
      return pixmuxError('content_policy', `${provider}: BFL's moderation rejected the request${suffix}`, { provider, vendorCode: task.status });
    case 'Content Moderated':
      return pixmuxError('content_policy', `${provider}: BFL's moderation withheld the generated image${suffix}`, { provider, vendorCode: task.status });
    case 'Task not found':
      return pixmuxError('provider_error', `${provider}: task ${taskId} was not found at BFL${suffix}`, { provider, retryable: false, vendorCode: task.status });
    default:
      return pixmuxError('provider_error', `${provider}: task ${taskId} ended with status ${task.status}${suffix}`, { provider, retryable: false, vendorCode: task.status });
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.slice(0, 300);
  return JSON.stringify(value).slice(0, 300);
}
