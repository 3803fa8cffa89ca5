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

/** What bounds a time-billed run before it starts. */
export interface SecondsBoundOptions {
  /** Runs the call may make in parallel (a vendor run per chunk). @default 1 */
  runs?: number;
  /** Milliseconds left before the call's deadline: a run is cancelled then, so it bills no longer. */
  remainingMs?: number | undefined;
  /** The longest billed seconds per image seen so far for this model, when the provider has seen any. */
  longestSecondsPerImage?: number | undefined;
}

/** Headroom over the longest run seen: a bound from observations, not a mean. */
const OBSERVED_HEADROOM = 1.5;

/**
 * The most seconds a time-billed call can be billed for: the longest run seen with headroom, never more than the
 * deadline allows (the run is cancelled there); the deadline alone before anything was seen. Without either, the
 * price's typical seconds times four, the best a caller without a deadline can be told.
 */
export function secondsBound(price: Extract<Price, { perSecond: number }>, images: number, options: SecondsBoundOptions = {}): number {
  const runs = Math.max(1, options.runs ?? 1);
  const deadlineSeconds = options.remainingMs !== undefined && Number.isFinite(options.remainingMs) ? (Math.max(0, options.remainingMs) / 1000) * runs : Number.POSITIVE_INFINITY;
  const observed = options.longestSecondsPerImage !== undefined ? options.longestSecondsPerImage * images * OBSERVED_HEADROOM : Number.POSITIVE_INFINITY;
  const bound = Math.min(deadlineSeconds, observed);
  return Number.isFinite(bound) ? bound : price.estimatedSeconds * images * 4;
}
