/**
 * Keeps credentials out of every message pixmux produces: errors, their causes, events and log lines.
 * Provider factories register their keys here; `redact` replaces any registered key, any
 * `Authorization`-style token and any credential-looking query parameter.
 */
const secrets = new Set<string>();

/** Registers a credential so that it is scrubbed from everything pixmux reports. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

const QUERY_CREDENTIAL = /([?&](?:key|api[_-]?key|apikey|token|access[_-]?token|auth|signature|sig|x-amz-signature)=)[^&#\s"']+/gi;
const BEARER = /\b(Bearer|Key|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out.replace(QUERY_CREDENTIAL, '$1[redacted]').replace(BEARER, '$1 [redacted]');
}

/** Copies plain data with every string redacted; used for events and log fields. */
export function redactDeep<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, seen)) as T;
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, seen);
  return out as T;
}
