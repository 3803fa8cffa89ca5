import type { Price } from 'pixmux';

const BILLING =
  'huggingface.co/docs/inference-providers/pricing: billed at provider cost with no markup, hf-inference by compute time × hardware price; no per-image figure is published';

/**
 * Built-in estimates per image in USD, by model id. Hugging Face bills hf-inference by compute time, so these are
 * estimates, set on the safe side for budgets; read your real cost in the HF billing page and set `prices`.
 */
export const HUGGINGFACE_PRICES: Record<string, Price> = {
  'black-forest-labs/FLUX.1-schnell': { perImage: 0.003, source: `${BILLING}; estimated at FLUX.1-schnell's going rate elsewhere (Replicate $0.003/image, providers.md §1)`, date: '2026-10' },
  'briaai/RMBG-1.4': { perImage: 0.001, source: `${BILLING}; estimated for a sub-second segmentation run`, date: '2026-10' },
  /** Any other model: a larger diffusion model's few seconds of GPU time. */
  default: { perImage: 0.01, source: `${BILLING}; estimate for an unlisted model`, date: '2026-10' },
};
