import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createPixmux, defineProvider, type InputImage, type PixmuxOptions } from 'pixmux';

/** A loopback HTTP server that counts every request it sees; tests of refusals assert it saw none. */
export interface CountingServer {
  readonly port: number;
  readonly origin: string;
  readonly requests: string[];
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

export function useCountingServer(): CountingServer {
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(404).end();
  const state = {
    port: 0,
    requests: [] as string[],
    get origin() {
      return `http://127.0.0.1:${state.port}`;
    },
    handle(next: (req: IncomingMessage, res: ServerResponse) => void) {
      handler = next;
      state.requests.length = 0;
    },
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      state.requests.push(`${req.method} ${req.url}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

/** A client whose removeBackground echoes the normalised input image. */
export function echoClient(options: Partial<PixmuxOptions> = {}) {
  const received: InputImage[] = [];
  const px = createPixmux({
    providers: [
      defineProvider({
        id: 'echo',
        operations: {
          removeBackground: async (request) => {
            received.push(request.image);
            return { images: [{ bytes: request.image.bytes }] };
          },
        },
      }),
    ],
    ...options,
  });
  return { px, received };
}

/** The GIF frame bomb: a 16×16 logical screen holding one 16000×16000 frame, in a few dozen bytes. */
export function gifFrameBomb(): Uint8Array {
  return new Uint8Array([
    ...new TextEncoder().encode('GIF89a'),
    16, 0, 16, 0, 0x00, 0, 0, // screen 16×16, no global colour table
    0x2c, 0, 0, 0, 0, 0x80, 0x3e, 0x80, 0x3e, 0x00, // image descriptor: 16000×16000 at 0,0
    0x02, 0x05, 0x84, 0x8f, 0xa9, 0xcb, 0xed, 0x00, // LZW code size, one data sub-block, terminator
    0x3b,
  ]);
}

