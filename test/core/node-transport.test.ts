// The Node transport against real loopback servers (no msw here: msw cannot see a node:http request's socket close,
// and these tests are about exactly that — what reaches the server, and when the connection is dropped).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPixmux, createHttpClient, defineProvider, PixmuxError } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { BufferedResponse } from '../../src/http/buffered-response.js';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const KEY = 'sk-node-transport-7f3a9c';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  size: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A loopback server: records each request, and `closed` counts requests whose connection closed before an answer. */
async function serve(handler: Handler) {
  const seen: Seen[] = [];
  const state = { closed: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = bytes.toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, size: bytes.byteLength });
      res.on('close', () => {
        if (!res.writableEnded) state.closed += 1;
      });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, seen, state, server };
}

const imageJson = (res: ServerResponse) => {
  const body = JSON.stringify({ created: 1, data: [{ b64_json: PNG_B64 }] });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

/** Resolves once `predicate` holds, checking on each turn of the event loop (no wall-clock bound). */
async function until(predicate: () => boolean) {
  while (!predicate()) await new Promise((done) => setImmediate(done));
}

describe('node transport: what reaches the server', () => {
  it('sends a provider call through node:http, not fetch, with the headers and JSON body fetch would send', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { origin, seen } = await serve((_req, res) => imageJson(res));
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    const result = await px.generate({ prompt: 'a red bicycle — ünïcode', size: '512x512' });
    expect(result.images[0]!.base64()).toBe(PNG_B64);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/images/generations');
    expect(request!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
    // The declared length is the UTF-8 length, not the string's.
    expect(Number(request!.headers['content-length'])).toBe(Buffer.byteLength(request!.body));
    expect(JSON.parse(request!.body)).toMatchObject({ model: 'm', prompt: 'a red bicycle — ünïcode', size: '512x512' });
  });

  it('reuses the connection across calls (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    const { server, origin } = await serve((req, res) => {
      sockets.add(req.socket);
      imageJson(res);
    });
    server.keepAliveTimeout = 10_000;
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    for (let i = 0; i < 5; i++) await px.generate({ prompt: `call ${i}` });
    expect(sockets.size).toBe(1);
  });

  it("uses fetch with httpTransport: 'fetch', with a provider's own fetch, and when a proxy dispatcher is installed", async () => {
    const { origin, seen } = await serve((_req, res) => imageJson(res));
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    await createPixmux({ httpTransport: 'fetch', providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] }).generate({ prompt: 'x' });
    expect(fetchSpy).toHaveBeenCalledTimes(1);

    const own = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    await createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY, fetch: own })] }).generate({ prompt: 'x' });
    expect(own).toHaveBeenCalledTimes(1);

    const slot = Symbol.for('undici.globalDispatcher.1');
    const previous = (globalThis as Record<symbol, unknown>)[slot];
    class ProxyAgent {}
    (globalThis as Record<symbol, unknown>)[slot] = new ProxyAgent();
    fetchSpy.mockClear();
    // fetch itself cannot use this fake dispatcher: answer from the spy.
    fetchSpy.mockImplementation(async () => new Response(JSON.stringify({ data: [{ b64_json: PNG_B64 }] }), { headers: { 'content-type': 'application/json' } }));
    try {
      await createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] }).generate({ prompt: 'x' });
    } finally {
      (globalThis as Record<symbol, unknown>)[slot] = previous;
    }
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(2);
  });

  it("leaves requests to fetch when Node routes fetch through the environment's proxy", async () => {
    const load = async (env: Record<string, string | undefined>) => {
      vi.resetModules();
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value as string);
      try {
        const { nodeTransportAvailable } = await import('../../src/http/node-transport.js');
        return nodeTransportAvailable();
      } finally {
        vi.unstubAllEnvs();
      }
    };
    expect(await load({ NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: 'http://proxy.internal:3128' })).toBe(false);
    expect(await load({ NODE_USE_ENV_PROXY: undefined, HTTPS_PROXY: 'http://proxy.internal:3128' })).toBe(true);
    expect(await load({ NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: undefined, HTTP_PROXY: undefined, https_proxy: undefined, http_proxy: undefined })).toBe(true);
  });

  it('refuses an httpTransport it does not know', () => {
    expect(() => createPixmux({ httpTransport: 'curl' as never, providers: [openaiCompatible({ baseURL: 'http://x.test/v1', model: 'm' })] })).toThrow(
      expect.objectContaining({ code: 'invalid_request', message: expect.stringContaining('httpTransport') }),
    );
  });
});

