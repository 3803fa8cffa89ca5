/** Hosts BFL answers from: `api.bfl.ai`, its regional hosts (`api.eu.bfl.ai`, `api.us.bfl.ai`) and the legacy `bfl.ml`. */
const BFL_HOST = /(^|\.)bfl\.(ai|ml)$/i;

/**
 * The URL to poll a task at. BFL's `polling_url` is used as given when it is https on a BFL host (it may name a
 * regional host) or on the configured base URL's origin (a proxy); anything else would send the key to a host
 * nobody configured, so it is refused and the task is polled at `{baseURL}/get_result?id=` instead.
 */
export function pollingUrlFor(returned: string | undefined, taskId: string, baseURL: string): { url: string; refused?: string } {
  const own = `${baseURL}/get_result?id=${encodeURIComponent(taskId)}`;
  if (!returned) return { url: own };
  let parsed: URL;
  try {
    parsed = new URL(returned);
  } catch {
    return { url: own, refused: 'polling_url is not a URL' };
  }
  if (parsed.username || parsed.password) return { url: own, refused: 'polling_url carries credentials' };
  if (parsed.origin === new URL(baseURL).origin) return { url: returned };
  if (parsed.protocol === 'https:' && BFL_HOST.test(parsed.hostname)) return { url: returned };
  return { url: own, refused: `polling_url points to ${parsed.protocol}//${parsed.host}, which is neither a BFL host over https nor the configured base URL` };
}
