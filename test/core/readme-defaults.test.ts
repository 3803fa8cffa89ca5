import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_CONCURRENCY, DEFAULT_CIRCUIT, DEFAULT_IMAGE_LIMITS, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS } from 'pixmux';
import { DEFAULT_MAX_CONCURRENCY } from '../../src/provider/registry.js';

/**
 * The README states defaults in prose; the code keeps them in exported DEFAULT_* constants. Each sentence is read
 * back and compared with its constant, so a default changed without the README (or the reverse) fails here.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

/** The numbers the first match of `pattern` captured; fails, quoting the pattern, when the README no longer says it. */
function stated(pattern: RegExp): number[] {
  const match = pattern.exec(README);
  expect(match, `the README no longer states ${pattern}`).not.toBeNull();
  return match!.slice(1).map(Number);
}

describe("the defaults the README states are the code's", () => {
  it('retries: count, backoff range and jitter, Retry-After cap', () => {
    expect(stated(/Defaults: `retry: \{ retries: (\d+) \}`/)).toEqual([DEFAULT_RETRY.retries]);
    expect(stated(/exponential backoff with jitter \((\d+(?:\.\d+)?) s → (\d+(?:\.\d+)?) s, ±(\d+) %\)/)).toEqual([DEFAULT_RETRY.minDelayMs / 1000, DEFAULT_RETRY.maxDelayMs / 1000, DEFAULT_RETRY.jitter * 100]);
    expect(stated(/`maxRetryAfterMs` \((\d+) s;/)).toEqual([DEFAULT_RETRY.maxRetryAfterMs / 1000]);
  });

  it('the call deadline', () => {
    expect(stated(/`timeoutMs` \(default (\d+) s\)/)).toEqual([DEFAULT_TIMEOUT_MS / 1000]);
  });

  it("a provider's concurrency bound and a batch's concurrency", () => {
    expect(stated(/\(`maxConcurrency`, default (\d+)\)/)).toEqual([DEFAULT_MAX_CONCURRENCY]);
    expect(stated(/bounded concurrency \(`concurrency`, default (\d+)\)/)).toEqual([DEFAULT_BATCH_CONCURRENCY]);
  });

  it('image limits', () => {
    expect(stated(/anything over the limits \(default (\d+) MB and (\d+) megapixels/)).toEqual([DEFAULT_IMAGE_LIMITS.maxBytes / 1024 ** 2, DEFAULT_IMAGE_LIMITS.maxPixels / 1e6]);
  });

  it('the circuit breaker: threshold, cooldown, and the longer cooldown after auth or credit failures', () => {
    expect(stated(/`failureThreshold` \(default (\d+)\) times in a row/)).toEqual([DEFAULT_CIRCUIT.failureThreshold]);
    expect(stated(/which cool down for (\d+) minutes/)).toEqual([DEFAULT_CIRCUIT.credentialCooldownMs / 60_000]);
    expect(stated(/after `cooldownMs` \(default (\d+) s\)/)).toEqual([DEFAULT_CIRCUIT.cooldownMs / 1000]);
  });
});
