import type { PolicyOptions } from '../policy/policy-types.js';
import type { Issue, SafeParseResult, Schema } from './validate.js';

/**
 * The rules of a `policy` option (the client's or a call's), checked by hand with zod's `safeParse` shape so that
 * neither a call nor importing pixmux needs zod. Strict: a misspelt option is an error, never silently ignored. The
 * messages are the ones zod gave when this was a zod schema.
 */
export const policySchema: Schema<PolicyOptions> = {
  safeParse(input) {
    const issues: Issue[] = [];
    const data = checkPolicy(input, [], issues);
    return issues.length > 0 ? { success: false, error: { issues } } : { success: true, data: data as PolicyOptions };
  },
};

/** `{ policy }` as `createPixmux` receives it, so that problems are named `policy.…`. */
export const policyOptionSchema: Schema<{ policy: PolicyOptions | undefined }> = {
  safeParse(input) {
    const issues: Issue[] = [];
    const value = (input as { policy?: unknown }).policy;
    const policy = value === undefined ? undefined : checkPolicy(value, ['policy'], issues);
    return issues.length > 0 ? { success: false, error: { issues } } : ({ success: true, data: { policy } } as SafeParseResult<{ policy: PolicyOptions | undefined }>);
  },
};

const ORDERS: ReadonlySet<unknown> = new Set(['tier', 'price', 'listed']);

type Field = (value: unknown, path: PropertyKey[], issues: Issue[]) => unknown;

const millis: Field = (value, path, issues) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) issues.push({ path, message: 'must be a number of milliseconds' });
  else if (value < 0) issues.push({ path, message: 'must be 0 or more' });
  return value;
};

const count: Field = (value, path, issues) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) issues.push({ path, message: 'must be a number' });
  else if (!Number.isSafeInteger(value)) issues.push({ path, message: 'must be a whole number' });
  else if (value < 0) issues.push({ path, message: 'must be 0 or more' });
  return value;
};

function strictObject(fields: Record<string, Field>): Field {
  const known = new Set(Object.keys(fields));
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: 'must be an object' });
      return undefined;
    }
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of known) {
      const item = record[key];
      if (item === undefined) {
        if (key in record) out[key] = undefined;
        continue;
      }
      out[key] = fields[key]!(item, [...path, key], issues);
    }
    // Inherited enumerable keys count too (zod's strict check walks the object with for…in).
    const unknown: string[] = [];
    for (const key in record) if (!known.has(key)) unknown.push(key);
    if (unknown.length > 0) {
      issues.push({ path, message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((key) => JSON.stringify(key)).join(', ')}` });
    }
    return out;
  };
}

const checkPolicy = strictObject({
  order: (value, path, issues) => {
    if (!ORDERS.has(value)) issues.push({ path, message: "must be 'tier', 'price' or 'listed'" });
    return value;
  },
  spill: strictObject({ maxWaitMs: millis, maxQueue: count }),
  fallbackOn: strictObject({
    contentPolicy: (value, path, issues) => {
      if (typeof value !== 'boolean') issues.push({ path, message: 'must be true or false' });
      return value;
    },
  }),
  hedgeAfterMs: millis,
});
