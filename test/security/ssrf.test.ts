import { describe, expect, it } from 'vitest';
import { createPixmux, type PixmuxError } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { makePng } from '../helpers/images.js';
import { rejectionOf } from '../helpers/errors.js';
import { echoClient, useCountingServer } from './helpers.js';

const server = useCountingServer();
const other = useCountingServer();
const png = makePng(8, 8);

function servePng() {
  server.handle((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
}

/** The message without the rule's name: every target under one rule must read the same. */
async function refusal(image: string, options = {}): Promise<PixmuxError> {
  const error = await rejectionOf(echoClient(options).px.removeBackground({ image }));
  expect(error.code).toBe('invalid_request');
  return error;
}

describe('URL inputs under the public-network rule (the default)', () => {
  const byRule: Array<[string, RegExp, () => string]> = [
    ['127.0.0.1', /loopback/, () => `${server.origin}/a.png`],
    ['localhost (resolved)', /loopback/, () => `http://localhost:${server.port}/a.png`],
    ['127.1 (short IPv4)', /loopback/, () => `http://127.1:${server.port}/a.png`],
    ['0x7f000001 (hex IPv4)', /loopback/, () => `http://0x7f000001:${server.port}/a.png`],
    ['2130706433 (decimal IPv4)', /loopback/, () => `http://2130706433:${server.port}/a.png`],
    ['[::1]', /loopback/, () => `http://[::1]:${server.port}/a.png`],
    ['[::ffff:127.0.0.1] (IPv4-mapped IPv6)', /loopback/, () => `http://[::ffff:127.0.0.1]:${server.port}/a.png`],
    ['[::ffff:7f00:1] (IPv4-mapped, hex)', /loopback/, () => `http://[::ffff:7f00:1]:${server.port}/a.png`],
    ['169.254.169.254 (cloud metadata)', /cloud metadata/, () => 'http://169.254.169.254/latest/meta-data/'],
    ['[::ffff:169.254.169.254] (metadata, IPv4-mapped)', /cloud metadata/, () => 'http://[::ffff:a9fe:a9fe]/latest/meta-data/'],
    ['[fd00:ec2::254] (AWS IPv6 metadata)', /cloud metadata/, () => 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['10.0.0.1', /private/, () => 'http://10.0.0.1/a.png'],
    ['172.16.5.4', /private/, () => 'http://172.16.5.4/a.png'],
    ['192.168.1.1', /private/, () => 'http://192.168.1.1/a.png'],
    ['169.254.1.1', /link-local/, () => 'http://169.254.1.1/a.png'],
    ['[fe80::1]', /link-local/, () => 'http://[fe80::1]/a.png'],
    ['[fd12:3456::1]', /unique-local/, () => 'http://[fd12:3456::1]/a.png'],
    ['100.64.0.1', /CGNAT/, () => 'http://100.64.0.1/a.png'],
    ['224.0.0.1', /multicast/, () => 'http://224.0.0.1/a.png'],
    ['[ff02::1]', /multicast/, () => 'http://[ff02::1]/a.png'],
    ['0.0.0.0', /unspecified/, () => `http://0.0.0.0:${server.port}/a.png`],
    ['[::]', /unspecified/, () => `http://[::]:${server.port}/a.png`],
    ['[64:ff9b::7f00:1] (NAT64 of loopback)', /loopback/, () => 'http://[64:ff9b::7f00:1]/a.png'],
  ];

  it.each(byRule)('refuses %s before a byte is sent', async (_name, rule, url) => {
    servePng();
    const error = await refusal(url());
    expect(error.message).toMatch(rule);
    expect(error.message).toMatch(/allowPrivateNetwork/);
    expect(server.requests).toEqual([]);
  });

  it('words a refusal by its rule, never by its target (no port scanning)', async () => {
    servePng();
    const open = await refusal(`${server.origin}/a.png`);
    const closed = await refusal('http://127.0.0.1:1/a.png');
    const missing = await refusal(`http://127.0.0.2:${server.port}/nothing-here`);
    expect(closed.message).toBe(open.message);
    expect(missing.message).toBe(open.message);
    expect(server.requests).toEqual([]);
  });

  it.each([
    ['ftp:', 'ftp://127.0.0.1/a.png', /not an http: or https: URL/],
    ['gopher:', 'gopher://127.0.0.1:70/_x', /not an http: or https: URL/],
    ['credentials in the URL', 'http://user:pass@93.184.216.34/a.png', /credentials/],
  ])('refuses %s', async (_name, url, rule) => {
    const error = await refusal(url);
    expect(error.message).toMatch(rule);
    expect(error.message).not.toContain('pass@');
  });

  it('checks every redirect hop: a public URL redirecting to loopback is refused before the loopback is asked', async () => {
    servePng();
    const seen: string[] = [];
    // A public host (an IP literal, so no resolver is needed) that redirects into the loopback server.
    const fetchStub: typeof fetch = async (input, init) => {
      const url = String(input);
      seen.push(url);
      if (url.startsWith('http://93.184.216.34/')) return new Response(null, { status: 302, headers: { location: `${server.origin}/a.png` } });
      return fetch(input, init);
    };
    const error = await refusal('http://93.184.216.34/start', { fetch: fetchStub });
    expect(error.message).toMatch(/loopback/);
    expect(seen).toEqual(['http://93.184.216.34/start']);
    expect(server.requests).toEqual([]);
  });

  it('refuses a redirect to the metadata address written as an IPv4-mapped IPv6 literal', async () => {
    const fetchStub: typeof fetch = async () => new Response(null, { status: 307, headers: { location: 'http://[::ffff:169.254.169.254]/latest/' } });
    const error = await refusal('http://93.184.216.34/start', { fetch: fetchStub });
    expect(error.message).toMatch(/cloud metadata/);
  });

  it('follows at most 5 redirects', async () => {
    let hops = 0;
    const fetchStub: typeof fetch = async () => {
      hops += 1;
      return new Response(null, { status: 301, headers: { location: `http://93.184.216.34/${hops}` } });
    };
    const error = await refusal('http://93.184.216.34/0', { fetch: fetchStub });
    expect(error.message).toMatch(/more than 5 times/);
    expect(hops).toBe(6);
  });

  it('follows a redirect between allowed hosts', async () => {
    server.handle((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: '/a.png' }).end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    const { px } = echoClient({ input: { urls: { allowPrivateNetwork: true } } });
    await expect(px.removeBackground({ image: `${server.origin}/start` })).resolves.toMatchObject({ provider: 'echo' });
    expect(server.requests).toEqual(['GET /start', 'GET /a.png']);
  });

  it('reaches private addresses with input.urls.allowPrivateNetwork', async () => {
    servePng();
    const { px, received } = echoClient({ input: { urls: { allowPrivateNetwork: true } } });
    await px.removeBackground({ image: `http://localhost:${server.port}/a.png` });
    expect(received[0]).toMatchObject({ width: 8, height: 8 });
    expect(server.requests).toEqual(['GET /a.png']);
  });

  it('refuses every URL input with input.urls: false', async () => {
    servePng();
    const error = await refusal(`${server.origin}/a.png`, { input: { urls: false } });
    expect(error.message).toMatch(/URL input is off/);
    expect(server.requests).toEqual([]);
  });
});

describe('result URLs from a provider', () => {
  function resultClient(url: () => string, allowPrivateNetwork = false) {
    server.handle((req, res) => {
      if (req.url === '/v1/images/generations') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ url: url() }] }));
      else res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    other.handle((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    return createPixmux({
      providers: [openaiCompatible({ baseURL: `${server.origin}/v1`, model: 'm', responseFormat: 'url' })],
      retry: { retries: 0 },
      ...(allowPrivateNetwork ? { input: { urls: { allowPrivateNetwork: true } } } : {}),
    });
  }

  it("are downloaded on the provider's own configured origin, wherever it is", async () => {
    const px = resultClient(() => `${server.origin}/files/out.png`);
    const result = await px.generate({ prompt: 'x' });
    expect(result.images[0]).toMatchObject({ width: 8, height: 8 });
    expect(server.requests).toEqual(['POST /v1/images/generations', 'GET /files/out.png']);
  });

  it('are refused on another, private origin (no request reaches it)', async () => {
    const px = resultClient(() => `${other.origin}/out.png`);
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.attempts?.[0]?.error).toMatchObject({ code: 'bad_response', message: expect.stringMatching(/loopback/) });
    expect(other.requests).toEqual([]);
  });

  it('are refused when a same-origin result redirects to another private origin', async () => {
    server.handle(() => undefined);
    const px = resultClient(() => `${server.origin}/redirect`);
    server.handle((req, res) => {
      if (req.url === '/v1/images/generations') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ url: `${server.origin}/redirect` }] }));
      else res.writeHead(302, { location: `http://localhost:${other.port}/out.png` }).end();
    });
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.attempts?.[0]?.error?.message).toMatch(/loopback/);
    expect(other.requests).toEqual([]);
  });

  it('reach another private origin with input.urls.allowPrivateNetwork', async () => {
    const px = resultClient(() => `${other.origin}/out.png`, true);
    await expect(px.generate({ prompt: 'x' })).resolves.toMatchObject({ provider: 'openai-compatible' });
    expect(other.requests).toEqual(['GET /out.png']);
  });
});

describe('the address rules (net.BlockList)', () => {
  it('passes public addresses and refuses every rule, embedded IPv4 forms included', async () => {
    const { addressRule } = await import('../../src/http/node-guard.js');
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '[2a00:1450:4001::200e]', '::ffff:8.8.8.8']) expect(addressRule(address), address).toBeUndefined();
    const rules: Array<[string, RegExp]> = [
      ['127.255.255.254', /loopback/],
      ['::ffff:127.0.0.1', /loopback/],
      ['2002:7f00:1::', /loopback/], // 6to4 of 127.0.0.1
      ['64:ff9b::a9fe:a9fe', /cloud metadata/], // NAT64 of 169.254.169.254
      ['100.100.100.200', /cloud metadata/],
      ['172.31.255.255', /private/],
      ['198.18.0.1', /private/],
      ['100.127.255.255', /CGNAT/],
      ['239.255.255.250', /multicast/],
      ['255.255.255.255', /multicast or reserved/],
      ['fe80::1%eth0', /link-local/],
      ['0.1.2.3', /unspecified/],
    ];
    for (const [address, rule] of rules) expect(addressRule(address), address).toMatch(rule);
  });
});
