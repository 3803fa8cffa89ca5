import type { Tier } from 'pixmux';

/** Gemini image model ids with a known shape; any other string is accepted too. */
export type GeminiImageModel = 'gemini-2.5-flash-image' | 'gemini-3-pro-image-preview' | 'gemini-3-pro-image' | (string & {});
/** Imagen ids (Vertex AI only since 2026-08-17). */
export type ImagenModel = 'imagen-4.0-generate-001' | 'imagen-4.0-fast-generate-001' | 'imagen-4.0-ultra-generate-001' | (string & {});

/**
 * "Nano Banana": GA, about $0.039 an image. Its shutdown date is reported as 2027-03-15 (an older mirror said
 * 2026-10-02; ../shared/reference/providers.md §3c); set `model` when Google names a successor.
 */
export const DEFAULT_GEMINI_IMAGE_MODEL = 'gemini-2.5-flash-image';

/** Imagen left the Gemini API on 2026-08-17; the day is in every reason pixmux gives. */
export const IMAGEN_LEFT_GEMINI_API = '2026-08-17';

export function isImagenModel(model: string): boolean {
  return /^imagen/i.test(model);
}

/** `imageConfig.imageSize` (1K/2K/4K) is taken by the Gemini 3 image models only. */
export function takesImageSize(model: string): boolean {
  return /^gemini-3/.test(model);
}

/** Imagen models that still take `negativePrompt` (Vertex: "the following models support negative prompts"). */
const NEGATIVE_PROMPT_MODELS = ['imagen-3.0-generate-001', 'imagen-3.0-fast-generate-001', 'imagen-3.0-capability-001'];

export function takesNegativePrompt(model: string): boolean {
  return NEGATIVE_PROMPT_MODELS.includes(model);
}

/** `sampleImageSize` (1K/2K) is taken by Imagen 4 Standard and Ultra, not Fast. */
export function takesSampleImageSize(model: string): boolean {
  return /^imagen-4/.test(model) && !/fast/.test(model);
}

/** A model id safe to put in a URL path (no `/`, `?`, `#`); a leading `models/` is dropped as Google's SDK does. */
export function modelPathSegment(model: string): string | undefined {
  const bare = model.replace(/^models\//, '');
  return /^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(bare) ? bare : undefined;
}

/** Pro and Ultra cost $0.06 or more an image: premium. Flash image ($0.039) and Imagen Fast/Standard sit with the cheap APIs. */
export function defaultTier(model: string): Tier {
  return /pro-image|ultra/.test(model) ? 'premium' : 'cheap';
}
