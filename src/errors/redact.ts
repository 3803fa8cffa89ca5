/**
 * Keeps credentials out of every message pixmux produces: errors (message, stack, vendor code, causes, attempts),
 * events, log lines and warnings.
 *
 * Patterns catch what looks like a credential anywhere (`Authorization`-style tokens, credential query parameters,
 * `user:password@` in URLs). Known secrets are held per provider (its `secrets`, its header values, the
 * credentials in its `baseURL`) and a client redacts with the sets of its own providers: nothing global grows with
 * the number of providers created, and a provider's secrets are released with it.
 */

/** A set of secrets and the redaction they imply. Long ones are replaced wherever they occur, short ones as whole tokens. */
export class SecretSet {
  private readonly long = new Set<string>();
  private readonly short = new Set<string>();
  private shortPattern: RegExp | undefined;

  constructor(values: Iterable<string | undefined> = []) {
    for (const value of values) this.add(value);
  }

  get size(): number {
    return this.long.size + this.short.size;
  }

  add(value: string | undefined): void {
    const secret = value?.trim();
    if (!secret) return;
    if (secret.length >= SHORT_SECRET_LENGTH) this.long.add(secret);
    else if (!this.short.has(secret)) {
      this.short.add(secret);
      this.shortPattern = undefined;
    }
  }

  addAll(other: SecretSet): void {
    for (const secret of other.long) this.long.add(secret);
    for (const secret of other.short) this.add(secret);
  }

  /** Replaces every secret of this set in `text`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.long) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    if (this.short.size > 0) {
      this.shortPattern ??= new RegExp(`(?<![A-Za-z0-9])(?:${[...this.short].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'g');
      this.shortPattern.lastIndex = 0;
      out = out.replace(this.shortPattern, '[redacted]');
    }
    return out;
  }
}

/** Secrets shorter than this are replaced only as whole tokens, so a 3-character key does not shred every message. */
const SHORT_SECRET_LENGTH = 8;

/**
 * Secrets registered with `registerSecret` and not yet claimed by a provider. `defineProvider` claims them (a
 * factory resolves its key, then defines its provider), so they live as long as that provider, not the process.
 */
let unclaimed = new SecretSet();

/**
 * Registers a credential so that it is scrubbed from everything pixmux reports. The next `defineProvider` call takes
 * it into that provider's own set (as `resolveApiKey` does for the built-in factories); prefer passing
 * `secrets` to `defineProvider` directly. Any length is accepted; short values are matched as whole tokens.
 */
export function registerSecret(value: string | undefined): void {
  unclaimed.add(value);
}

/** Hands the secrets registered since the last provider was defined to the provider being defined now. */
export function claimRegisteredSecrets(): SecretSet {
  const claimed = unclaimed;
  unclaimed = new SecretSet();
  return claimed;
}

const QUERY_CREDENTIAL = /([?&;](?:key|api[_-]?key|apikey|token|access[_-]?token|auth|password|secret|signature|sig|x-amz-signature|x-amz-credential|x-goog-signature)=)[^&#\s"']+/gi;
const BEARER = /\b(Bearer|Key|Token|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const HEADER_CREDENTIAL = /\b((?:x-)?api[_-]?key|x-auth-token|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|Key\b|Token\b|Basic\b|\[redacted\])[^\s"',;}]+/gi;
/** `scheme://user:password@host`: the credentials go, the rest of the URL stays readable. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;

/** Scrubs what looks like a credential, plus any secret registered and not yet claimed by a provider. */
export function redact(text: string): string {
  const out = unclaimed.size > 0 ? unclaimed.scrub(text) : text;
  return out.replace(URL_CREDENTIALS, '$1[redacted]@').replace(QUERY_CREDENTIAL, '$1[redacted]').replace(BEARER, '$1 [redacted]').replace(HEADER_CREDENTIAL, '$1$2[redacted]');
}

/** A redaction function for one client: the patterns and its providers' secrets. */
export type Redact = (text: string) => string;

export function redactorFor(sets: Iterable<SecretSet>): Redact {
  const all = new SecretSet();
  for (const set of sets) all.addAll(set);
  return (text) => redact(all.size > 0 ? all.scrub(text) : text);
}

/** Copies plain data with every string redacted; used for events and log fields. */
export function redactDeep<T>(value: T, scrub: Redact = redact, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, scrub, seen)) as T;
  if (value instanceof Error) return redactErrorInPlace(value, scrub) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, scrub, seen);
  return out as T;
}

/**
 * Scrubs an error where it stands: message, stack (which `util.inspect` prints), vendor code, the attempts it
 * carries and its whole `cause` chain. Returns the same error.
 */
export function redactErrorInPlace<E>(error: E, scrub: Redact = redact, depth = 0): E {
  if (!(error instanceof Error) || depth > 8) return error;
  const record = error as unknown as Record<string, unknown>;
  const writable = (key: string, value: unknown) => {
    try {
      Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(error, key) });
    } catch {
      // A frozen error keeps what it has.
    }
  };
  writable('message', scrub(error.message));
  if (typeof error.stack === 'string') writable('stack', scrub(error.stack));
  if (typeof record.vendorCode === 'string') writable('vendorCode', scrub(record.vendorCode));
  if (Array.isArray(record.attempts)) writable('attempts', redactAttempts(record.attempts, scrub));
  const cause = record.cause;
  if (cause instanceof Error) redactErrorInPlace(cause, scrub, depth + 1);
  else if (typeof cause === 'string') writable('cause', scrub(cause));
  return error;
}

/** Attempt records with their messages and details scrubbed. */
export function redactAttempts<A extends { detail?: string; error?: { message: string } }>(attempts: A[], scrub: Redact = redact): A[] {
  return attempts.map((attempt) => {
    // An attempt with no text of its own (a plain success) has nothing to scrub: kept as it is, not copied.
    if (typeof attempt.detail !== 'string' && !attempt.error) return attempt;
    return {
      ...attempt,
      ...(typeof attempt.detail === 'string' ? { detail: scrub(attempt.detail) } : {}),
      ...(attempt.error ? { error: { ...attempt.error, message: scrub(String(attempt.error.message ?? '')) } } : {}),
    };
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
