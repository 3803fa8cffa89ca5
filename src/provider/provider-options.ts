import { pixmuxError } from '../errors/create-error.js';
import type { Schema } from '../request/validate.js';

export interface ProviderOptionsCheck {
  /** The provider's id, for messages. */
  provider: string;
  /** The vendor-only fields a provider knows, checked before any request. Unknown fields pass as they are. Without one, nothing is checked. */
  schema?: Schema<unknown> | undefined;
  /** Fields pixmux fills from the request: dropped with a warning. */
  reserved: readonly string[];
  /** Records a warning on the result (`context.warn`). */
  warn(message: string): void;
}

/**
 * A call's `providerOptions` for one provider: reserved fields dropped with a warning, `undefined` values dropped,
 * the known fields checked with the provider's schema (a bad value is an `invalid_request` naming the field, before
 * anything is sent), every other field kept as-is for the vendor.
 */
export function readProviderOptions(raw: Record<string, unknown>, check: ProviderOptionsCheck): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (check.reserved.includes(key)) check.warn(`${check.provider}: providerOptions.${key} is set by pixmux from the request; ignored`);
    else if (value !== undefined) extras[key] = value;
  }
  const checked = check.schema?.safeParse(extras);
  if (checked && !checked.success) {
    const issue = checked.error.issues[0];
    throw pixmuxError('invalid_request', `${check.provider}: providerOptions.${issue?.path.map(String).join('.') ?? ''} ${issue?.message ?? 'is invalid'}`, { provider: check.provider });
  }
  return extras;
}
