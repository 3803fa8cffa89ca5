import { describe, expect, it } from 'vitest';
import { pixmuxError } from 'pixmux';
import { rejectionOf as failure } from '../helpers/errors.js';
import { clientWith, fail, stub } from './stub.js';

/** A provider failing with a given HTTP-style error. */
const failing = (id: string, code: Parameters<typeof pixmuxError>[0], status: number, extra: { retryAfterMs?: number } = {}) =>
  stub(id, { answer: () => Promise.reject(pixmuxError(code, `${id} said no`, { provider: id, status, ...extra })) });

describe('errors that say what happened', () => {
  it('one provider tried: the call throws its own error (code, status, message), with attempts', async () => {
    const openai = failing('openai', 'auth', 401);
    const error = await failure(clientWith([openai.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'auth', status: 401, provider: 'openai', message: 'openai said no', retryable: false });
    expect(error.attempts).toEqual([expect.objectContaining({ provider: 'openai', ok: false, error: expect.objectContaining({ code: 'auth', status: 401 }) })]);
  });

  it('one provider tried and the others passed over: still its own error, the skips in its attempts', async () => {
    const cheap = failing('cheap', 'rate_limited', 429, { retryAfterMs: 1_000 });
    const keyless = stub('keyless', { hasCredentials: () => false });
    const error = await failure(clientWith([cheap.provider, keyless.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfterMs: 1_000 });
    expect(error.attempts?.map((attempt) => [attempt.provider, attempt.skipped ?? attempt.error?.code])).toEqual([
      ['keyless', 'missing_credentials'],
      ['cheap', 'rate_limited'],
    ]);
  });

  it('two or more failures: all_failed, retryable when every failure was, with the shortest Retry-After', async () => {
    const busy = failing('busy', 'rate_limited', 429, { retryAfterMs: 2_000 });
    const down = failing('down', 'provider_error', 503, { retryAfterMs: 500 });
    const error = await failure(clientWith([busy.provider, down.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('all_failed');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(500);
    expect(error.message).toMatch(/All 2 providers failed for generate: busy: rate_limited \(429\); down: provider_error \(503\)/);
    expect(error.attempts).toHaveLength(2);
  });

  it('all_failed is not retryable when any failure was not (a bad key will not heal by retrying)', async () => {
    const busy = failing('busy', 'rate_limited', 429);
    const badKey = failing('bad-key', 'auth', 401);
    const error = await failure(clientWith([busy.provider, badKey.provider], { retry: { retries: 0 } }).px.generate({ prompt: 'x' }));
    expect(error).toMatchObject({ code: 'all_failed', retryable: false });
  });

  it('a circuit-open skip names the failure that opened it, and the error carries retryAfterMs', async () => {
    const openai = failing('openai', 'insufficient_credits', 429);
    const { px } = clientWith([openai.provider], { retry: { retries: 0 }, circuit: { credentialCooldownMs: 300_000 } });
    expect((await failure(px.generate({ prompt: 'x' }))).code).toBe('insufficient_credits');
    const error = await failure(px.generate({ prompt: 'x' }));
    expect(error.code).toBe('provider_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/openai's circuit is open for another 300 s: it opened after insufficient_credits \(HTTP 429\) at \d{4}-/);
    expect(error.retryAfterMs).toBeGreaterThan(299_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(300_000);
    expect(openai.state.calls).toBe(1);
  });

  it('a content-policy stop or an invalid request keeps its own code, even with other candidates left', async () => {
    const strict = stub('strict', { answer: fail('content_policy', 400) });
    const other = stub('other');
    const error = await failure(clientWith([strict.provider, other.provider]).px.generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
    expect(other.state.calls).toBe(0);
  });
});
