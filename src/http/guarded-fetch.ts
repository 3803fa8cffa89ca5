import { pixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';

/** Where a URL may lead. */
export interface NetworkPolicy {
  /**
   * Lets URLs reach loopback, private, link-local, unique-local, CGNAT, multicast, unspecified and cloud-metadata
   * addresses. Off by default: a service that forwards its users' URLs must not become a way into its own network.
   * @default false
   */
  allowPrivateNetwork?: boolean;
  /** An origin that is trusted whatever it resolves to (a provider's own configured `baseURL`). */
  trustedOrigin?: string | undefined;
}

/** Redirects followed for one URL; each hop is checked like the first. */
export const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type NodeGuard = typeof import('./node-guard.js');
let guardLoad: Promise<NodeGuard | undefined> | undefined;

/** The Node address checks, or undefined in runtimes without `node:dns` and `node:net` (edge). */
function loadGuard(): Promise<NodeGuard | undefined> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  guardLoad ??= isNode ? import('./node-guard.js').catch(() => undefined) : Promise.resolve(undefined);
  return guardLoad;
}

export interface GuardedFetchOptions {
  policy: NetworkPolicy;
  signal: AbortSignal;
  /** A caller's own fetch: every hop is still checked (resolved first), but the connection is its own. */
  fetch?: typeof fetch | undefined;
  /** `invalid_request` for inputs, `bad_response` for a provider's result URLs. */
  refusalCode: 'invalid_request' | 'bad_response';
  /** Prefix for messages (`"replicate: "`). */
  where: string;
  provider?: string | undefined;
}

/**
 * GETs a URL under a network policy: `http:`/`https:` only, no credentials in the URL, at most 5 redirects, and
 * unless private networks are allowed every hop's addresses are checked before a byte is sent. With the default
 * fetch in Node the connection goes through `node:http(s)` with a lookup that checks and pins the addresses, so DNS
 * rebinding cannot bypass the check. Refusals name the rule, never the target, so they cannot map a network.
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<Response> {
  let current = parse(url, options);
  for (let hop = 0; ; hop++) {
    const response = await fetchHop(current, options);
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || !location) return response;
    response.body?.cancel().catch(() => {});
    if (hop >= MAX_REDIRECTS) throw refuse(options, `redirected more than ${MAX_REDIRECTS} times`);
    current = parse(location, options, current);
  }
}

function parse(text: string, options: GuardedFetchOptions, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw refuse(options, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(options, 'is not an http: or https: URL');
  if (url.username || url.password) throw refuse(options, 'carries credentials (user:password@), which are not sent');
  return url;
}

async function fetchHop(url: URL, options: GuardedFetchOptions): Promise<Response> {
  const open = options.policy.allowPrivateNetwork === true || (options.policy.trustedOrigin !== undefined && url.origin === options.policy.trustedOrigin);
  if (open) return (options.fetch ?? fetch)(url.href, { signal: options.signal, redirect: 'manual' });
  const guard = await loadGuard();
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!guard) {
    // No resolver to ask: refuse addresses written as IP literals (and localhost); names go to the platform's fetch.
    if (/^[\d.]+$|:/.test(hostname) || hostname === 'localhost' || hostname.endsWith('.localhost')) throw refuse(options, 'is an IP address or local name, which cannot be checked in this runtime');
    return (options.fetch ?? fetch)(url.href, { signal: options.signal, redirect: 'manual' });
  }
  if (options.fetch) {
    const rule = await guard.hostRule(hostname);
    if (rule) throw refuseRule(options, rule);
    return options.fetch(url.href, { signal: options.signal, redirect: 'manual' });
  }
  // IP literals never reach a lookup; check them here. Names are checked (and pinned) by the lookup itself.
  const literal = guard.addressRule(hostname);
  if (literal && literal !== 'an address that is not an IP address') throw refuseRule(options, literal);
  try {
    return await guard.pinnedGet(url, options.signal);
  } catch (error) {
    if (error instanceof guard.AddressRefused) throw refuseRule(options, error.rule);
    throw error;
  }
}

function refuseRule(options: GuardedFetchOptions, rule: string): PixmuxError {
  const hint = options.refusalCode === 'invalid_request' ? ' (createPixmux({ input: { urls: { allowPrivateNetwork: true } } }) allows it)' : '';
  return refuse(options, `resolves to ${rule}, which is refused${hint}`);
}

function refuse(options: GuardedFetchOptions, why: string): PixmuxError {
  return pixmuxError(options.refusalCode, `${options.where}the URL ${why}`, { provider: options.provider });
}
