import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/cli/inputs.js';
import { progressLine } from '../../src/cli/progress.js';
import { explainAttempts } from '../../src/cli/summary.js';

describe('CLI pieces', () => {
  it('progressLine: a bar with count, rate, ETA and cost once the total is known; counts alone before', () => {
    const state = { done: 40, failed: 2, skipped: 8, total: 100, costUsd: 0.125, startedAt: 0 };
    expect(progressLine(state, 10_000, 10)).toBe('[#####-----] 50/100 50%, 2 failed · 4.2/s · ETA 12s · $0.1250');
    expect(progressLine({ ...state, total: undefined }, 10_000)).toBe('50 done, 2 failed · 4.2/s · $0.1250');
  });

  it('globToRegExp: *, **, ?, classes and alternatives over / paths', () => {
    expect(globToRegExp('*.png').test('a.png')).toBe(true);
    expect(globToRegExp('*.png').test('sub/a.png')).toBe(false);
    expect(globToRegExp('**/*.{jpg,png}').test('a/b/c.jpg')).toBe(true);
    expect(globToRegExp('**/*.{jpg,png}').test('c.png')).toBe(true);
    expect(globToRegExp('photo-?.[jp]*').test('photo-1.jpeg')).toBe(true);
    expect(globToRegExp('photo-?.[jp]*').test('photo-12.jpeg')).toBe(false);
  });

  it('explainAttempts: a spill names the expected wait, a fallback the failure, nothing before is the first choice', () => {
    expect(explainAttempts([{ provider: 'local', ok: true, durationMs: 1 }], 'local')).toBe('first choice');
    expect(
      explainAttempts(
        [
          { provider: 'local', ok: false, skipped: 'saturated', expectedWaitMs: 3200, durationMs: 0 },
          { provider: 'fal', ok: false, error: { code: 'rate_limited', message: 'slow down' }, tries: 3, durationMs: 5 },
          { provider: 'replicate', ok: true, durationMs: 9 },
        ],
        'replicate',
      ),
    ).toBe('local busy (spill, expected wait 3.2 s); fal failed (rate_limited: slow down) → fallback');
  });
});
