import { pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest, PixmuxResult } from '../types.js';
import { admit, type CallSpend } from './admit.js';
import { startAttempt, type AttemptOutcome, type RunningAttempt } from './attempt.js';
import type { CallState } from './call-state.js';
import { planCall, skippedAttempt } from './plan.js';
import { providerRequests } from './provider-request.js';
import { summarize } from './run-provider.js';
import { busyness } from './expected-wait.js';

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
  const plan = planCall(entries, call.operation, requestFor, selection, order, { remainingMs: call.deadline.remainingMs() });
  const attempts: Attempt[] = plan.skipped.map(skippedAttempt);
  for (const skip of plan.skipped) call.emit({ type: 'provider.skipped', ...skip });
  if (call.observed) call.emit({ type: 'call.started', candidates: plan.candidates.map((entry) => entry.provider.id) });

  const queue = [...plan.candidates];
  /** Candidates passed over as busy: when nobody else takes the call, it waits for the least busy of them. */
  const spilled: ProviderEntry[] = [];
  const running = new Set<RunningAttempt>();
  const spend: CallSpend = { billedUsd: 0, runningEstimatesUsd: 0 };
  const failures: PixmuxError[] = [];
  let circuitRetryAfterMs: number | undefined;
  let lastStartedAt = 0;

  const tryStart = async (entry: ProviderEntry, mayPassOver: boolean): Promise<boolean> => {
    const ownRequest = requestFor(entry.provider.id);
    const admission = await admit(entry, ownRequest, call, spend, { mayPassOver });
    if (!admission.ok) {
      const skip = { provider: entry.provider.id, reason: admission.reason, detail: admission.detail };
      attempts.push(skippedAttempt({ ...skip, expectedWaitMs: admission.expectedWaitMs }));
      call.emit({ type: 'provider.skipped', ...skip });
      if (admission.reason === 'saturated') spilled.push(entry);
      if (admission.retryAfterMs !== undefined) circuitRetryAfterMs = Math.min(circuitRetryAfterMs ?? Infinity, admission.retryAfterMs);
      return false;
    }
    const attempt = startAttempt(entry, ownRequest, call, admission.ticket);
    spend.runningEstimatesUsd += attempt.reservedUsd;
    running.add(attempt);
    lastStartedAt = Date.now();
    return true;
  };

  /**
   * Admits candidates from the queue until one starts. A busy one is passed over only while another candidate
   * follows it; once the queue is empty, the call waits for the least busy of those passed over. False when none is left.
   */
  const startNext = async (): Promise<boolean> => {
    while (queue.length > 0 && !call.deadline.aborted) {
      if (await tryStart(queue.shift()!, queue.length > 0)) return true;
    }
    if (running.size > 0 || call.deadline.aborted) return false;
    while (spilled.length > 0 && !call.deadline.aborted) {
      if (await tryStart(takeLeastBusy(spilled, call), false)) return true;
    }
    return false;
  };

  /** Aborts the attempts still running and waits for them, so their cost and budget are settled before the call ends. */
  const cancelRest = async (reason: () => PixmuxError) => {
    if (running.size === 0) return;
    const error = reason();
    for (const attempt of running) attempt.cancel(error);
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
    spend.runningEstimatesUsd -= attempt.reservedUsd;
    spend.billedUsd += outcome.attempt.costUsd ?? 0;
    attempts.push(outcome.attempt);
    const id = attempt.entry.provider.id;
    if (outcome.ok) {
      await cancelRest(() => pixmuxError('aborted', `Cancelled: ${id} answered first`, { retryable: false }));
      const { run } = outcome;
      return { images: run.images, provider: id, model: run.model, costUsd: sumCost(attempts), cached: false, warnings: run.warnings, attempts, metadata: run.metadata };
    }
    const error = outcome.error;
    if (!outcome.cancelled) failures.push(error);
    if (call.deadline.aborted || shouldStop(error, call)) {
      await cancelRest(() => error);
      error.attempts = attempts;
      throw error;
    }
    if (running.size === 0) {
      call.emit({ type: 'fallback', from: id, error: summarize(error) });
      call.logger.info(`${id} failed (${error.code}); trying the next provider`);
      await startNext();
    }
  }
  throw finalError(call, attempts, failures, circuitRetryAfterMs);
}

/** Removes and returns the spilled candidate with the shortest expected wait now (the first listed on a tie). */
function takeLeastBusy(spilled: ProviderEntry[], call: CallState): ProviderEntry {
  let best = 0;
  let bestWait = Infinity;
  spilled.forEach((entry, index) => {
    const wait = busyness(entry, call.load)?.expectedWaitMs ?? 0;
    if (wait < bestWait) {
      best = index;
      bestWait = wait;
    }
  });
  return spilled.splice(best, 1)[0]!;
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

/**
 * Nothing succeeded. One provider failed: its own error (code, status, message), with every attempt. Two or more:
 * `all_failed`, retryable when every failure was. None was called: the reason everyone was passed over.
 */
function finalError(call: CallState, attempts: Attempt[], failures: PixmuxError[], circuitRetryAfterMs: number | undefined): PixmuxError {
  if (call.deadline.aborted) {
    // The caller's abort is what ended the call, whatever failed before it: `aborted` (with the failures in
    // `attempts`), so code that ignores its own cancellations can. A deadline that passed after failures reports
    // those failures, which say more than `timeout` would.
    const reason = call.deadline.reason;
    const error = PixmuxError.isInstance(reason) ? reason : pixmuxError('aborted', 'The call was aborted');
    if (failures.length === 0 || error.code === 'aborted') {
      error.attempts = attempts;
      return error;
    }
  }
  const reasons = attempts.filter((attempt) => attempt.skipped).map((skip) => `${skip.provider}: ${skip.detail ?? skip.skipped}`).join('; ');
  if (failures.length === 1) {
    const error = failures[0]!;
    error.attempts = attempts;
    return error;
  }
  if (failures.length > 1) {
    const tried = attempts.filter((attempt) => !attempt.skipped && !attempt.ok);
    const summary = tried.map((attempt) => `${attempt.provider}: ${attempt.error?.code}${attempt.error?.status ? ` (${attempt.error.status})` : ''}`).join('; ');
    const retryable = failures.every((failure) => failure.retryable);
    const retryAfters = failures.map((failure) => failure.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    return pixmuxError('all_failed', `All ${failures.length} providers failed for ${call.operation}: ${summary}${reasons ? `; passed over: ${reasons}` : ''}`, {
      attempts,
      cause: failures.at(-1),
      retryable,
      ...(retryable && retryAfters.length === failures.length ? { retryAfterMs: Math.min(...retryAfters) } : {}),
    });
  }
  const skipped = new Set(attempts.map((attempt) => attempt.skipped));
  if (skipped.has('over_budget')) return pixmuxError('budget_exceeded', `Every candidate for ${call.operation} would break a cost limit (${reasons})`, { attempts });
  if (skipped.has('circuit_open') || skipped.has('saturated')) {
    return pixmuxError('provider_unavailable', `No provider can take ${call.operation} right now (${reasons})`, { attempts, retryable: true, ...(circuitRetryAfterMs !== undefined ? { retryAfterMs: circuitRetryAfterMs } : {}) });
  }
  return pixmuxError('unsupported', `No provider can run ${call.operation} for this request${reasons ? ` (${reasons})` : ''}`, { attempts });
}

function sumCost(attempts: Attempt[]): number {
  return Math.round(attempts.reduce((total, attempt) => total + (attempt.costUsd ?? 0), 0) * 1e6) / 1e6;
}
