/**
 * The wire format of Clipdrop's APIs: multipart/form-data in, the image itself out (`x-remaining-credits` and
 * `x-credits-consumed` in the headers); errors as JSON `{ error }`. Minimal on purpose: only what pixmux sends and reads.
 * @see https://clipdrop.co/apis/docs/text-to-image
 * @see https://clipdrop.co/apis/docs/remove-background
 */
export interface TextToImageForm {
  /** Up to 1000 characters. */
  prompt: string;
}

export interface RemoveBackgroundForm {
  image_file: Blob;
  /** What to do with an input that already has transparency. */
  transparency_handling?: 'return_input_if_non_opaque' | 'discard_alpha_layer';
}

/** The response headers pixmux reads. */
export const RESPONSE_HEADERS = {
  remainingCredits: 'x-remaining-credits',
  creditsConsumed: 'x-credits-consumed',
} as const;

/** Documented limits: text-to-image prompts up to 1000 characters; remove-background inputs up to 25 MP and 30 MB. */
export const CLIPDROP_LIMITS = {
  maxPromptLength: 1000,
  maxPixels: 25_000_000,
  maxBytes: 30 * 1024 * 1024,
  mediaTypes: ['image/jpeg', 'image/png', 'image/webp'],
  /** Text-to-image always answers with one 1024×1024 PNG. */
  generatedSide: 1024,
} as const;
