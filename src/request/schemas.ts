import type { PolicyOptions } from '../policy/policy-types.js';
import { policySchema } from './policy.js';
import type { Issue, SafeParseResult, Schema } from './validate.js';

/**
 * The caller's requests, validated before any provider is called. Hand-written rather than zod: this runs on every
 * call, and zod's parse (and its import, ~45 ms) was a visible share of a call's cost. The rules and the messages are
 * the ones the zod schemas had (`test/core/validation.test.ts` and the differential test hold them); unknown keys are
 * dropped, every problem is reported, in field order.
 */

type Size = { width: number; height: number };
type Format = 'png' | 'jpeg' | 'webp';

interface CallOptionsOutput {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  providers?: string[] | undefined;
  providerOptions?: Record<string, Record<string, unknown>> | undefined;
  model?: string | undefined;
  format?: Format | undefined;
  maxCostUsd?: number | undefined;
  policy?: PolicyOptions | undefined;
  cache?: boolean | undefined;
}

export interface GenerateRequestOutput extends CallOptionsOutput {
  prompt: string;
  negativePrompt?: string | undefined;
  size?: Size | undefined;
  aspectRatio?: string | undefined;
  n?: number | undefined;
  seed?: number | undefined;
}

export interface RemoveBackgroundRequestOutput extends CallOptionsOutput {
  image: unknown;
}

export interface RestoreFaceRequestOutput extends CallOptionsOutput {
  image: unknown;
  fidelity?: number | undefined;
}

/** Checks one present field: returns the value to keep, or pushes issues (with paths below `key`) and returns undefined. */
type FieldCheck = (value: unknown, key: string, issues: Issue[]) => unknown;

/** An object schema from field checks: a field that is absent (or undefined) is skipped, as zod's `.optional()` does. */
function objectSchema<T>(fields: Record<string, FieldCheck>, required: Record<string, (key: string, issues: Issue[]) => void> = {}): Schema<T> {
  const keys = Object.keys(fields);
  return {
    safeParse(input: unknown): SafeParseResult<T> {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return { success: false, error: { issues: [{ path: [], message: `Invalid input: expected object, received ${typeName(input)}` }] } };
      }
      const record = input as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let issues: Issue[] | undefined;
      for (const key of keys) {
        const value = record[key];
        if (value === undefined) {
          if (key in record) out[key] = undefined;
          const missing = required[key];
          if (missing) missing(key, (issues ??= []));
          continue;
        }
        const before = issues?.length ?? 0;
        const checked = fields[key]!(value, key, (issues ??= []));
        if (issues.length === before) out[key] = checked;
      }
      return issues && issues.length > 0 ? { success: false, error: { issues } } : { success: true, data: out as T };
    },
  };
}

/** zod's name for a value's type in its default messages ("expected string, received number"). */
function typeName(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    const ctor = (value as { constructor?: { name?: string } }).constructor;
    if (proto !== Object.prototype && 'constructor' in (value as object) && ctor) return ctor.name ?? 'object';
  }
  return typeof value;
}

const typeIssue = (expected: string, value: unknown) => `Invalid input: expected ${expected}, received ${typeName(value)}`;

interface NumberRules {
  /** The message for a value that is not a finite number; zod's default when absent. */
  type?: string;
  int?: string;
  min?: [number, string];
  /** Strictly above. */
  above?: [number, string];
  max?: [number, string];
}

function numberField(rules: NumberRules): FieldCheck {
  return (value, key, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path: [key], message: rules.type ?? typeIssue('number', value) });
      return undefined;
    }
    if (rules.int && !Number.isSafeInteger(value)) {
      issues.push({ path: [key], message: rules.int });
      return undefined;
    }
    if (rules.above && !(value > rules.above[0])) issues.push({ path: [key], message: rules.above[1] });
    if (rules.min && value < rules.min[0]) issues.push({ path: [key], message: rules.min[1] });
    if (rules.max && value > rules.max[0]) issues.push({ path: [key], message: rules.max[1] });
    return value;
  };
}

function stringField(rules: { type?: string; trim?: boolean; nonEmpty?: string; max?: [number, string]; pattern?: [RegExp, string] }): FieldCheck {
  return (value, key, issues) => {
    if (typeof value !== 'string') {
      issues.push({ path: [key], message: rules.type ?? typeIssue('string', value) });
      return undefined;
    }
    const text = rules.trim ? value.trim() : value;
    if (rules.nonEmpty !== undefined && text.length < 1) issues.push({ path: [key], message: rules.nonEmpty });
    if (rules.max && text.length > rules.max[0]) issues.push({ path: [key], message: rules.max[1] });
    if (rules.pattern && !rules.pattern[0].test(text)) issues.push({ path: [key], message: rules.pattern[1] });
    return text;
  };
}

