import { describe, expect, it } from 'vitest';
import { codeForHttpFailure, describeErrorBody, ERROR_CODES, errorFromHttp, isRetryableCode, isRetryableStatus, pixmuxError, PixmuxError, toPixmuxError } from 'pixmux';

function failure(status: number, body: unknown = undefined) {
  return { status, headers: new Headers(), body, ...describeErrorBody(body) };
}

describe('HTTP status and vendor signals to a code', () => {
  it.each([
    ['insufficient_quota', 'insufficient_credits'],
    ['Insufficient credits on this account', 'insufficient_credits'],
    ['insufficient-credits', 'insufficient_credits'],
    ['Exhausted balance', 'insufficient_credits'],
    ['You are out of credits', 'insufficient_credits'],
    ['Check your billing details', 'insufficient_credits'],
    ['moderation_blocked', 'content_policy'],
    ['content_policy_violation', 'content_policy'],
    ['violates our content policy', 'content_policy'],
    ['contentpolicy', 'content_policy'],
    ['Rejected by the safety system', 'content_policy'],
    ['NSFW content detected', 'content_policy'],
    ['content_filtered', 'content_policy'],
  ])('a 4xx saying %j is %s, whatever its status', (signal, code) => {
    for (const status of [400, 403, 429, 499]) {
      expect(codeForHttpFailure({ status, headers: new Headers(), body: undefined, vendorMessage: signal, vendorCode: undefined })).toBe(code);
      expect(codeForHttpFailure({ status, headers: new Headers(), body: undefined, vendorMessage: undefined, vendorCode: signal })).toBe(code);
    }
  });

  it('reads vendor signals only on 4xx: a 5xx stays a provider error', () => {
    expect(codeForHttpFailure(failure(500, { error: { code: 'insufficient_quota' } }))).toBe('provider_error');
    expect(codeForHttpFailure(failure(503, { error: { message: 'nsfw filter crashed' } }))).toBe('provider_error');
    expect(codeForHttpFailure(failure(399, { error: { code: 'billing' } }))).toBe('invalid_request');
  });

  it.each([
    [409, 'provider_error'],
    [425, 'provider_error'],
    [500, 'provider_error'],
    [599, 'provider_error'],
    [418, 'invalid_request'],
    [422, 'invalid_request'],
  ])('maps HTTP %i to %s', (status, code) => {
    expect(codeForHttpFailure(failure(status))).toBe(code);
  });

  it('retries only request timeouts, conflicts, too-early, rate limits and server errors', () => {
    expect([408, 409, 425, 429, 500, 502, 599].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 422, 426, 499].some(isRetryableStatus)).toBe(false);
  });

  it('retries at the same provider only rate limits, provider errors and timeouts', () => {
    expect(ERROR_CODES.filter(isRetryableCode)).toEqual(['rate_limited', 'provider_error', 'timeout']);
  });
});

describe('errorFromHttp', () => {
  it('names the provider, the status and the vendor message', () => {
    expect(errorFromHttp(failure(400, { error: { message: 'bad size', code: 'invalid_size' } }), { provider: 'acme' })).toMatchObject({
      message: 'acme returned HTTP 400: bad size',
      code: 'invalid_request',
      provider: 'acme',
      status: 400,
      vendorCode: 'invalid_size',
      retryable: false,
    });
    expect(errorFromHttp(failure(502), { provider: 'acme' }).message).toBe('acme returned HTTP 502');
  });

  it('quotes a text body, cut to 300 characters, when the vendor gave no message', () => {
    const text = 'x'.repeat(400);
    expect(errorFromHttp({ status: 500, headers: new Headers(), body: text, vendorMessage: undefined, vendorCode: undefined }, { provider: 'p' }).message).toBe(`p returned HTTP 500: ${'x'.repeat(300)}`);
    expect(errorFromHttp({ status: 500, headers: new Headers(), body: { a: 1 }, vendorMessage: undefined, vendorCode: undefined }, { provider: 'p' }).message).toBe('p returned HTTP 500');
  });

  it("uses a provider's mapped message and delay over the defaults", () => {
    const mapped = errorFromHttp(failure(400, { message: 'vendor text' }), { provider: 'p', retryAfterMs: 1_000, mapError: () => ({ message: 'clearer text', retryAfterMs: 5_000 }) });
    expect(mapped).toMatchObject({ message: 'p returned HTTP 400: clearer text', retryAfterMs: 5_000, code: 'invalid_request' });
    expect(errorFromHttp(failure(429), { provider: 'p', retryAfterMs: 1_000, mapError: () => undefined })).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_000, retryable: true });
  });

  it('is retryable for timeouts, rate limits and provider errors on a retryable status only', () => {
    expect(errorFromHttp(failure(408), { provider: 'p' })).toMatchObject({ code: 'timeout', retryable: true });
    expect(errorFromHttp(failure(409), { provider: 'p' })).toMatchObject({ code: 'provider_error', retryable: true });
    expect(errorFromHttp(failure(400), { provider: 'p', mapError: () => ({ code: 'provider_error' }) })).toMatchObject({ code: 'provider_error', retryable: false });
    expect(errorFromHttp(failure(400), { provider: 'p', mapError: () => ({ code: 'rate_limited' }) })).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(errorFromHttp(failure(500), { provider: 'p', mapError: () => ({ code: 'content_policy' }) })).toMatchObject({ code: 'content_policy', retryable: false });
  });
});

