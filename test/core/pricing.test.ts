import { describe, expect, it } from 'vitest';
import { lookupPrice, priceToUsd, secondsBound, type Price } from 'pixmux';

const T4 = { perSecond: 0.000225, estimatedSeconds: 3 } as const;

describe('pricing', () => {
  it('turns each kind of price into dollars, rounded to a millionth', () => {
    expect(priceToUsd({ perImage: 0.04 }, { images: 3 })).toBe(0.12);
    expect(priceToUsd({ perMegapixel: 0.01 }, { images: 2, megapixels: 4 })).toBe(0.08);
    expect(priceToUsd(T4, { images: 2 })).toBe(0.00135);
    expect(priceToUsd(T4, { images: 2, seconds: 10 })).toBe(0.00225);
  });

  it('finds a price by exact id, then the longest prefix, then the default', () => {
    const table: Record<string, Price> = { 'a/b': { perImage: 1 }, 'a/*': { perImage: 2 }, 'a/b*': { perImage: 3 }, default: { perImage: 4 } };
    expect(lookupPrice(table, 'a/b')).toEqual({ perImage: 1 });
    expect(lookupPrice(table, 'a/bc')).toEqual({ perImage: 3 });
    expect(lookupPrice(table, 'a/x')).toEqual({ perImage: 2 });
    expect(lookupPrice(table, 'z')).toEqual({ perImage: 4 });
  });

  describe('secondsBound: the most a time-billed call can be billed for', () => {
    it('is the deadline left before anything was observed (the run is cancelled there), per parallel run', () => {
      expect(secondsBound(T4, 1, { remainingMs: 30_000 })).toBe(30);
      expect(secondsBound(T4, 8, { remainingMs: 30_000, runs: 2 })).toBe(60);
    });

    it('is the longest observed run per image with headroom, capped by the deadline', () => {
      expect(secondsBound(T4, 2, { remainingMs: 120_000, longestSecondsPerImage: 4 })).toBe(12);
      expect(secondsBound(T4, 2, { remainingMs: 5_000, longestSecondsPerImage: 4 })).toBe(5);
    });

    it('is four times the typical run when neither a deadline nor an observation is known', () => {
      expect(secondsBound(T4, 2)).toBe(24);
      expect(secondsBound(T4, 1, { remainingMs: Number.POSITIVE_INFINITY })).toBe(12);
    });
  });
});
