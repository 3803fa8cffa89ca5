import type { PixmuxErrorCode } from './codes.js';
import type { Attempt } from '../types.js';

const MARKER = Symbol.for('pixmux.error');

export interface PixmuxErrorOptions {
  code: PixmuxErrorCode;
  message: string;
  /** Whether the same provider may succeed if asked again. */
  retryable?: boolean;
  /** The provider id the failure came from. */
  provider?: string;
  /** The HTTP status, when the failure came from an HTTP response. */
  status?: number;
  /** The underlying failure, already scrubbed of secrets. */
  cause?: unknown;
  /** Every provider tried or passed over, on `all_failed` and on errors that stop a call. */
  attempts?: Attempt[];
  /** Milliseconds the provider asked to wait before trying again (Retry-After and friends). */
  retryAfterMs?: number;
  /** The vendor's own error code or type, when it gave one. */
  vendorCode?: string;
}

/**
 * The only error type pixmux throws. Create instances through the factory in `create-error.ts`
 * (`pixmuxError`, `errorFromHttp`, `toPixmuxError`), never with `new` in providers.
 */
export class PixmuxError extends Error {
  override readonly name = 'PixmuxError';
  readonly code: PixmuxErrorCode;
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly vendorCode: string | undefined;
  attempts: Attempt[] | undefined;
  private readonly [MARKER] = true;

  constructor(options: PixmuxErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.provider = options.provider;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.vendorCode = options.vendorCode;
    this.attempts = options.attempts;
  }

  /** True for any pixmux error, also one thrown by another copy of the package. */
  static isInstance(error: unknown): error is PixmuxError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      provider: this.provider,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      vendorCode: this.vendorCode,
      attempts: this.attempts,
    };
  }
}
