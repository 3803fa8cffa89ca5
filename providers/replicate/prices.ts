import type { Price } from 'pixmux';

/**
 * Replicate hardware rates, USD per second, from https://replicate.com/pricing (read 2026-11-25;
 * the reference's newest material is from about October 2026). Community models bill
 * `metrics.predict_time` × the rate of the hardware they run on.
 */
export const HARDWARE_USD_PER_SECOND = {
  cpu: 0.0001,
  t4: 0.000225,
  l40s: 0.000975,
  a100_80gb: 0.0014,
} as const;

/**
 * Prices by model id (`owner/name`; the version is ignored). Override or extend with the `prices` option.
 * - flux-schnell: $0.003 per output image (official model), replicate.com model page, per
 *   ../shared/reference/providers.md §1 and §5 (collected about October 2026).
 * - Community models bill per second. Which hardware each runs on is not in the reference: T4 is assumed
 *   [unverified]; the estimates (typical seconds) are guesses to be replaced by a measured `predict_time`.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'black-forest-labs/flux-schnell': { perImage: 0.003, source: 'replicate.com/black-forest-labs/flux-schnell (official model, per output)', date: '2026-10' },
  '851-labs/background-remover': { perSecond: HARDWARE_USD_PER_SECOND.t4, estimatedSeconds: 3, source: 'replicate.com/pricing T4 rate; hardware assumed [unverified]', date: '2026-11-25' },
  'lucataco/remove-bg': { perSecond: HARDWARE_USD_PER_SECOND.t4, estimatedSeconds: 3, source: 'replicate.com/pricing T4 rate; hardware assumed [unverified]', date: '2026-11-25' },
  'cjwbw/rembg': { perSecond: HARDWARE_USD_PER_SECOND.t4, estimatedSeconds: 3, source: 'replicate.com/pricing T4 rate; hardware assumed [unverified]', date: '2026-11-25' },
  'tencentarc/gfpgan': { perSecond: HARDWARE_USD_PER_SECOND.t4, estimatedSeconds: 4, source: 'replicate.com/pricing T4 rate; hardware assumed [unverified]', date: '2026-11-25' },
  'sczhou/codeformer': { perSecond: HARDWARE_USD_PER_SECOND.t4, estimatedSeconds: 6, source: 'replicate.com/pricing T4 rate; hardware assumed [unverified]', date: '2026-11-25' },
};
