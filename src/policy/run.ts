import { pixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest, PixmuxResult } from '../types.js';
import { admit, type CallSpend } from './admit.js';
import { startAttempt, type AttemptOutcome, type RunningAttempt } from './attempt.js';
import type { CallState } from './call-state.js';
import { planCall, skippedAttempt } from './plan.js';
import { providerRequests } from './provider-request.js';
import { summarize } from './run-provider.js';

/** Codes after which no other provider is asked: another vendor will not fix them. */
const STOP_CODES = new Set(['invalid_request', 'invalid_image', 'image_too_large', 'aborted']);

/**
 * Runs one call through its candidates in order until one succeeds. Each candidate is admitted just before it runs
 * (circuit, cost caps, saturation, period budget); with `hedgeAfterMs`, a slow candidate gets company from the next
 * one and the first success wins. Every provider tried or passed over leaves an `Attempt`; the call ends in a result
 * or in one typed error that carries them all.
 */
export async function runCall(entries: ReadonlyMap<string, ProviderEntry>, request: NormalizedRequest, selection: readonly string[] | undefined, call: CallState): Promise<Omit<PixmuxResult, 'timings'>> {
  const order = call.keepSelectionOrder ? 'listed' : call.policy.order;
  const requestFor = providerRequests(request, call.providerOptions);
  const plan = planCall(entries, call.operation, requestFor, selection, order);
  const attempts: Attempt[] = plan.skipped.map(skippedAttempt);
  for (const skip of plan.skipped) call.emit({ type: 'provider.skipped', ...skip });
  call.emit({ type: 'call.started', candidates: plan.candidates.map((entry) => entry.provider.id) });

  const queue = [...plan.candidates];
  const running = new Set<RunningAttempt>();
  const spend: CallSpend = { billedUsd: 0, runningEstimatesUsd: 0 };
  let lastError: PixmuxError | undefined;
  let lastStartedAt = 0;

  /** Admits candidates from the queue until one starts; false when none is left. */
  const startNext = async (): Promise<boolean> => {
    while (queue.length > 0 && !call.deadline.signal.aborted) {
      const entry = queue.shift()!;
      const ownRequest = requestFor(entry.provider.id);
      const admission = await admit(entry, ownRequest, call, spend, queue.length > 0);
      if (!admission.ok) {
        const skip = { provider: entry.provider.id, reason: admission.reason, detail: admission.detail };
        attempts.push(skippedAttempt(skip));
        call.emit({ type: 'provider.skipped', ...skip });
        continue;
      }
      const attempt = startAttempt(entry, ownRequest, call, admission.ticket);
      spend.runningEstimatesUsd += attempt.estimateUsd;
      running.add(attempt);
      lastStartedAt = Date.now();
      return true;
    }
    return false;
  };

  /** Aborts the attempts still running and waits for them, so their cost and budget are settled before the call ends. */
  const cancelRest = async (reason: PixmuxError) => {
    for (const attempt of running) attempt.cancel(reason);
    const rest = await Promise.all([...running].map((attempt) => attempt.outcome));
    running.clear();
    for (const outcome of rest) attempts.push(outcome.attempt);
  };

  await startNext();
  while (running.size > 0) {
    const next = await nextEvent(running, call.policy.hedgeAfterMs, lastStartedAt, queue.length > 0);
    if (next === 'hedge') {
      const slow = [...running].at(-1)!.entry.provider.id;
      const before = running.size;
      if ((await startNext()) && running.size > before) {
        call.emit({ type: 'hedge.started', provider: [...running].at(-1)!.entry.provider.id, after: slow, afterMs: call.policy.hedgeAfterMs ?? 0 });
      }
      continue;
    }
    const { attempt, outcome } = next;
    running.delete(attempt);
    spend.runningEstimatesUsd -= attempt.estimateUsd;
    spend.billedUsd += outcome.attempt.costUsd ?? 0;
    attempts.push(outcome.attempt);
    const id = attempt.entry.provider.id;
    if (outcome.ok) {
      await cancelRest(pixmuxError('aborted', `Cancelled: ${id} answered first`, { retryable: false }));
      const { run } = outcome;
      return { images: run.images, provider: id, model: run.model, costUsd: sumCost(attempts), cached: false, warnings: run.warnings, attempts, metadata: run.metadata };
    }
    const error = outcome.error;
    lastError = error;
    if (call.deadline.signal.aborted || shouldStop(error, call)) {
      await cancelRest(error);
      error.attempts = attempts;
      throw error;
    }
    if (running.size === 0 && queue.length > 0) {
      call.emit({ type: 'fallback', from: id, error: summarize(error) });
      call.logger.info(`${id} failed (${error.code}); trying the next provider`);
      await startNext();
    }
  }
  throw finalError(call, attempts, lastError);
}

