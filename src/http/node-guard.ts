// Node-only: loaded through a dynamic import when a URL is fetched under the public-network rule, so the core stays
// edge-safe. The address rules are Node's own `net.BlockList` (which also matches IPv4-mapped IPv6 against IPv4
// subnets) over addresses from `dns.lookup`; nothing here pattern-matches host names.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** One refusal rule: a name for messages and the subnets it covers. */
interface Rule {
  name: string;
  subnets: Array<[string, number, 'ipv4' | 'ipv6']>;
}

/** The rules of the public-network policy, each one message. */
const RULES: Rule[] = [
  { name: 'a cloud metadata address', subnets: [['169.254.169.254', 32, 'ipv4'], ['169.254.170.2', 32, 'ipv4'], ['100.100.100.200', 32, 'ipv4'], ['fd00:ec2::254', 128, 'ipv6']] },
  { name: 'an unspecified address', subnets: [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']] },
  { name: 'a loopback address', subnets: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']] },
  { name: 'a private address', subnets: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4']] },
  { name: 'a link-local address', subnets: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']] },
  { name: 'a unique-local address', subnets: [['fc00::', 7, 'ipv6'], ['fec0::', 10, 'ipv6']] },
  { name: 'a shared (CGNAT) address', subnets: [['100.64.0.0', 10, 'ipv4']] },
  { name: 'a multicast or reserved address', subnets: [['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']] },
];

const LISTS: Array<{ name: string; list: BlockList }> = RULES.map((rule) => {
  const list = new BlockList();
  for (const [address, prefix, family] of rule.subnets) list.addSubnet(address, prefix, family);
  return { name: rule.name, list };
});

/** IPv6 forms that embed an IPv4 address (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), checked as that IPv4 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const nat64 = /^64:ff9b::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  const parts = nat64 ?? sixToFour;
  if (!parts) return undefined;
  const high = Number.parseInt(parts[1]!, 16);
  const low = Number.parseInt(parts[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The rule an address breaks, or undefined for a public address. */
export function addressRule(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'an address that is not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { name, list } of LISTS) if (list.check(bare, type)) return name;
  const inner = family === 6 ? embeddedIpv4(bare) : undefined;
  return inner ? addressRule(inner) : undefined;
}

/** Resolves every address of a host; an IP literal is its own answer. */
function resolveAll(hostname: string): Promise<LookupAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family !== 0) return Promise.resolve([{ address: bare, family }]);
  return new Promise((resolve, reject) => {
    dnsLookup(bare, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/**
 * The rule a host breaks, or undefined when every address it resolves to is public. A host that does not resolve
 * breaks no rule here: the transport's own resolution then fails, and with `pinnedLookup` it repeats this check.
 */
export async function hostRule(hostname: string): Promise<string | undefined> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(hostname);
  } catch {
    return undefined;
  }
  for (const { address } of addresses) {
    const rule = addressRule(address);
    if (rule) return rule;
  }
  return undefined;
}

/** Thrown from `pinnedLookup`; carries the rule so the caller can word one refusal per rule. */
export class AddressRefused extends Error {
  constructor(readonly rule: string) {
    super(`refused: ${rule}`);
    this.name = 'AddressRefused';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request`: resolves, refuses when any address breaks a rule, and connects only to the
 * addresses it checked, so a DNS answer that changes between the check and the connection (rebinding) cannot slip
 * through.
 */
export function pinnedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  resolveAll(hostname).then(
    (addresses) => {
      for (const { address } of addresses) {
        const rule = addressRule(address);
        if (rule) return callback(Object.assign(new AddressRefused(rule), { code: 'EPIXMUXREFUSED' }), '', 4);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, '', 4),
  );
}

/**
 * One GET through `node:http(s)` with `pinnedLookup`: no redirects followed (the caller checks each hop), the body
 * handed back as a web `Response` stream, so the caller's size cap applies and cancelling it closes the socket.
 */
export async function pinnedGet(url: URL, signal: AbortSignal): Promise<Response> {
  const [{ request: httpRequest }, { request: httpsRequest }, { Readable }] = await Promise.all([import('node:http'), import('node:https'), import('node:stream')]);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method: 'GET', signal, lookup: pinnedLookup as never, headers: { accept: 'image/*,*/*;q=0.8' } }, (res) => {
      const status = res.statusCode ?? 502;
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
      }
      const nullBody = status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
      if (nullBody) {
        res.resume();
        resolve(new Response(null, { status, headers }));
        return;
      }
      const body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
      resolve(new Response(body, { status: status < 200 || status > 599 ? 502 : status, headers }));
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
}
