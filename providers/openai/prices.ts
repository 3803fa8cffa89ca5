import { lookupPrice, type Price } from 'pixmux';

/** The qualities a GPT-image model renders at; `auto` is priced as `high` before the call, so budgets stay safe. */
export type PricedQuality = 'low' | 'medium' | 'high';

const GPT_IMAGE_1_SOURCE = 'developers.openai.com/api/docs/models (per-image table, 1024² and 1536 sizes), read 2026-10 via ../shared/reference/providers.md §2';
const GPT_IMAGE_2_SOURCE =
  'token-priced; rough per-1024² estimate $0.02/$0.07/$0.19 (low/medium/high) from a secondary source (skills.sh citing fal.ai, May 2026), spread per megapixel';

/** Per-image prices of the fixed-size models, keyed `model:quality` (1024x1024) and `model:quality:WxH`. */
function fixedSizeTable(model: string, prices: Record<PricedQuality, [square: number, wide: number]>): Record<string, Price> {
  const table: Record<string, Price> = {};
  for (const [quality, [square, wide]] of Object.entries(prices)) {
    table[`${model}:${quality}`] = { perImage: square, source: GPT_IMAGE_1_SOURCE, date: '2026-10' };
    for (const size of ['1536x1024', '1024x1536']) table[`${model}:${quality}:${size}`] = { perImage: wide, source: GPT_IMAGE_1_SOURCE, date: '2026-10' };
  }
  return table;
}

/** gpt-image-2 is billed by tokens, which grow with the pixel count: priced per megapixel from the 1024² estimates. */
const MEGAPIXELS_1024 = 1.048576;

/**
 * Built-in OpenAI prices in USD. Sources and dates are on each entry; re-check against
 * https://openai.com/api/pricing before relying on them. Override any entry with the `prices` option
 * (`'gpt-image-2'` for every quality, or `'gpt-image-2:medium'` for one).
 */
export const OPENAI_PRICES: Record<string, Price> = {
  'gpt-image-2:low': { perMegapixel: 0.02 / MEGAPIXELS_1024, source: GPT_IMAGE_2_SOURCE, date: '2026-05' },
  'gpt-image-2:medium': { perMegapixel: 0.07 / MEGAPIXELS_1024, source: GPT_IMAGE_2_SOURCE, date: '2026-05' },
  'gpt-image-2:high': { perMegapixel: 0.19 / MEGAPIXELS_1024, source: GPT_IMAGE_2_SOURCE, date: '2026-05' },
  // Shut down 2026-10-23; kept for accounts and gateways that still serve it.
  ...fixedSizeTable('gpt-image-1', { low: [0.011, 0.016], medium: [0.042, 0.063], high: [0.167, 0.25] }),
  // Shuts down 2026-12-01.
  ...fixedSizeTable('gpt-image-1-mini', { low: [0.005, 0.006], medium: [0.011, 0.015], high: [0.036, 0.052] }),
  /** Models without an entry (gpt-image-1.5, successors): priced like gpt-image-2 high, the safe side for budgets. */
  default: { perMegapixel: 0.19 / MEGAPIXELS_1024, source: `assumed equal to gpt-image-2 high (${GPT_IMAGE_2_SOURCE})`, date: '2026-05' },
};

/** `auto` (or no quality) is priced as `high`. */
export function pricedQuality(quality: string | null | undefined): PricedQuality {
  return quality === 'low' || quality === 'medium' ? quality : 'high';
}

/**
 * The price for a model at a quality and size. Order: the caller's entries for this model, the built-in
 * entries, the caller's `default`, the built-in `default`.
 */
export function findOpenAIPrice(overrides: Record<string, Price>, model: string, quality: PricedQuality, size: string | undefined): Price | undefined {
  const { default: overrideDefault, ...specific } = overrides;
  return findIn(specific, model, quality, size) ?? findIn(OPENAI_PRICES, model, quality, size) ?? overrideDefault ?? OPENAI_PRICES.default;
}

/** A model's entry in one table, `default` left out. */
function findIn(table: Record<string, Price>, model: string, quality: PricedQuality, size: string | undefined): Price | undefined {
  const sized = size ? table[`${model}:${quality}:${size}`] : undefined;
  if (sized) return sized;
  if (table[`${model}:${quality}`]) return table[`${model}:${quality}`];
  const { default: _ignored, ...withoutDefault } = table;
  return lookupPrice(withoutDefault, model);
}
