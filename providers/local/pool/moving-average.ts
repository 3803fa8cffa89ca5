/** An exponentially weighted moving average: recent runs count most, one slow outlier fades quickly. */
export function createMovingAverage(weight = 0.2) {
  let value: number | undefined;
  return {
    add(sample: number): void {
      value = value === undefined ? sample : value + weight * (sample - value);
    },
    /** The average so far, or `fallback` before the first sample. */
    get(fallback = 0): number {
      return value ?? fallback;
    },
  };
}
