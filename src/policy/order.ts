import type { ProviderEntry } from '../provider/registry.js';
import type { NormalizedRequest, Operation, PriceContext, Tier } from '../types.js';
import type { PolicyOrder } from './policy-options.js';
import type { RequestFor } from './provider-request.js';

const TIER_RANK: Record<Tier, number> = { local: 0, cheap: 1, premium: 2 };

/**
 * Orders candidates: `tier` (local → cheap → premium, cheapest estimate first inside a tier), `price` (cheapest
 * estimate first) or `listed`. Ties, and providers without an estimate (placed after priced ones), keep the listed order.
 */
export function orderCandidates(entries: ProviderEntry[], order: PolicyOrder, operation: Operation, requestFor: RequestFor, context: PriceContext): ProviderEntry[] {
  if (order === 'listed') return entries;
  const keyed = entries.map((entry, index) => ({ entry, index, tier: TIER_RANK[entry.provider.tier] ?? 1, price: estimateUsd(entry, operation, requestFor(entry.provider.id), context) ?? Number.POSITIVE_INFINITY }));
  keyed.sort((a, b) => (order === 'tier' ? a.tier - b.tier : 0) || compare(a.price, b.price) || a.index - b.index);
  return keyed.map((item) => item.entry);
}

function compare(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The provider's own estimate (an upper bound) for this call; undefined when it has none, it is not a usable number, or `price` throws. */
export function estimateUsd(entry: ProviderEntry, operation: Operation, request: NormalizedRequest, context: PriceContext): number | undefined {
  try {
    const usd = entry.provider.price?.(operation, request, context);
    return typeof usd === 'number' && Number.isFinite(usd) && usd >= 0 ? usd : undefined;
  } catch {
    return undefined;
  }
}