function shouldStop(error: PixmuxError, call: CallState): boolean {
  if (error.code === 'content_policy') return !call.policy.fallbackOn.contentPolicy;
  return STOP_CODES.has(error.code);
}

type NextEvent = 'hedge' | { attempt: RunningAttempt; outcome: AttemptOutcome };

/** The first attempt to settle, or 'hedge' when the newest has run `hedgeAfterMs` and another candidate waits. */
async function nextEvent(running: Set<RunningAttempt>, hedgeAfterMs: number | undefined, lastStartedAt: number, moreQueued: boolean): Promise<NextEvent> {
  const settled = [...running].map((attempt) => attempt.outcome.then((outcome) => ({ attempt, outcome })));
  if (hedgeAfterMs === undefined || !moreQueued) return Promise.race(settled);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hedge = new Promise<'hedge'>((resolve) => {
    timer = setTimeout(() => resolve('hedge'), Math.max(0, lastStartedAt + hedgeAfterMs - Date.now()));
  });
  try {
    return await Promise.race([...settled, hedge]);
  } finally {
    clearTimeout(timer);
  }
}

/** Nothing succeeded: `all_failed` if anyone was called, else the reason everyone was passed over. */
function finalError(call: CallState, attempts: Attempt[], lastError: PixmuxError | undefined): PixmuxError {
  if (call.deadline.signal.aborted && lastError === undefined) {
    const reason = call.deadline.signal.reason;
    const error = reason && typeof reason === 'object' && 'code' in reason ? (reason as PixmuxError) : pixmuxError('aborted', 'The call was aborted');
    error.attempts = attempts;
    return error;
  }
  const tried = attempts.filter((attempt) => !attempt.skipped);
  const reasons = attempts.filter((attempt) => attempt.skipped).map((skip) => `${skip.provider}: ${skip.detail ?? skip.skipped}`).join('; ');
  if (tried.length > 0) {
    const summary = tried.map((attempt) => `${attempt.provider}: ${attempt.error?.code}${attempt.error?.status ? ` (${attempt.error.status})` : ''}`).join('; ');
    return pixmuxError('all_failed', `All ${tried.length} provider${tried.length === 1 ? '' : 's'} failed for ${call.operation}: ${summary}${reasons ? `; passed over: ${reasons}` : ''}`, { attempts, cause: lastError });
  }
  const skipped = new Set(attempts.map((attempt) => attempt.skipped));
  if (skipped.has('over_budget')) return pixmuxError('budget_exceeded', `Every candidate for ${call.operation} would break a cost limit (${reasons})`, { attempts });
  if (skipped.has('circuit_open') || skipped.has('saturated')) {
    return pixmuxError('provider_unavailable', `No provider can take ${call.operation} right now (${reasons})`, { attempts, retryable: true });
  }
  return pixmuxError('unsupported', `No provider can run ${call.operation} for this request${reasons ? ` (${reasons})` : ''}`, { attempts });
}

function sumCost(attempts: Attempt[]): number {
  return Math.round(attempts.reduce((total, attempt) => total + (attempt.costUsd ?? 0), 0) * 1e6) / 1e6;
}
