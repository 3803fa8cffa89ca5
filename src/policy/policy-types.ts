// Types only: the public types (src/types.ts) import these, so this file imports nothing that imports them back.

/** How candidates are ordered: by tier (local → cheap → premium, cheapest first inside a tier), by estimated price, or as listed. */
export type PolicyOrder = 'tier' | 'price' | 'listed';

/**
 * When a busy provider is passed over for the next candidate (a spill) instead of being waited for. A provider is
 * passed over only when another candidate can take the call; when none can, the call waits for it inside its deadline.
 */
export interface SpillOptions {
  /** Spill when the provider's expected wait (measured service rate × calls ahead, from `capacity()`) is above this, or above what is left of the call's deadline. @default 2_000 */
  maxWaitMs?: number;
  /** Optional hard cap: spill once this many calls already wait for the provider, whatever the expected wait. @default undefined (no cap: only the expected wait counts) */
  maxQueue?: number;
}

/** Which provider runs a call, and when the call moves on to the next. */
export interface PolicyOptions {
  /** Candidate order. A call that names `providers` keeps its own order unless it also sets `policy.order`. @default 'tier' */
  order?: PolicyOrder;
  /** When a busy provider is passed over for the next candidate. @default { maxWaitMs: 2_000 } */
  spill?: SpillOptions;
  /** Failures that move on to the next provider instead of stopping the call. @default { contentPolicy: false } */
  fallbackOn?: {
    /** A safety rejection tries the next provider instead of stopping the call. @default false */
    contentPolicy?: boolean;
  };
  /** When set, the next candidate starts if the running one has not answered within this many ms; the first success wins, the rest are aborted. @default undefined (no hedging) */
  hedgeAfterMs?: number;
}

export interface ResolvedPolicy {
  order: PolicyOrder;
  spill: { maxWaitMs: number; maxQueue: number | undefined };
  fallbackOn: { contentPolicy: boolean };
  hedgeAfterMs: number | undefined;
}
