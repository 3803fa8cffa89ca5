import { describe, expect, it } from 'vitest';
import { codeForHttpFailure, describeErrorBody, errorFromHttp, pixmuxError, PixmuxError, toPixmuxError } from 'pixmux';

function failure(status: number, body: unknown = undefined) {
  return { status, headers: new Headers(), body, ...describeErrorBody(body) };
}

describe('the error factory', () => {
  it.each([
    [401, undefined, 'auth'],
    [403, undefined, 'auth'],
    [402, undefined, 'insufficient_credits'],
    [429, undefined, 'rate_limited'],
    [429, { error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } }, 'insufficient_credits'],
    [400, { error: { code: 'moderation_blocked', message: 'rejected by the safety system' } }, 'content_policy'],
    [422, { detail: 'content_policy_violation' }, 'content_policy'],
    [403, { detail: 'Exhausted balance' }, 'insufficient_credits'],
    [408, undefined, 'timeout'],
    [500, { error: 'safety checker crashed' }, 'provider_error'],
    [503, undefined, 'provider_error'],
    [404, undefined, 'provider_unavailable'],
    [413, undefined, 'image_too_large'],
    [400, { message: 'bad size' }, 'invalid_request'],
  ])('maps HTTP %i %j to %s', (status, body, code) => {
    expect(codeForHttpFailure(failure(status, body))).toBe(code);
  });

  it('marks only transient failures as retryable', () => {
    expect(errorFromHttp(failure(503), { provider: 'p' }).retryable).toBe(true);
    expect(errorFromHttp(failure(429), { provider: 'p' }).retryable).toBe(true);
    expect(errorFromHttp(failure(429, { error: { code: 'insufficient_quota' } }), { provider: 'p' }).retryable).toBe(false);
    expect(errorFromHttp(failure(400), { provider: 'p' }).retryable).toBe(false);
    expect(errorFromHttp(failure(401), { provider: 'p' }).retryable).toBe(false);
  });

  it('lets a provider refine the mapping and keeps the vendor code', () => {
    const error = errorFromHttp(failure(400, { error: { code: 'weird_nsfw_flag', message: 'flagged' } }), {
      provider: 'acme',
      mapError: (f) => (f.vendorCode === 'weird_nsfw_flag' ? { code: 'content_policy' } : undefined),
    });
    expect(error).toMatchObject({ code: 'content_policy', provider: 'acme', status: 400, vendorCode: 'weird_nsfw_flag' });
    expect(error.message).toBe('acme returned HTTP 400: flagged');
  });

  it('lets a provider say a failure is worth retrying at the same provider, with its wait', () => {
    const loading = errorFromHttp(failure(503, { error: 'Model m is currently loading', estimated_time: 20 }), {
      provider: 'hf',
      mapError: () => ({ code: 'provider_unavailable', retryable: true, retryAfterMs: 20_000 }),
    });
    expect(loading).toMatchObject({ code: 'provider_unavailable', retryable: true, retryAfterMs: 20_000 });
    expect(errorFromHttp(failure(503), { provider: 'p', mapError: () => ({ retryable: false }) }).retryable).toBe(false);
  });

  it('pulls messages out of the common envelopes', () => {
    expect(describeErrorBody({ error: { message: 'm1', type: 't1' } })).toEqual({ vendorMessage: 'm1', vendorCode: 't1' });
    expect(describeErrorBody({ detail: 'm2' })).toEqual({ vendorMessage: 'm2', vendorCode: undefined });
    expect(describeErrorBody({ errors: ['m3'], name: 'bad_request' })).toEqual({ vendorMessage: 'm3', vendorCode: 'bad_request' });
    expect(describeErrorBody({ detail: [{ msg: 'm4', type: 'value_error' }] })).toEqual({ vendorMessage: 'm4', vendorCode: undefined });
  });

  it('turns thrown values into typed errors', () => {
    expect(toPixmuxError(new TypeError('fetch failed'), 'p')).toMatchObject({ code: 'provider_error', retryable: true });
    expect(toPixmuxError(Object.assign(new Error('x'), { name: 'TimeoutError' }), 'p')).toMatchObject({ code: 'timeout', retryable: true });
    expect(toPixmuxError(new DOMException('stop', 'AbortError'))).toMatchObject({ code: 'aborted', retryable: false });
    expect(toPixmuxError('boom', 'p')).toMatchObject({ code: 'provider_error', retryable: false });
    const typed = pixmuxError('auth', 'no');
    expect(toPixmuxError(typed)).toBe(typed);
  });

  it('serialises to JSON with its code and fields', () => {
    const error = pixmuxError('rate_limited', 'slow down', { provider: 'p', status: 429, retryAfterMs: 1000 });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'PixmuxError', code: 'rate_limited', message: 'slow down', retryable: true, provider: 'p', status: 429, retryAfterMs: 1000 });
  });

  it('isInstance holds across duplicate copies of the package', async () => {
    // @ts-expect-error -- a query suffix loads a second instance of the module, as a duplicate install would; TypeScript cannot resolve it.
    const copy = (await import('../../src/errors/pixmux-error.ts?duplicate')) as typeof import('../../src/errors/pixmux-error.js');
    expect(copy.PixmuxError).not.toBe(PixmuxError);
    const foreign = new copy.PixmuxError({ code: 'auth', message: 'x' });
    expect(foreign instanceof PixmuxError).toBe(false);
    expect(PixmuxError.isInstance(foreign)).toBe(true);
    expect(PixmuxError.isInstance(new Error('x'))).toBe(false);
    expect(PixmuxError.isInstance({ code: 'auth' })).toBe(false);
  });
});
