import { describe, expect, it } from 'vitest';
import { isRetryableStatus, pixmuxError, redact, registerSecret, toPixmuxError } from 'pixmux';

// Edges that mutation testing (npm run mutation, src/errors) found untested: each case fails when its branch is changed.
describe('error edges', () => {
  it.each([408, 409, 425, 429, 500, 503, 599])('retries HTTP %i at the same provider', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([400, 401, 404, 410, 422, 499])('does not retry HTTP %i', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });

  it('redacts a registered credential whatever its length: a short one as a whole token only', () => {
    registerSecret('k6ch#x');
    registerSecret('k5c');
    expect(redact('a k6ch#x b k5c c')).toBe('a [redacted] b [redacted] c');
    // Inside a longer word a short key is not a token: 'k5cz' is left alone.
    expect(redact('k5cz')).toBe('k5cz');
  });

  it('names "request" when no provider is known, and keeps the provider when one is', () => {
    const timeout = new DOMException('took too long', 'TimeoutError');
    expect(toPixmuxError(timeout)).toMatchObject({ code: 'timeout', retryable: true, message: 'request timed out: took too long' });
    expect(toPixmuxError(timeout, 'fal')).toMatchObject({ code: 'timeout', provider: 'fal', message: 'fal timed out: took too long' });
    expect(toPixmuxError(new TypeError('fetch failed'))).toMatchObject({ code: 'provider_error', retryable: true, message: 'request network error: fetch failed' });
    expect(toPixmuxError(new RangeError('boom'))).toMatchObject({ code: 'provider_error', retryable: false, message: 'provider failed: boom' });
    expect(toPixmuxError(new DOMException('stop', 'AbortError'), 'fal')).toMatchObject({ code: 'aborted', provider: 'fal', message: 'The call was aborted' });
  });

  it("scrubs registered credentials from an error's cause chain, and drops a cause that is neither an Error nor text", () => {
    registerSecret('cause-secret-123456');
    const inner = new Error('inner saw cause-secret-123456');
    const outer = new Error('outer saw cause-secret-123456', { cause: inner });
    const error = pixmuxError('provider_error', 'failed', { cause: outer });
    const cause = error.cause as Error & { cause?: Error };
    expect(cause.message).toBe('outer saw [redacted]');
    expect(cause.cause?.message).toBe('inner saw [redacted]');
    expect(pixmuxError('provider_error', 'failed', { cause: 'text with cause-secret-123456' }).cause).toBe('text with [redacted]');
    expect(pixmuxError('provider_error', 'failed', { cause: { token: 'cause-secret-123456' } }).cause).toBeUndefined();
  });
});
