import type { Price } from 'pixmux';

const CREDIT_SOURCE =
  'remove.bg bills credits (full 1, preview 0.25: removebg.yaml); $ per credit falls with volume, $0.08–0.20 per full image (secondary source, Apr 2026, not confirmed on an official page): the top of the range is used so budgets stay safe';

/**
 * Built-in remove.bg prices per image in USD, keyed by output `size`. `full` is also the price of one credit:
 * the billed cost is `X-Credits-Charged` × the `full` price. Set `prices: { full: { perImage: <your $ per credit> } }`
 * to match your plan. Re-check at https://www.remove.bg/pricing.
 */
export const REMOVEBG_PRICES: Record<string, Price> = {
  full: { perImage: 0.2, source: CREDIT_SOURCE, date: '2026-04' },
  preview: { perImage: 0.05, source: CREDIT_SOURCE, date: '2026-04' },
  /** `auto` uses the highest resolution the credits allow: priced as full. */
  default: { perImage: 0.2, source: CREDIT_SOURCE, date: '2026-04' },
};

/** Credits one image costs at a size, before the call (legacy names included). */
export function creditsForSize(size: string): number {
  return size === 'preview' || size === 'small' || size === 'regular' ? 0.25 : 1;
}
