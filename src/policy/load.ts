/** Weight of the newest sample in the service-time average: recent calls count most, one outlier fades quickly. */
const SERVICE_WEIGHT = 0.2;

/**
 * What this client knows of each provider's load: the calls it has admitted and not yet finished (counted
 * synchronously at admission, so a burst sees its own load at once, before any call reaches the provider's queue),
 * and how long one call takes once it runs (a moving average of measured service times, queueing excluded).
 */
export class LoadTracker {
  private readonly counts = new Map<string, number>();
  private readonly serviceMs = new Map<string, number>();

  count(provider: string): number {
    return this.counts.get(provider) ?? 0;
  }

  acquire(provider: string): void {
    this.counts.set(provider, this.count(provider) + 1);
  }

  release(provider: string): void {
    const next = this.count(provider) - 1;
    if (next > 0) this.counts.set(provider, next);
    else this.counts.delete(provider);
  }

  /** Records how long one call ran at the provider, from the moment it got a concurrency slot. */
  recordService(provider: string, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const previous = this.serviceMs.get(provider);
    this.serviceMs.set(provider, previous === undefined ? ms : previous + SERVICE_WEIGHT * (ms - previous));
  }

  /** The average service time so far; undefined before the first call finished. */
  meanServiceMs(provider: string): number | undefined {
    return this.serviceMs.get(provider);
  }
}
