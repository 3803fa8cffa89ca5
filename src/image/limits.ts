/** Limits on input images and downloads. */
export interface ImageLimits {
  /** Largest input image, in bytes. @default 25 * 1024 * 1024 (25 MB) */
  maxBytes?: number;
  /** Largest input image, in pixels (width × height). @default 50_000_000 (50 megapixels) */
  maxPixels?: number;
  /** Largest image downloaded from a URL, an input or a provider's result, in bytes. @default 50 * 1024 * 1024 */
  maxDownloadBytes?: number;
  /** Timeout for one image download. @default 30_000 */
  downloadTimeoutMs?: number;
  /**
   * Largest body read from a vendor (JSON or image); a larger one is a `bad_response` and the connection is closed.
   * Error bodies are read up to 1 MB and truncated. @default 64 * 1024 * 1024 (64 MB)
   */
  maxResponseBytes?: number;
}

/** Error bodies are read up to this many bytes; the rest is dropped and the connection closed. */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;

export const DEFAULT_IMAGE_LIMITS: Required<ImageLimits> = {
  maxBytes: 25 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxDownloadBytes: 50 * 1024 * 1024,
  downloadTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
};
