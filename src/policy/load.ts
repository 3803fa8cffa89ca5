/**
 * Calls this client has admitted to each provider and not yet finished. Counted synchronously at admission, so a
 * burst of calls sees its own load at once, before any of them reaches the provider's queue.
 */
export class LoadTracker {
  private readonly counts = new Map<string, number>();

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
}
