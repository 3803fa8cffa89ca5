import type { Price } from 'pixmux';

/**
 * Built-in Photoroom prices per image in USD. The Basic plan's `/v1/segment` is $0.02 an image (an API-partner
 * plan offers $0.01: set `prices: { default: { perImage: 0.01 } }`). Re-check at https://www.photoroom.com/api/pricing.
 */
export const PHOTOROOM_PRICES: Record<string, Price> = {
  default: { perImage: 0.02, source: 'Photoroom API pricing page (Basic plan, remove background), via ../shared/reference/providers.md §12', date: '2026-10' },
};
