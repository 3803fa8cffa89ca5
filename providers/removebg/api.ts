import { z } from 'zod';

/**
 * The wire format of remove.bg's `POST /v1.0/removebg` as multipart/form-data. pixmux uploads the image as
 * `image_file`; the answer is the image itself (metadata in `X-*` headers) or, with `Accept: application/json`,
 * `{ data: { result_b64 } }`. Minimal on purpose: only the fields pixmux sends and reads.
 * @see https://www.remove.bg/api
 * @see ../shared/reference/specs/removebg.yaml (`RemoveBgMultipart`, `RemoveBgJsonResponse`)
 */
export interface RemoveBgForm {
  image_file: Blob;
  size: string;
  /** pixmux's `png` → `png`, `jpeg` → `jpg`; never `zip` (a two-file archive). */
  format: 'png' | 'jpg';
  [extra: string]: unknown;
}

export const removeBgJsonResponseSchema = z.object({
  data: z.object({
    result_b64: z.string().min(1, { message: 'is empty' }),
  }),
});

/** The response headers pixmux reads: credits billed, result size, detected foreground. */
export const RESPONSE_HEADERS = {
  creditsCharged: 'x-credits-charged',
  width: 'x-width',
  height: 'x-height',
  foregroundType: 'x-type',
} as const;
