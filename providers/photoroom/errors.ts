import type { VendorErrorMapper } from 'pixmux';

/**
 * Photoroom's error envelope is `{ error: { detail } }` (402 "API credits exhausted") or `{ detail }`, which the
 * default reader misses under `error`: the detail becomes the message. Statuses keep the default mapping:
 * 400 → `invalid_request`, 401/403 → `auth`, 402 → `insufficient_credits`, 413 → `image_too_large`,
 * 429 → `rate_limited`, 5xx → `provider_error`.
 * @see ../shared/reference/providers.md §12 "Photoroom"
 */
export const mapPhotoroomError: VendorErrorMapper = (failure) => {
  const body = failure.body as { error?: { detail?: unknown } } | undefined;
  const detail = body && typeof body === 'object' && typeof body.error === 'object' && body.error !== null ? body.error.detail : undefined;
  return typeof detail === 'string' && detail.length > 0 ? { message: detail.slice(0, 500) } : undefined;
};