/** zod's `isPlainObject`: what `z.record` accepts. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined) return true;
  if (typeof ctor !== 'function') return true;
  const proto = (ctor as { prototype?: unknown }).prototype;
  if (typeof proto !== 'object' || proto === null) return false;
  return Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

const FORMATS: ReadonlySet<unknown> = new Set(['png', 'jpeg', 'webp']);

const callOptions: Record<string, FieldCheck> = {
  signal: (value, key, issues) => {
    if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return value;
    issues.push({ path: [key], message: 'must be an AbortSignal' });
    return undefined;
  },
  timeoutMs: numberField({ type: 'must be a number of milliseconds', above: [0, 'must be above 0'], max: [86_400_000, 'must be at most one day'] }),
  providers: (value, key, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path: [key], message: 'must be an array of provider ids' });
      return undefined;
    }
    value.forEach((item: unknown, index) => {
      if (typeof item !== 'string') issues.push({ path: [key, index], message: typeIssue('string', item) });
      else if (item.length < 1) issues.push({ path: [key, index], message: 'Too small: expected string to have >=1 characters' });
    });
    if (value.length < 1) issues.push({ path: [key], message: 'must name at least one provider' });
    return value.slice();
  },
  providerOptions: (value, key, issues) => {
    if (!isPlainObject(value)) {
      issues.push({ path: [key], message: 'must map provider ids to option objects' });
      return undefined;
    }
    const out: Record<string, Record<string, unknown>> = {};
    for (const id of Object.keys(value)) {
      const options = value[id];
      if (!isPlainObject(options)) issues.push({ path: [key, id], message: typeIssue('record', options) });
      else out[id] = { ...options };
    }
    return out;
  },
  model: stringField({ nonEmpty: 'must not be empty' }),
  format: (value, key, issues) => {
    if (FORMATS.has(value)) return value;
    issues.push({ path: [key], message: 'must be one of png, jpeg, webp' });
    return undefined;
  },
  maxCostUsd: numberField({ min: [0, 'must be 0 or more'] }),
  // The policy's own rules (./policy.ts); its issues are reported under `policy.`.
  policy: (value, key, issues) => {
    const parsed = policySchema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) issues.push({ path: [key, ...issue.path], message: issue.message });
    return undefined;
  },
  cache: (value, key, issues) => {
    if (typeof value === 'boolean') return value;
    issues.push({ path: [key], message: 'must be true or false' });
    return undefined;
  },
};

const SIZE_ERROR = 'must be "WIDTHxHEIGHT" or { width, height }';
const SIZE_PATTERN = /^\d{2,5}x\d{2,5}$/;

const isDimension = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 64 && value <= 16_384;

/** `"1024x768"` or `{ width, height }`, each side a whole number of pixels in 64..16384. */
function parseSize(value: unknown): Size | undefined {
  if (typeof value === 'string') {
    if (!SIZE_PATTERN.test(value)) return undefined;
    const cross = value.indexOf('x');
    const width = Number(value.slice(0, cross));
    const height = Number(value.slice(cross + 1));
    return isDimension(width) && isDimension(height) ? { width, height } : undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { width, height } = value as { width?: unknown; height?: unknown };
  return isDimension(width) && isDimension(height) ? { width, height } : undefined;
}

export const generateRequestSchema: Schema<GenerateRequestOutput> = objectSchema<GenerateRequestOutput>(
  {
    ...callOptions,
    prompt: stringField({ type: 'is required and must be a string', trim: true, nonEmpty: 'must not be empty', max: [32_000, 'must be at most 32000 characters'] }),
    negativePrompt: stringField({}),
    size: (value, key, issues) => {
      const size = parseSize(value);
      if (!size) issues.push({ path: [key], message: SIZE_ERROR });
      return size;
    },
    aspectRatio: stringField({ pattern: [/^\d{1,2}:\d{1,2}$/, 'must look like "16:9"'] }),
    n: numberField({ type: 'must be a number', int: 'must be a whole number', min: [1, 'must be between 1 and 10'], max: [10, 'must be between 1 and 10'] }),
    seed: numberField({ type: 'must be a number', int: 'must be a whole number', min: [0, 'must be 0 or more'], max: [4_294_967_295, 'must fit in 32 bits'] }),
  },
  { prompt: (key, issues) => issues.push({ path: [key], message: 'is required and must be a string' }) },
);

const imageRequired = { image: (key: string, issues: Issue[]) => issues.push({ path: [key], message: 'is required' }) };
const imageField: FieldCheck = (value, key, issues) => {
  if (value === null) issues.push({ path: [key], message: 'is required' });
  return value;
};

export const removeBackgroundRequestSchema: Schema<RemoveBackgroundRequestOutput> = objectSchema<RemoveBackgroundRequestOutput>({ ...callOptions, image: imageField }, imageRequired);

export const restoreFaceRequestSchema: Schema<RestoreFaceRequestOutput> = objectSchema<RestoreFaceRequestOutput>(
  {
    ...callOptions,
    image: imageField,
    fidelity: numberField({ type: 'must be a number', min: [0, 'must be between 0 and 1'], max: [1, 'must be between 0 and 1'] }),
  },
  imageRequired,
);