describe('node transport: ends of a request', () => {
  it('closes the connection when the caller aborts, and the call ends aborted', async () => {
    const { origin, seen, state } = await serve(() => {});
    const controller = new AbortController();
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    const call = px.generate({ prompt: 'x', signal: controller.signal }).catch((e: unknown) => e);
    await until(() => seen.length === 1);
    controller.abort();
    const error = (await call) as PixmuxError;
    expect(error.code).toBe('aborted');
    await until(() => state.closed === 1);
    expect(seen).toHaveLength(1);
  });

  it('closes each try at requestTimeoutMs and retries it as a timeout', async () => {
    const { origin, seen, state } = await serve(() => {});
    const px = createPixmux({
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 },
      providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY, requestTimeoutMs: 30 })],
    });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/got no response within 30 ms/);
    await until(() => state.closed === 3);
    expect(seen).toHaveLength(3);
  });

  it('fails a body over maxResponseBytes as bad_response, declared or chunked, and drops the connection', async () => {
    const big = JSON.stringify({ data: [{ b64_json: 'A'.repeat(4096) }] });
    for (const chunked of [false, true]) {
      const { origin } = await serve((_req, res) => {
        res.writeHead(200, chunked ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': big.length });
        if (chunked) for (let i = 0; i < big.length; i += 512) res.write(big.slice(i, i + 512));
        res.end(chunked ? undefined : big);
      });
      const px = createPixmux({ limits: { maxResponseBytes: 1024 }, retry: { retries: 0 }, providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
      const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.code, chunked ? 'chunked' : 'declared').toBe('bad_response');
      expect(error.message).toMatch(/1024-byte limit/);
    }
  });

  it("maps an error status with the vendor's message, keeping only the start of a huge error body", async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ error: { message: 'Invalid size', type: 'invalid_request_error' } }).slice(0, -1));
      res.end(`,"padding":"${'x'.repeat(3 * 1024 * 1024)}"}`);
    });
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error).toBeInstanceOf(PixmuxError);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
  });

  it('reports a refused connection as a retryable provider_error naming the cause', async () => {
    const { origin, server } = await serve(() => {});
    await new Promise((done) => server.close(done));
    servers.splice(servers.indexOf(server), 1);
    const px = createPixmux({ retry: { retries: 0 }, providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('resends once, without a retry of the policy, when the server dropped a kept-alive connection', async () => {
    const sockets = new Map<unknown, number>();
    const { origin, seen } = await serve((req, res) => {
      const served = sockets.get(req.socket) ?? 0;
      sockets.set(req.socket, served + 1);
      // The second request on a connection finds it closed, as when a server's idle timeout wins the race.
      if (served === 1) req.socket.destroy();
      else imageJson(res);
    });
    const px = createPixmux({ retry: { retries: 0 }, providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    await px.generate({ prompt: 'first' });
    const second = await px.generate({ prompt: 'second' });
    expect(second.attempts).toHaveLength(1);
    expect(seen.map((request) => JSON.parse(request.body).prompt)).toEqual(['first', 'second', 'second']);
    expect(sockets.size).toBe(2);
  });

  it('sends what fetch sends by default: accept, accept-encoding and user-agent, unless the provider sets them', async () => {
    const { origin, seen } = await serve((_req, res) => imageJson(res));
    await createHttpClient({ provider: 'p', baseURL: origin }).get('a');
    await createHttpClient({ provider: 'p', baseURL: origin, headers: { 'User-Agent': 'mine/1', Accept: 'application/json' } }).get('b');
    expect(seen[0]!.headers).toMatchObject({ accept: '*/*', 'accept-encoding': 'gzip, deflate', 'user-agent': 'node' });
    expect(seen[1]!.headers).toMatchObject({ accept: 'application/json', 'user-agent': 'mine/1' });
  });

  it('reports a connection dropped mid-body as a retryable network error, never a crash', async () => {
    const { origin, seen } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"data":[{"b64_json":"');
      setImmediate(() => req.socket.destroy());
    });
    const px = createPixmux({ retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 }, providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
    expect(seen).toHaveLength(2);
  });

  it('decodes a compressed body', async () => {
    const { origin } = await serve((_req, res) => {
      const body = gzipSync(JSON.stringify({ data: [{ b64_json: PNG_B64 }] }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.byteLength });
      res.end(body);
    });
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${origin}/v1`, model: 'm', apiKey: KEY })] });
    expect((await px.generate({ prompt: 'x' })).images[0]!.base64()).toBe(PNG_B64);
  });
});

describe('node transport: redirects, by fetch’s rules', () => {
  const client = (origin: string) => createHttpClient({ provider: 'p', baseURL: origin, headers: { authorization: `Bearer ${KEY}`, 'x-api-key': 'k' } });

  it('keeps method and body on 307/308, and turns a POST into a GET on 301/302/303', async () => {
    for (const [status, method] of [[307, 'POST'], [308, 'POST'], [301, 'GET'], [302, 'GET'], [303, 'GET']] as const) {
      const { origin, seen } = await serve((req, res) => {
        if (req.url === '/start') {
          res.writeHead(status, { location: '/next' });
          res.end();
        } else imageJson(res);
      });
      const response = await client(origin).post('start', { json: { a: 1 } });
      expect(response.redirected, String(status)).toBe(true);
      expect(response.url).toBe(`${origin}/next`);
      expect(await response.json()).toMatchObject({ created: 1 });
      expect(seen[1], String(status)).toMatchObject({ method, url: '/next', body: method === 'POST' ? '{"a":1}' : '' });
      expect(seen[1]!.headers['content-type'], String(status)).toBe(method === 'POST' ? 'application/json' : undefined);
    }
  });

  it('drops credentials on a redirect to another origin, keeps them on the same origin', async () => {
    const other = await serve((_req, res) => imageJson(res));
    const { origin, seen } = await serve((req, res) => {
      res.writeHead(307, { location: req.url === '/start' ? '/same' : `${other.origin}/elsewhere` });
      res.end();
    });
    await client(origin).post('start', { json: {} });
    expect(seen.map((request) => request.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('stops after 20 redirects', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(302, { location: '/again' });
      res.end();
    });
    await expect(client(origin).get('start')).rejects.toThrow(/redirect count exceeded/);
  });
});

describe('BufferedResponse', () => {
  const make = () => new BufferedResponse(200, 'OK', ['Content-Type', 'application/json', 'X-Two', 'a', 'x-two', 'b'], new TextEncoder().encode('{"a":1}'), 'http://x.test/', false);

  it('reads its body once, like a Response', async () => {
    const response = make();
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ a: 1 });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(() => response.clone()).toThrow(TypeError);
  });

  it('offers every reader a Response has, with the same results', async () => {
    const bytes = new TextEncoder().encode('{"a":1}');
    const reference = () => new Response(bytes, { headers: { 'content-type': 'application/json' } });
    expect(await make().text()).toBe(await reference().text());
    expect(new Uint8Array(await make().arrayBuffer())).toEqual(new Uint8Array(await reference().arrayBuffer()));
    expect(await make().bytes()).toEqual(new Uint8Array(bytes));
    const blob = await make().blob();
    expect(blob.type).toBe('application/json');
    expect(await blob.text()).toBe('{"a":1}');
    expect(await new Response(make().body).text()).toBe('{"a":1}');
    const original = make();
    const copy = original.clone();
    expect(await copy.json()).toEqual(await original.json());
    expect(make().headers.get('x-two')).toBe('a, b');
    expect(make()).toMatchObject({ ok: true, status: 200, statusText: 'OK', url: 'http://x.test/', redirected: false });
  });

  it('hands out a copy of its bytes, and has no body for a null-body status', async () => {
    const source = new TextEncoder().encode('abc');
    const copy = await new BufferedResponse(200, 'OK', [], source, '', false).bytes();
    copy[0] = 0;
    expect(source[0]).toBe(97);
    const empty = new BufferedResponse(204, 'No Content', [], null, '', false);
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe('');
  });
});

describe('node transport with defineProvider', () => {
  it('sends a bytes body as it is and reads an image answer', async () => {
    const { origin, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from(PNG_B64, 'base64'));
    });
    const px = createPixmux({
      providers: [
        defineProvider({
          id: 'raw',
          http: { baseURL: origin },
          operations: {
            removeBackground: async (request, context) => {
              const response = await context.http.post('cut', { body: request.image.bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' } });
              return { images: [{ bytes: new Uint8Array(await response.arrayBuffer()) }] };
            },
          },
        }),
      ],
    });
    const result = await px.removeBackground({ image: Buffer.from(PNG_B64, 'base64') });
    expect(result.images[0]!.base64()).toBe(PNG_B64);
    expect(seen[0]!.size).toBe(Buffer.from(PNG_B64, 'base64').byteLength);
    expect(seen[0]!.headers['content-type']).toBe('application/octet-stream');
  });
});
