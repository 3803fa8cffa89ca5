import { pixmuxError } from '../errors/create-error.js';
import { bytesToBase64 } from '../image/base64.js';

/**
 * JSON with object keys sorted at every depth and undefined fields left out, so equal values give equal text and
 * different values different text. Only plain data has such a form: null, booleans, finite numbers, strings,
 * arrays, plain objects, plus `Date` (as its ISO time) and byte arrays (as base64), each tagged so it cannot collide
 * with a string. Anything else (Map, Set, BigInt, functions, class instances, NaN, cycles) is an `invalid_request`
 * naming where it is: two different values must never share a key.
 */
export function canonicalJson(value: unknown, path = 'value'): string {
  return write(value, path, new Set());
}

function write(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw unserialisable(path, String(value));
      return JSON.stringify(value === 0 ? 0 : value);
    case 'undefined':
      return 'null';
    case 'object':
      break;
    default:
      throw unserialisable(path, `a ${typeof value}`);
  }
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unserialisable(path, 'an invalid Date');
    return `{"$date":${JSON.stringify(value.toISOString())}}`;
  }
  if (ArrayBuffer.isView(value)) return `{"$bytes":${JSON.stringify(bytesToBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)))}}`;
  if (value instanceof ArrayBuffer) return `{"$bytes":${JSON.stringify(bytesToBase64(new Uint8Array(value)))}}`;
  if (open.has(value)) throw unserialisable(path, 'a circular reference');
  open.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((item, index) => write(item, `${path}[${index}]`, open)).join(',')}]`;
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw unserialisable(path, `a ${value.constructor?.name ?? 'non-plain object'}`);
    const keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`, open)}`).join(',')}}`;
  } finally {
    open.delete(value);
  }
}

function unserialisable(path: string, what: string) {
  return pixmuxError('invalid_request', `cache: ${path} is ${what}, which has no stable form for a cache key; pass plain data (strings, numbers, booleans, arrays, objects, Dates, bytes) or set cache: false for this call`);
}
