import type { Price } from 'pixmux';

/** BFL bills in credits: 1 credit = $0.01. */
export const USD_PER_CREDIT = 0.01;

const SOURCE = 'bfl.ai pricing via black-forest-labs/skills, ../shared/reference/providers.md §1 and §8';

function credits(count: number, note = ''): Price {
  return { perImage: Math.round(count * USD_PER_CREDIT * 1e6) / 1e6, source: `${SOURCE}: ${count} credits per image${note}`, date: '2026-10' };
}

const FLUX_2 = ' at 1 MP (FLUX.2 prices grow with megapixels and reference images; the `cost` BFL returns is billed when present)';

/**
 * Prices by endpoint (model) id, per image. Override or extend with the `prices` option. The dollar figure a task
 * really cost is taken from the submit reply's `cost` when BFL sends one (newer endpoints do). It is read as
 * credits, the unit of BFL's pricing [unverified: no reply or invoice seen]; this table is the estimate budgets
 * reserve before the call and the fallback when BFL sends no `cost`.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'flux-2-klein-4b': credits(1.4, FLUX_2),
  'flux-2-klein-9b': credits(1.5, FLUX_2),
  'flux-2-pro': credits(3, FLUX_2),
  'flux-2-flex': credits(5, FLUX_2),
  'flux-2-max': credits(7, FLUX_2),
  'flux-pro-1.1': credits(4),
  'flux-pro-1.1-ultra': credits(6),
  'flux-kontext-pro': credits(4),
  'flux-kontext-max': credits(8),
  'flux-dev': { perImage: 0.025, source: 'BFL FLUX.1 [dev] API price as quoted by secondary sources [2nd]; verify at bfl.ai/pricing', date: '2026-10' },
};
