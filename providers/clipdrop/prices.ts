import type { Price } from 'pixmux';

const CREDITS = 'clipdrop.co/apis/docs: 1 credit per successful call (text-to-image, remove-background), 100 free credits';

/**
 * Built-in Clipdrop prices per image in USD, by model id (`text-to-image`, `remove-background`). Clipdrop bills
 * credits and no dollar price per credit was confirmed on an official page: $0.02 a credit is assumed (the level of
 * Photoroom's basic cut-out), so budgets stay on the safe side. Set your plan's figure with
 * `prices: { default: { perImage: <$ per credit> } }`; the billed cost is `x-credits-consumed` × that price.
 */
export const CLIPDROP_PRICES: Record<string, Price> = {
  default: { perImage: 0.02, source: `${CREDITS}; $ per credit not confirmed (assumed)`, date: '2026-10' },
};
