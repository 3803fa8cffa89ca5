import type { Price } from 'pixmux';

/**
 * Prices by model id, from the fal.ai model pages as summarised in ../shared/reference/providers.md §1 and §6
 * (material collected about October 2026). Override or extend with the `prices` option.
 * - flux/schnell: $0.003 per megapixel of output.
 * - birefnet: the page lists "$0 per compute second", which looks like a placeholder [unverified]; kept at 0
 *   so that it is not invented, but set your own figure with `prices` before relying on budgets.
 * - codeformer: $0.0021 per megapixel; pixmux counts the input's megapixels [unverified whether fal bills output].
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'fal-ai/flux/schnell': { perMegapixel: 0.003, source: 'fal.ai/models/fal-ai/flux/schnell', date: '2026-10' },
  'fal-ai/birefnet': { perImage: 0, source: 'fal.ai/models/fal-ai/birefnet ("$0 per compute second", placeholder? verify)', date: '2026-10' },
  'fal-ai/birefnet/v2': { perImage: 0, source: 'fal.ai/models/fal-ai/birefnet ("$0 per compute second", placeholder? verify)', date: '2026-10' },
  'fal-ai/imageutils/rembg': { perImage: 0, source: 'fal.ai/models/fal-ai/imageutils/rembg ("$0 per compute second", placeholder? verify)', date: '2026-10' },
  'fal-ai/ben/v2/image': { perMegapixel: 0.025, source: 'fal.ai/models/fal-ai/ben/v2/image', date: '2026-10' },
  'fal-ai/codeformer': { perMegapixel: 0.0021, source: 'fal.ai/models/fal-ai/codeformer', date: '2026-10' },
};
