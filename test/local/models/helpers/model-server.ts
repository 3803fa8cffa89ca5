import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelSpec } from '../../../../providers/local/models/index.js';

/** How the test server answers one path. */
export interface Route {
  body: Uint8Array;
  /** Answer every request with this status and no body. */
  status?: number;
  /** Answer a Range request with the whole file and HTTP 200. */
  ignoreRange?: boolean;
  /** Drop the connection after this many body bytes, for the first `cuts` responses. */
  cutAfterBytes?: number;
  /**
   * With `cutAfterBytes`: the connection is dropped only once this settles — e.g. when the client reports those bytes
   * on disk. Without it the cut follows the bytes at once, and what the client had read before the error is a race.
   */
  cutWhen?: (cut: number) => Promise<unknown>;
  /** @default 1 */
  cuts?: number;
  /** The body waits for this before it is sent (headers go out first). */
  hold?: Promise<void>;
  /** Send the headers, then nothing: a stalled server. */
  stall?: boolean;
  /** Send this many body bytes of the first response, then nothing more (the connection stays open). */
  stallAfterBytes?: number;
  /** @default 16_384 */
  chunkSize?: number;
  /** Answer HEAD with this status and these headers, no body (Hugging Face declares a file's hash this way). */
  head?: { status?: number; headers: Record<string, string> };
  /** Answer GET with a 302 to this path on the same server (Hugging Face sends LFS files from a CDN). */
  redirectTo?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
}

/** A node:http server on 127.0.0.1 (random port) serving model files, counting every request. */
export async function startModelServer(routes: Record<string, Route>) {
  const requests: RecordedRequest[] = [];
  const cutsUsed = new Map<string, number>();
  const stalledOnce = new Set<string>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push({ method: request.method ?? 'GET', path, range: request.headers.range });
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    void answer(path, route, request, response).catch(() => response.destroy());
  });

  async function answer(path: string, route: Route | undefined, request: IncomingMessage, response: ServerResponse) {
    if (!route) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (request.method === 'HEAD' && route.head) return void response.writeHead(route.head.status ?? 200, route.head.headers).end();
    if (route.status) return void response.writeHead(route.status, { 'content-type': 'text/plain' }).end(`status ${route.status}`);
    if (route.redirectTo) return void response.writeHead(302, { location: route.redirectTo }).end();
    const total = route.body.byteLength;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    let start = 0;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (range && !route.ignoreRange) {
      start = Number(range[1]);
      if (start >= total) return void response.writeHead(416, { 'content-range': `bytes */${total}` }).end();
      headers['content-range'] = `bytes ${start}-${total - 1}/${total}`;
    }
    headers['content-length'] = total - start;
    response.writeHead(range && !route.ignoreRange ? 206 : 200, headers);
    response.flushHeaders();
    if (route.stall) return;
    await route.hold;
    const slice = route.body.subarray(start);
    if (route.stallAfterBytes !== undefined && !stalledOnce.has(path)) {
      stalledOnce.add(path);
      response.write(slice.subarray(0, route.stallAfterBytes));
      return;
    }
    const used = cutsUsed.get(path) ?? 0;
    if (route.cutAfterBytes !== undefined && used < (route.cuts ?? 1)) {
      cutsUsed.set(path, used + 1);
      const sent = new Promise<void>((resolve) => response.write(slice.subarray(0, route.cutAfterBytes), () => resolve()));
      await sent;
      await route.cutWhen?.(used + 1);
      response.socket?.destroy();
      return;
    }
    const chunkSize = route.chunkSize ?? 16_384;
    for (let offset = 0; offset < slice.byteLength; offset += chunkSize) {
      if (!response.write(slice.subarray(offset, offset + chunkSize))) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** Requests for one path. */
    requestsFor: (path: string) => requests.filter((request) => request.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Random bytes standing in for a model file, with their hashes. */
export function fakeModelBytes(size: number) {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

/** A one-file spec served from the given URLs. */
export function fakeSpec(id: string, file: { bytes: Uint8Array; sha256: string }, urls: string[], extra: Partial<ModelSpec['files'][number]> = {}): ModelSpec {
  return {
    id,
    operation: 'removeBackground',
    files: [{ name: `${id}.onnx`, urls, sha256: file.sha256, size: file.bytes.byteLength, ...extra }],
    license: 'MIT',
    commercial: true,
    preset: 'u2net',
    description: 'test model',
    source: 'test',
  };
}

/** Whether a file holds exactly these bytes (a byte compare; deep equality on large arrays is slow). */
export async function sameBytes(filePath: string, expected: Uint8Array): Promise<boolean> {
  return Buffer.from(await readFile(filePath)).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength));
}
