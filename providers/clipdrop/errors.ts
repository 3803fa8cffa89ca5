import type { VendorErrorMapper } from 'pixmux';

/**
 * Clipdrop's statuses (errors are JSON `{ error }`, read by the default reader): 400 → `invalid_request`,
 * 401 (no key) and 403 (bad key) → `auth`, 402 (no credits left) → `insufficient_credits`, 429 → `rate_limited`
 * (60 requests a minute by default), 500 → `provider_error`: the defaults. 406 means Clipdrop cannot answer in the
 * `accept`ed format; said plainly.
 * @see ../shared/reference/providers.md §12 "Clipdrop"
 */
export const mapClipdropError: VendorErrorMapper = (failure) => {
  if (failure.status === 406) return { code: 'invalid_request', message: `Clipdrop cannot return the requested format (${failure.vendorMessage ?? 'not acceptable'})` };
  return undefined;
};
