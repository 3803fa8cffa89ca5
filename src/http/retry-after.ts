/**
 * Reads how long a response asks the caller to wait: `retry-after-ms`, `Retry-After` (seconds or an
 * HTTP date), then the `x-ratelimit-reset*` family (seconds, durations like "1m30s", or unix times).
 * Returns undefined when the response gives no hint.
 */
export function retryAfterFromHeaders(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const parsed = parseSecondsOrDate(retryAfter, now);
    if (parsed !== undefined) return parsed;
  }
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens', 'x-ratelimit-reset', 'ratelimit-reset']) {
    const value = headers.get(name);
    if (value === null) continue;
    const parsed = parseResetValue(value, now);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

function parseSecondsOrDate(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** "20", "1.5", "6m0s", "250ms", or a unix timestamp in seconds. */
function parseResetValue(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    // Values that look like unix timestamps are absolute reset times.
    if (number > 1_000_000_000) return Math.max(0, Math.round(number * 1000 - now));
    return Math.round(number * 1000);
  }
  const duration = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(trimmed);
  if (duration && trimmed.length > 0) {
    const [, h = '0', m = '0', s = '0', msPart = '0'] = duration;
    return Math.round(Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(msPart));
  }
  return undefined;
}
