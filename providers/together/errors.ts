import type { VendorErrorMapper } from 'pixmux';

/**
 * Together's own error signals on top of the shared status table (`{"error":{"message","type","param","code"}}`):
 * - 403 is documented as a bad request (input too long for the model), not a bad key: `invalid_request`
 *   when the message says so, else `auth`.
 * - 400 or 404 naming a model that is not available is `provider_unavailable`, so the call falls over.
 * - 402 (spending limit or no credit), 429 and 500/503 ("engine overloaded") follow the shared table.
 * @see https://docs.together.ai/docs/error-codes
 */
export const mapTogetherError: VendorErrorMapper = (failure) => {
  const text = `${failure.vendorCode ?? ''} ${failure.vendorMessage ?? ''}`;
  if (failure.status === 403 && /token|context length|max_tokens|too long/i.test(text)) return { code: 'invalid_request' };
  if ((failure.status === 400 || failure.status === 404) && /model.{0,80}(not (found|available|supported)|unavailable|does not exist)|model_not_available/i.test(text)) {
    return { code: 'provider_unavailable' };
  }
  return undefined;
};
