import { describe, expect, it } from 'vitest';
import { retryAfterFromHeaders, retryDelay, DEFAULT_RETRY } from 'pixmux';

const now = Date.parse('2026-11-25T12:00:00Z');
const parse = (init: Record<string, string>) => retryAfterFromHeaders(new Headers(init), now);

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after-ms', () => expect(parse({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250));
  it('reads Retry-After seconds', () => expect(parse({ 'retry-after': '3' })).toBe(3000));
  it('reads Retry-After as an HTTP date', () => expect(parse({ 'retry-after': 'Wed, 25 Nov 2026 12:00:07 GMT' })).toBe(7000));
  it('reads OpenAI durations', () => expect(parse({ 'x-ratelimit-reset-requests': '1m30s' })).toBe(90_000));
  it('reads millisecond durations', () => expect(parse({ 'x-ratelimit-reset-tokens': '250ms' })).toBe(250));
  it('reads unix reset timestamps', () => expect(parse({ 'x-ratelimit-reset': String(now / 1000 + 12) })).toBe(12_000));
  it('ignores garbage', () => expect(parse({ 'retry-after': 'soon' })).toBeUndefined());
  it('returns undefined without hints', () => expect(parse({})).toBeUndefined());
});

describe('retryDelay', () => {
  it('honours a hint up to the cap and refuses one beyond it', () => {
    expect(retryDelay(1, 5000, DEFAULT_RETRY)).toBe(5000);
    expect(retryDelay(1, 61_000, DEFAULT_RETRY)).toBeUndefined();
  });
  it('backs off exponentially with bounded jitter', () => {
    const options = { ...DEFAULT_RETRY, minDelayMs: 100, maxDelayMs: 1000, jitter: 0.25 };
    expect(retryDelay(1, undefined, options, () => 0.5)).toBe(100);
    expect(retryDelay(3, undefined, options, () => 0.5)).toBe(400);
    expect(retryDelay(10, undefined, options, () => 0.5)).toBe(1000);
    expect(retryDelay(2, undefined, options, () => 1)).toBe(250);
    expect(retryDelay(2, undefined, options, () => 0)).toBe(150);
  });
});
