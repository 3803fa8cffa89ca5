/**
 * The wire format of Photoroom's Remove Background API (Basic plan): `POST https://sdk.photoroom.com/v1/segment`,
 * multipart/form-data with the image as `image_file`; the answer is the image itself. The request is deliberately
 * remove.bg-compatible. Errors come as JSON (`{ error: { detail } }`, or `{ detail }`).
 * @see https://docs.photoroom.com/remove-background-api-basic-plan
 * @see ../shared/reference/providers.md §12 "Photoroom"
 */
export interface SegmentForm {
  image_file: Blob;
  /** pixmux's `png` → `png`, `jpeg` → `jpg`, `webp` → `webp`. */
  format: 'png' | 'jpg' | 'webp';
  [extra: string]: unknown;
}

/** Sandbox keys (`sandbox_…`) get free, watermarked results. */
export const SANDBOX_KEY_PREFIX = 'sandbox_';
