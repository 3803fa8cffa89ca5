import type { Price } from 'pixmux';

/** USD per PixelAPI credit on the Starter plan ($10 for 10,000 credits), pixelapi.dev/docs via the reference §11. */
export const DEFAULT_USD_PER_CREDIT = 0.001;

/**
 * Prices by model (generation) or endpoint (the image operations), in credits × the Starter plan's $0.001:
 * generation 3 credits, background removal 2, face restoration 3 — pixelapi.dev/docs, as summarised in
 * ../shared/reference/providers.md §1 and §11 (material collected about October 2026). The often-quoted
 * $0.012 / $0.01 / $0.025 were not found in any source. Override with the `prices` option.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'flux-schnell': { perImage: 0.003, source: 'pixelapi.dev/docs: 3 credits, Starter plan $0.001/credit', date: '2026-10' },
  'remove-background': { perImage: 0.002, source: 'pixelapi.dev/docs: 2 credits, Starter plan $0.001/credit', date: '2026-10' },
  'restore-face': { perImage: 0.003, source: 'pixelapi.dev/docs: 3 credits, Starter plan $0.001/credit', date: '2026-10' },
};
