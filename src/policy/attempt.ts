import { toPixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest } from '../types.js';
import { linkSignals, raceSignal } from '../util/signals.js';
import type { Ticket } from './admit.js';
import type { CallState } from './call-state.js';
import { failureOf, runProvider, summarize, type ProviderRun } from './run-provider.js';

export type AttemptOutcome = { ok: true; run: ProviderRun; attempt: Attempt } | { ok: false; error: PixmuxError; attempt: Attempt; cancelled: boolean };

/** One admitted candidate in flight; `cancel` aborts it alone (the hedging loser), leaving the call running. */
export interface RunningAttempt {
  entry: ProviderEntry;
  estimateUsd: number;
  outcome: Promise<AttemptOutcome>;
  cancel(reason: PixmuxError): void;
}

/**
 * Runs one candidate under its own abort signal (the call's deadline combined with its own controller), then
 * settles its budget reservation to what it billed, gives back its load slot and tells its circuit how it went.
 * The promise never rejects.
 */
export function startAttempt(entry: ProviderEntry, request: NormalizedRequest, call: CallState, ticket: Ticket): RunningAttempt {
  const id = entry.provider.id;
  const controller = new AbortController();
  const { signal, dispose: unlinkSignal } = linkSignals([call.deadline.signal, controller.signal]);
  const startedAt = Date.now();

  const outcome = (async (): Promise<AttemptOutcome> => {
    let result: AttemptOutcome;
    try {
      const run = await runProvider(entry, request, call, signal);
      result = { ok: true, run, attempt: { provider: id, model: run.model, ok: true, tries: run.tries, durationMs: Date.now() - startedAt, costUsd: run.costUsd } };
    } catch (thrown) {
      const error = toPixmuxError(thrown, id);
      const { costUsd, tries } = failureOf(error);
      const cancelled = controller.signal.aborted || (call.deadline.signal.aborted && error.code === 'aborted');
      result = { ok: false, error, cancelled, attempt: { provider: id, ok: false, error: summarize(error), tries, durationMs: Date.now() - startedAt, ...(costUsd > 0 ? { costUsd } : {}) } };
    }
    unlinkSignal();
    call.load.release(id);
    recordHealth(call, id, result, ticket.probe);
    await settle(call, id, ticket, result.attempt.costUsd ?? 0);
    return result;
  })();

  return {
    entry,
    estimateUsd: ticket.estimateUsd,
    outcome,
    cancel: (reason) => controller.abort(reason),
  };
}

function recordHealth(call: CallState, id: string, result: AttemptOutcome, probe: boolean): void {
  const circuit = call.circuit;
  if (!circuit) return;
  if (result.ok) circuit.succeeded(id, call.emit);
  else if (result.cancelled) circuit.release(id, probe);
  else circuit.failed(id, result.error.code, probe, call.emit);
}

/** Settles the reservation; a slow store holds the call at most until its deadline, then finishes in the background. */
async function settle(call: CallState, id: string, ticket: Ticket, actualUsd: number): Promise<void> {
  if (!call.budget.hasLimits) return;
  const settling = call.budget.settle(ticket.reservation, actualUsd).then(
    () => call.emit({ type: 'budget.settled', provider: id, reservedUsd: ticket.estimateUsd, actualUsd }),
    (error: unknown) => call.logger.warn(`${id}: could not settle the budget reservation: ${error instanceof Error ? error.message : String(error)}`),
  );
  await raceSignal(settling, call.deadline.signal).catch(() => {});
}
