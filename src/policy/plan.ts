import { pixmuxError } from '../errors/create-error.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { Attempt, NormalizedRequest, Operation, PriceContext, SkipReason } from '../types.js';
import { orderCandidates } from './order.js';
import type { RequestFor } from './provider-request.js';
import type { PolicyOrder } from './policy-options.js';

export interface Plan {
  /** Providers to try, in order. */
  candidates: ProviderEntry[];
  /** Providers passed over, with the reason. */
  skipped: Array<{ provider: string; reason: SkipReason; detail?: string }>;
}

/**
 * Chooses the providers for one call: those named by the call or all of the client's, in the policy's order,
 * keeping those that implement the operation, accept the request and have credentials. The checks that depend on
 * the moment (circuit, saturation, budget) are made just before each candidate runs: see `admit.ts`.
 */
export function planCall(
  entries: ReadonlyMap<string, ProviderEntry>,
  operation: Operation,
  requestFor: RequestFor,
  selection: readonly string[] | undefined,
  order: PolicyOrder = 'listed',
  priceContext: PriceContext = { remainingMs: Number.POSITIVE_INFINITY },
): Plan {
  const listed = selectEntries(entries, selection);
  const ordered = orderCandidates(listed, order, operation, requestFor, priceContext);
  const plan: Plan = { candidates: [], skipped: [] };
  for (const entry of ordered) {
    const { provider } = entry;
    const skip = (reason: SkipReason, detail?: string) => plan.skipped.push({ provider: provider.id, reason, ...(detail ? { detail } : {}) });
    if (!provider.operations[operation]) {
      skip('unsupported', `${provider.id} does not implement ${operation}`);
      continue;
    }
    const supported = safeSupports(entry, operation, requestFor(provider.id));
    if (supported !== true) {
      skip('unsupported', supported);
      continue;
    }
    if (!hasCredentials(entry)) {
      skip('missing_credentials', `${provider.id} has no API key`);
      continue;
    }
    plan.candidates.push(entry);
  }
  return plan;
}

/** The providers a call names, in its order, or all of the client's; an unknown id is an `invalid_request`. */
export function selectEntries(entries: ReadonlyMap<string, ProviderEntry>, selection: readonly string[] | undefined): ProviderEntry[] {
  if (!selection) return [...entries.values()];
  return selection.map((id) => {
    const entry = entries.get(id);
    if (!entry) throw pixmuxError('invalid_request', `providers: unknown provider "${id}" (configured: ${[...entries.keys()].join(', ')})`);
    return entry;
  });
}

function safeSupports(entry: ProviderEntry, operation: Operation, request: NormalizedRequest): true | string {
  try {
    const answer = entry.provider.supports?.(operation, request) ?? true;
    return answer === true ? true : typeof answer === 'string' && answer.length > 0 ? answer : `${entry.provider.id} cannot run this request`;
  } catch (error) {
    return `${entry.provider.id}.supports threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function skippedAttempt(skip: Plan['skipped'][number] & { expectedWaitMs?: number | undefined }): Attempt {
  return {
    provider: skip.provider,
    ok: false,
    skipped: skip.reason,
    ...(skip.detail ? { detail: skip.detail } : {}),
    ...(skip.expectedWaitMs !== undefined ? { expectedWaitMs: Math.round(skip.expectedWaitMs) } : {}),
    durationMs: 0,
  };
}

function hasCredentials(entry: ProviderEntry): boolean {
  try {
    return entry.provider.hasCredentials?.() ?? true;
  } catch {
    return false;
  }
}
