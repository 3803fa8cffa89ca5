import type { PixmuxErrorCode, VendorErrorMapper } from 'pixmux';

/** remove.bg 400 codes that mean something more specific than a bad parameter. */
const CODES: Record<string, PixmuxErrorCode> = {
  // The image has nothing remove.bg recognises as foreground: another provider may still cut it out.
  unknown_foreground: 'provider_error',
  file_too_large: 'image_too_large',
  failed_to_read_image: 'invalid_image',
  invalid_file_type: 'invalid_image',
  invalid_dimensions: 'invalid_image',
};

/**
 * remove.bg's own error signals (envelope `{ errors: [{ title, code, detail }] }`) on top of the default
 * status mapping: 402 → `insufficient_credits`, 403 → `auth`, and 429 → `rate_limited` waiting Retry-After or
 * the unix time in `X-RateLimit-Reset` (both read by the core) are already the defaults.
 * @see ../shared/reference/providers.md §9 "Errors"
 */
export const mapRemoveBgError: VendorErrorMapper = (failure) => {
  const code = failure.vendorCode ? CODES[failure.vendorCode] : undefined;
  if (code && failure.status === 400) return { code };
  return undefined;
};
