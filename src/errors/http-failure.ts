// Types only: the public types (src/types.ts) import these, so this file imports nothing that imports them back.
import type { PixmuxErrorCode } from './codes.js';

/** What a provider learned from a failed HTTP response, handed to its own `mapError`. */
export interface HttpFailure {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it was not JSON, or undefined when empty. */
  body: unknown;
  /** Text pulled from the usual places in an error body (`error.message`, `message`, `detail`, …). */
  vendorMessage: string | undefined;
  /** Code pulled from the usual places (`error.code`, `error.type`, `code`, `type`, `name`). */
  vendorCode: string | undefined;
}

/**
 * A provider's refinement of the default mapping: return a code (and optionally a message, a wait, and whether the
 * same provider is worth trying again: a model that is still loading is unavailable now, but not for long) or nothing.
 */
export type VendorErrorMapper = (failure: HttpFailure) => { code?: PixmuxErrorCode; message?: string; retryAfterMs?: number; retryable?: boolean } | undefined;
