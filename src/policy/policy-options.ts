import { z } from 'zod';
import { validate } from '../request/validate.js';

/** How candidates are ordered: by tier (local → cheap → premium, cheapest first inside a tier), by estimated price, or as listed. */
export type PolicyOrder = 'tier' | 'price' | 'listed';

/** When a provider counts as saturated, so that the call spills to the next candidate at once instead of queueing. */
export interface SpillOptions {
  /** Calls allowed to wait for a provider's concurrency slots before it counts as saturated. @default 8 */
  maxQueue?: number;
  /** A provider whose own `capacity().expectedWaitMs` is above this counts as saturated. @default 2_000 */
  maxWaitMs?: number;
}

/** Which provider runs a call, and when the call moves on to the next. */
export interface PolicyOptions {
  /** Candidate order. A call that names `providers` keeps its own order unless it also sets `policy.order`. @default 'tier' */
  order?: PolicyOrder;
  /** Saturation limits; a saturated provider is passed over (`saturated`) when another candidate follows it, and always when it is local. @default { maxQueue: 8, maxWaitMs: 2_000 } */
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
  spill: Required<SpillOptions>;
  fallbackOn: { contentPolicy: boolean };
  hedgeAfterMs: number | undefined;
}

export const DEFAULT_POLICY: Readonly<ResolvedPolicy> = Object.freeze({
  order: 'tier',
  spill: Object.freeze({ maxQueue: 8, maxWaitMs: 2_000 }),
  fallbackOn: Object.freeze({ contentPolicy: false }),
  hedgeAfterMs: undefined,
});

const count = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).nonnegative({ error: 'must be 0 or more' });
const millis = z.number({ error: 'must be a number of milliseconds' }).nonnegative({ error: 'must be 0 or more' });

/** 'must be an object' for a wrong type; zod's own message (naming the key) for a misspelt one. */
const objectError = (issue: { code?: string }) => (issue.code === 'invalid_type' ? 'must be an object' : undefined);

/** Strict: a misspelt option is an error, never silently ignored. */
export const policySchema = z.strictObject(
  {
    order: z.enum(['tier', 'price', 'listed'], { error: "must be 'tier', 'price' or 'listed'" }).optional(),
    spill: z.strictObject({ maxQueue: count.optional(), maxWaitMs: millis.optional() }, { error: objectError }).optional(),
    fallbackOn: z.strictObject({ contentPolicy: z.boolean({ error: 'must be true or false' }).optional() }, { error: objectError }).optional(),
    hedgeAfterMs: millis.optional(),
  },
  { error: objectError },
);

/** The client's policy, then the call's, merged field by field over the defaults. */
export function resolvePolicy(base: PolicyOptions | undefined, override: PolicyOptions | undefined): ResolvedPolicy {
  return {
    order: override?.order ?? base?.order ?? DEFAULT_POLICY.order,
    spill: { ...DEFAULT_POLICY.spill, ...stripUndefined(base?.spill), ...stripUndefined(override?.spill) },
    fallbackOn: { ...DEFAULT_POLICY.fallbackOn, ...stripUndefined(base?.fallbackOn), ...stripUndefined(override?.fallbackOn) },
    hedgeAfterMs: override && 'hedgeAfterMs' in override ? override.hedgeAfterMs : base?.hedgeAfterMs,
  };
}

/** Checks a client's `policy` option; a bad one is an `invalid_request` naming the field. */
export function validatePolicy(policy: unknown, where: string): PolicyOptions | undefined {
  if (policy === undefined) return undefined;
  return validate(z.object({ policy: policySchema }), { policy }, where).policy;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
