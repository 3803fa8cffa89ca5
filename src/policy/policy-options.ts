import { policyOptionSchema } from '../request/policy.js';
import { validate } from '../request/validate.js';
import type { PolicyOptions, ResolvedPolicy } from './policy-types.js';

export type { PolicyOptions, PolicyOrder, ResolvedPolicy, SpillOptions } from './policy-types.js';

export const DEFAULT_POLICY: Readonly<ResolvedPolicy> = Object.freeze({
  order: 'tier',
  spill: Object.freeze({ maxWaitMs: 2_000, maxQueue: undefined }),
  fallbackOn: Object.freeze({ contentPolicy: false }),
  hedgeAfterMs: undefined,
});

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
  return validate(policyOptionSchema, { policy }, where).policy;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
