import { pixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest, PixmuxResult } from '../types.js';
import type { CallState } from './call-state.js';
import { planCall, skippedAttempt } from './plan.js';
import { failureOf, runProvider, summarize } from './run-provider.js';

/** Codes after which no other provider is asked: another vendor will not fix them. */
const STOP_CODES = new Set(['invalid_request', 'invalid_image', 'image_too_large', 'content_policy', 'aborted']);

/**
 * Runs one call through its candidates in order until one succeeds. Every provider tried or passed over
 * leaves an `Attempt`; the call ends in a result or in one typed error that carries them all.
 */
export async function runCall(entries: ReadonlyMap<string, ProviderEntry>, request: NormalizedRequest, selection: readonly string[] | undefined, call: CallState): Promise<Omit<PixmuxResult, 'timings'>> {
  const plan = planCall(entries, call.operation, request, selection);
  const attempts: Attempt[] = plan.skipped.map(skippedAttempt);
  for (const skip of plan.skipped) call.emit({ type: 'provider.skipped', ...skip });
  call.emit({ type: 'call.started', candidates: plan.candidates.map((entry) => entry.provider.id) });
  if (plan.candidates.length === 0) {
    const reasons = plan.skipped.map((skip) => `${skip.provider}: ${skip.detail ?? skip.reason}`).join('; ');
    throw pixmuxError('unsupported', `No provider can run ${call.operation} for this request${reasons ? ` (${reasons})` : ''}`, { attempts });
  }
  let lastError: PixmuxError | undefined;
  for (const [index, entry] of plan.candidates.entries()) {
    const id = entry.provider.id;
    const startedAt = Date.now();
    try {
      const run = await runProvider(entry, request, call);
      attempts.push({ provider: id, model: run.model, ok: true, tries: run.tries, durationMs: Date.now() - startedAt, costUsd: run.costUsd });
      return {
        images: run.images,
        provider: id,
        model: run.model,
        costUsd: sumCost(attempts),
        warnings: run.warnings,
        attempts,
        metadata: run.metadata,
      };
    } catch (thrown) {
      const error = thrown as PixmuxError;
      const { costUsd, tries } = failureOf(error);
      attempts.push({ provider: id, ok: false, error: summarize(error), tries, durationMs: Date.now() - startedAt, ...(costUsd > 0 ? { costUsd } : {}) });
      lastError = error;
      const deadlinePassed = call.deadline.signal.aborted;
      if (STOP_CODES.has(error.code) || deadlinePassed) {
        error.attempts = attempts;
        throw error;
      }
      const next = plan.candidates[index + 1];
      if (next) {
        call.emit({ type: 'fallback', from: id, error: summarize(error) });
        call.logger.info(`${id} failed (${error.code}); trying ${next.provider.id}`);
      }
    }
  }
  const tried = attempts.filter((attempt) => !attempt.skipped);
  const summary = tried.map((attempt) => `${attempt.provider}: ${attempt.error?.code}${attempt.error?.status ? ` (${attempt.error.status})` : ''}`).join('; ');
  throw pixmuxError('all_failed', `All ${tried.length} provider${tried.length === 1 ? '' : 's'} failed for ${call.operation}: ${summary}`, { attempts, cause: lastError });
}

function sumCost(attempts: Attempt[]): number {
  return Math.round(attempts.reduce((total, attempt) => total + (attempt.costUsd ?? 0), 0) * 1e6) / 1e6;
}
