import { toPixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest } from '../types.js';
import type { Ticket } from './admit.js';
import type { CallState } from './call-state.js';
import { failureOf, runProvider, summarize, type ProviderRun } from './run-provider.js';

export type AttemptOutcome = { ok: true; run: ProviderRun; attempt: Attempt } | { ok: false; error: PixmuxError; attempt: Attempt; cancelled: boolean };

/** One admitted candidate in flight; `cancel` aborts it alone (the hedging loser), leaving the call running. */
export interface RunningAttempt {
  entry: ProviderEntry;
  /** What its admission reserved against the call's cap. */
  reservedUsd: number;
  outcome: Promise<AttemptOutcome>;
  cancel(reason: PixmuxError): void;
}

/**
 * Runs one candidate, then settles its budget reservation to what it billed, gives back its load slot and tells its
 * circuit how it went. Only a hedged call (where one attempt may be cancelled while another runs) gives each attempt
 * its own abort scope; otherwise the attempt runs under the call's. The promise never rejects.
 */
export function startAttempt(entry: ProviderEntry, request: NormalizedRequest, call: CallState, ticket: Ticket): RunningAttempt {
  const id = entry.provider.id;
  const own = call.policy.hedgeAfterMs === undefined ? undefined : call.deadline.child();
  const startedAt = Date.now();

  const outcome = (async (): Promise<AttemptOutcome> => {
    let result: AttemptOutcome;
    try {
      const run = await runProvider(entry, request, call, own ?? call.deadline);
      result = { ok: true, run, attempt: { provider: id, model: run.model, ok: true, tries: run.tries, durationMs: Date.now() - startedAt, costUsd: run.costUsd } };
    } catch (thrown) {
      const error = toPixmuxError(thrown, id);
      const { costUsd, tries } = failureOf(error);
      // Cancelled: the caller aborted the call, or (the call going on) this hedged attempt lost to another. A call's
      // timeout is no cancel: it counts against the provider whether the call hedges or not.
      const cancelled = call.deadline.aborted ? error.code === 'aborted' : own?.aborted === true;
      result = { ok: false, error, cancelled, attempt: { provider: id, ok: false, error: summarize(error), tries, durationMs: Date.now() - startedAt, ...(costUsd > 0 ? { costUsd } : {}) } };
    }
    own?.dispose();
    call.load.release(id);
    recordHealth(call, id, result, ticket.probe);
    await settle(call, id, ticket, result);
    return result;
  })();

  return {
    entry,
    reservedUsd: ticket.reservedUsd,
    outcome,
    cancel: (reason) => own?.abort(reason),
  };
}

function recordHealth(call: CallState, id: string, result: AttemptOutcome, probe: boolean): void {
  const circuit = call.circuit;
  if (!circuit) return;
  if (result.ok) circuit.succeeded(id, call.emit);
  else if (result.cancelled) circuit.release(id, probe);
  else circuit.failed(id, result.error.code, probe, call.emit, result.error.status);
}

/**
 * Settles the reservation to the bill. A bill above its reservation is counted in full (`budget.overrun`), and the
 * gate reserves more for this provider from then on; a bill that is not a usable number counts as the reservation.
 * A slow store holds the call at most until its deadline, then finishes in the background.
 */
async function settle(call: CallState, id: string, ticket: Ticket, result: AttemptOutcome): Promise<void> {
  const billedUsd = result.attempt.costUsd ?? 0;
  // Only a priced call under a limit promised anything its bill could overrun.
  const accountable = ticket.limited && !ticket.unpriced;
  const assessed = call.budget.assess(id, call.operation, ticket.reservation, ticket.estimateUsd, billedUsd, accountable);
  if (assessed.invalidBill) {
    call.logger.warn(`${id}: billed ${String(billedUsd)}, which is not a cost; counted at its reservation $${assessed.countedUsd}`);
    result.attempt.costUsd = assessed.countedUsd;
  }
  if (assessed.overrun) {
    call.emit({ type: 'budget.overrun', provider: id, reservedUsd: ticket.reservedUsd, actualUsd: billedUsd });
    call.logger.warn(`${id}: billed $${billedUsd}, more than the $${ticket.reservedUsd} reserved; later calls to it reserve more`);
  }
  if (!call.budget.hasLimits) return;
  const settling = call.budget.settle(ticket.reservation, assessed.countedUsd).then(
    () => call.emit({ type: 'budget.settled', provider: id, reservedUsd: ticket.reservedUsd, actualUsd: assessed.countedUsd }),
    (error: unknown) => call.logger.warn(`${id}: could not settle the budget reservation: ${error instanceof Error ? error.message : String(error)}`),
  );
  await call.deadline.race(settling).catch(() => {});
}
