import type { Price } from 'pixmux';

/** Stability bills credits at $0.01 each. */
const CREDIT_USD = 0.01;
const GENERATE_SOURCE = 'credits × $0.01; secondary source (Puter tutorial citing Stability pricing, Jun 2026) via ../shared/reference/providers.md §4';
const EDIT_SOURCE = 'stability.ai/api-pricing-update-25 (effective 2025-08-01): 5 credits × $0.01';

function credits(count: number, source: string, date: string): Price {
  return { perImage: Math.round(count * CREDIT_USD * 1e6) / 1e6, source, date };
}

/**
 * Built-in Stability prices per image in USD, by model id. Re-check against https://platform.stability.ai/pricing
 * before relying on them; override any entry with the `prices` option.
 */
export const STABILITY_PRICES: Record<string, Price> = {
  core: credits(3, GENERATE_SOURCE, '2026-06'),
  ultra: credits(8, GENERATE_SOURCE, '2026-06'),
  'sd3.5-large': credits(6.5, GENERATE_SOURCE, '2026-06'),
  'sd3.5-large-turbo': credits(4, GENERATE_SOURCE, '2026-06'),
  'sd3.5-medium': credits(3.5, GENERATE_SOURCE, '2026-06'),
  'remove-background': credits(5, EDIT_SOURCE, '2025-08'),
  /** Unknown models (older `sd3-*` ids, successors): priced like Ultra, the safe side for budgets. */
  default: credits(8, `assumed equal to Ultra (${GENERATE_SOURCE})`, '2026-06'),
};
