import { z } from 'zod';
import { validate } from '../request/validate.js';
import type { PolicyOptions, ResolvedPolicy } from './policy-types.js';

export type { PolicyOptions, PolicyOrder, ResolvedPolicy, SpillOptions } from './policy-types.js';

export const DEFAULT_POLICY: Readonly<ResolvedPolicy> = Object.freeze({
  order: 'tier',
  spill: Object.freeze({ maxWaitMs: 2_000, maxQueue: undefined }),
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
    spill: z.strictObject({ maxWaitMs: millis.optional(), maxQueue: count.optional() }, { error: objectError }).optional(),
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