describe('describeErrorBody', () => {
  it('reads a text body, trimmed and cut to 500 characters; a blank one says nothing', () => {
    expect(describeErrorBody('  upstream exploded \n')).toEqual({ vendorMessage: 'upstream exploded', vendorCode: undefined });
    expect(describeErrorBody('y'.repeat(600)).vendorMessage).toBe('y'.repeat(500));
    expect(describeErrorBody('   ')).toEqual({ vendorMessage: undefined, vendorCode: undefined });
  });

  it('says nothing for a body that is not an object', () => {
    for (const body of [undefined, null, 0, 42, true]) expect(describeErrorBody(body)).toEqual({ vendorMessage: undefined, vendorCode: undefined });
  });

  it.each([
    [{ error: 'plain error text', code: 'E1' }, 'plain error text', 'E1'],
    [{ message: 'top message', type: 'T1' }, 'top message', 'T1'],
    [{ title: 'Problem title', name: 'N1' }, 'Problem title', 'N1'],
    [{ errors: [{ title: 'first title', code: 'C1' }] }, 'first title', 'C1'],
    [{ errors: [{ message: 'first message' }] }, 'first message', undefined],
    [{ error: { message: '', code: '' }, message: 'fallback', code: 'fallback_code' }, 'fallback', 'fallback_code'],
    [{ error: { code: 'nested_code', type: 'nested_type' } }, undefined, 'nested_code'],
    [{ error: null, detail: 'from detail' }, 'from detail', undefined],
    [{ message: 7, code: 8 }, undefined, undefined],
    [{ detail: [] }, undefined, undefined],
  ])('reads %j', (body, vendorMessage, vendorCode) => {
    expect(describeErrorBody(body)).toEqual({ vendorMessage, vendorCode });
  });

  it('prefers the nested error message over the others, and cuts it to 500 characters', () => {
    expect(describeErrorBody({ error: { message: 'nested' }, message: 'top', detail: 'detail', title: 'title' }).vendorMessage).toBe('nested');
    expect(describeErrorBody({ message: 'z'.repeat(900) }).vendorMessage).toBe('z'.repeat(500));
  });
});

