import { lookupPrice, priceToUsd, type NormalizedGenerateRequest, type Price, type ProviderDefinition } from 'pixmux';
import { geminiImageSize } from './gemini.js';

const GEMINI_SOURCE = 'ai.google.dev/gemini-api/docs/pricing, read 2026-10 via ../shared/reference/providers.md §3c';
const IMAGEN_SOURCE = 'ai.google.dev/gemini-api/docs/pricing (Imagen 4, per image; Vertex lists the same), read 2026-10 via ../shared/reference/providers.md §3a';

/**
 * Built-in Google prices per image in USD, by model id (`model:4K` for the 4K size of the Gemini 3 image models).
 * Gemini image output is billed by tokens (about 1290 per 1K image); these are Google's per-image equivalents.
 * Re-check against https://ai.google.dev/gemini-api/docs/pricing and the Vertex AI pricing page; override any entry
 * with the `prices` option.
 */
export const GOOGLE_PRICES: Record<string, Price> = {
  'gemini-2.5-flash-image': { perImage: 0.039, source: `${GEMINI_SOURCE} ($30 per 1M output tokens × 1290 tokens)`, date: '2026-10' },
  'gemini-2.5-flash-image-preview': { perImage: 0.039, source: `${GEMINI_SOURCE} ($30 per 1M output tokens × 1290 tokens)`, date: '2026-10' },
  'gemini-3-pro-image*': { perImage: 0.134, source: `${GEMINI_SOURCE} (1K and 2K)`, date: '2026-10' },
  'gemini-3-pro-image*:4K': { perImage: 0.24, source: `${GEMINI_SOURCE} (4K)`, date: '2026-10' },
  'imagen-4.0-fast-generate*': { perImage: 0.02, source: IMAGEN_SOURCE, date: '2026-10' },
  'imagen-4.0-generate*': { perImage: 0.04, source: IMAGEN_SOURCE, date: '2026-10' },
  'imagen-4.0-ultra-generate*': { perImage: 0.06, source: IMAGEN_SOURCE, date: '2026-10' },
  /** Models without an entry (successors, Imagen 3): priced like Gemini 3 Pro Image at 4K, the safe side for budgets. */
  default: { perImage: 0.24, source: `assumed equal to gemini-3-pro-image at 4K (${GEMINI_SOURCE})`, date: '2026-10' },
};

/** The price of one image of `model` at `imageSize` (when the model takes one): `model:4K` entries first. */
export function findGooglePrice(prices: Record<string, Price>, model: string, imageSize: string | undefined): Price | undefined {
  if (imageSize) {
    const sized = Object.fromEntries(
      Object.entries(prices)
        .filter(([key]) => key.endsWith(`:${imageSize}`))
        .map(([key, price]) => [key.slice(0, -imageSize.length - 1), price]),
    );
    // `sized` holds a `default` only when the caller priced `default:4K`.
    const price = lookupPrice(sized, model);
    if (price) return price;
  }
  return lookupPrice(Object.fromEntries(Object.entries(prices).filter(([key]) => !key.includes(':'))), model);
}

/** The billed cost of `images` images of `model` at `imageSize`, as a result field. */
export function costOf(prices: Record<string, Price>, model: string, imageSize: string | undefined, images: number): { costUsd?: number } {
  const price = findGooglePrice(prices, model, imageSize);
  return price ? { costUsd: priceToUsd(price, { images }) } : {};
}

/** A provider's `price()`: the call's `n` images of its model, at the image size it will be sent with. */
export function googlePricer(prices: Record<string, Price>, defaultModel: string): NonNullable<ProviderDefinition['price']> {
  return (_operation, request) => {
    const generateRequest = request as NormalizedGenerateRequest;
    const model = generateRequest.model ?? defaultModel;
    return costOf(prices, model, geminiImageSize(generateRequest, model), generateRequest.n).costUsd;
  };
}
