import type { Price } from 'pixmux';

/**
 * Prices by model id, USD. Together bills its FLUX models per megapixel of output. Override or extend with the
 * `prices` option; models without an entry are not priced (budgets then cannot reserve for them).
 * - FLUX.1-schnell: about $0.0027 per 1 MP image, from a secondary comparison (workflowlab, May 2026) cited in
 *   ../shared/reference/providers.md §1 and §7; re-check at https://www.together.ai/pricing.
 * - FLUX.1-schnell-Free: the free endpoint (rate-limited), $0.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'black-forest-labs/FLUX.1-schnell': { perMegapixel: 0.0027, source: 'workflowlab comparison via ../shared/reference/providers.md §7 [2nd]; verify at together.ai/pricing', date: '2026-05' },
  'black-forest-labs/FLUX.1-schnell-Free': { perImage: 0, source: 'together.ai free endpoint (model id -Free)', date: '2026-04' },
};