describe('toPixmuxError', () => {
  it('names the provider, or a stand-in when none is known', () => {
    const timeout = Object.assign(new Error('after 30000 ms'), { name: 'TimeoutError' });
    expect(toPixmuxError(timeout, 'acme')).toMatchObject({ code: 'timeout', message: 'acme timed out: after 30000 ms', provider: 'acme', retryable: true });
    expect(toPixmuxError(timeout).message).toBe('request timed out: after 30000 ms');
    expect(toPixmuxError(new DOMException('stop', 'AbortError'), 'acme')).toMatchObject({ code: 'aborted', message: 'The call was aborted', provider: 'acme', retryable: false });
    expect(toPixmuxError(new TypeError('fetch failed'), 'acme')).toMatchObject({ message: 'acme network error: fetch failed', provider: 'acme' });
    expect(toPixmuxError(new TypeError('fetch failed')).message).toBe('request network error: fetch failed');
    expect(toPixmuxError(new Error('boom'), 'acme')).toMatchObject({ code: 'provider_error', message: 'acme failed: boom', retryable: false, provider: 'acme' });
    expect(toPixmuxError(new Error('boom')).message).toBe('provider failed: boom');
    expect(toPixmuxError(404).message).toBe('provider failed: 404');
  });

  it.each(['read ECONNRESET', 'connect ECONNREFUSED 127.0.0.1:1', 'getaddrinfo ENOTFOUND api.example', 'getaddrinfo EAI_AGAIN api.example', 'other side closed the socket', 'Network is down', 'fetch failed', 'terminated'])(
    'treats %j as a retryable network error',
    (message) => {
      expect(toPixmuxError(new Error(message), 'p')).toMatchObject({ code: 'provider_error', retryable: true, message: `p network error: ${message}` });
    },
  );

  it('keeps the original failure as a scrubbed cause', () => {
    const error = toPixmuxError(new Error('boom at https://x.example/?api_key=sk-live-123456'), 'p');
    expect(error.message).toBe('p failed: boom at https://x.example/?api_key=[redacted]');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe('boom at https://x.example/?api_key=[redacted]');
  });
});

describe('pixmuxError and PixmuxError', () => {
  it('defaults retryable from the code, and lets the caller decide', () => {
    for (const code of ERROR_CODES) expect(pixmuxError(code, 'x').retryable).toBe(['rate_limited', 'provider_error', 'timeout'].includes(code));
    expect(pixmuxError('timeout', 'deadline', { retryable: false }).retryable).toBe(false);
    expect(pixmuxError('auth', 'x', { retryable: true }).retryable).toBe(true);
    expect(new PixmuxError({ code: 'provider_error', message: 'x' }).retryable).toBe(false);
  });

  it('scrubs the message and keeps a cause only as a plain, scrubbed copy', () => {
    const inner = new Error('inner Bearer abcdefgh12345');
    const outer = Object.assign(new Error('outer https://x.example/?token=abc123', { cause: inner }), { name: 'FetchError', request: { headers: { authorization: 'Bearer zzzz' } } });
    const error = pixmuxError('provider_error', 'failed with Authorization: Bearer abcdefgh12345', { cause: outer });
    expect(error.message).toBe('failed with Authorization: Bearer [redacted]');
    const cause = error.cause as Error & { cause?: Error };
    expect(cause).not.toBe(outer);
    expect(cause).toMatchObject({ name: 'FetchError', message: 'outer https://x.example/?token=[redacted]' });
    expect('request' in cause).toBe(false);
    expect(cause.cause).toMatchObject({ message: 'inner Bearer [redacted]' });
    expect(pixmuxError('auth', 'x', { cause: new Error('no inner') }).cause).not.toHaveProperty('cause');
  });

  it('keeps a pixmux cause as it is, scrubs a text cause, and drops any other', () => {
    const typed = pixmuxError('auth', 'first');
    expect(pixmuxError('all_failed', 'x', { cause: typed }).cause).toBe(typed);
    expect(pixmuxError('provider_error', 'x', { cause: 'GET /v1?key=abcdef' }).cause).toBe('GET /v1?key=[redacted]');
    expect(pixmuxError('provider_error', 'x', { cause: { secret: 'abc' } }).cause).toBeUndefined();
    expect('cause' in pixmuxError('provider_error', 'x')).toBe(false);
  });

  it('carries every field, and serialises them all', () => {
    const attempts = [{ provider: 'p', outcome: 'failed' }] as never;
    const error = pixmuxError('all_failed', 'all', { provider: 'p', status: 500, retryAfterMs: 10, vendorCode: 'v', attempts });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PixmuxError');
    expect(error.toJSON()).toEqual({ name: 'PixmuxError', code: 'all_failed', message: 'all', retryable: false, provider: 'p', status: 500, retryAfterMs: 10, vendorCode: 'v', attempts });
    expect(PixmuxError.isInstance(null)).toBe(false);
    expect(PixmuxError.isInstance('PixmuxError')).toBe(false);
  });
});
