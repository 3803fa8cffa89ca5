/**
 * A vendor's price for one model, in the vendor's own unit. The one place that turns it into dollars is
 * `priceToUsd`; providers keep a table of these per model, with where and when each was read.
 */
export type Price =
  | { perImage: number; source?: string; date?: string }
  | { perMegapixel: number; source?: string; date?: string }
  | { perSecond: number; /** Typical run time, used to estimate before the call. */ estimatedSeconds: number; source?: string; date?: string };

export interface PriceUsage {
  images: number;
  /** Megapixels per image. @default 1 */
  megapixels?: number;
  /** Billed seconds, when the vendor reports them; otherwise the price's estimate. */
  seconds?: number;
}

/** Dollars for a usage at a price, rounded to a millionth of a dollar. */
export function priceToUsd(price: Price, usage: PriceUsage): number {
  let usd: number;
  if ('perImage' in price) usd = price.perImage * usage.images;
  else if ('perMegapixel' in price) usd = price.perMegapixel * Math.max(usage.megapixels ?? 1, 0) * usage.images;
  else usd = price.perSecond * (usage.seconds ?? price.estimatedSeconds * usage.images);
  return Math.round(usd * 1e6) / 1e6;
}

/** Finds a model's price in a table: the exact id, then the longest prefix entry ending in `*`, then `default`. */
export function lookupPrice(table: Record<string, Price>, model: string | undefined): Price | undefined {
  if (model && table[model]) return table[model];
  if (model) {
    const prefixes = Object.keys(table).filter((key) => key.endsWith('*') && model.startsWith(key.slice(0, -1)));
    prefixes.sort((a, b) => b.length - a.length);
    if (prefixes[0]) return table[prefixes[0]];
  }
  return table.default;
}
