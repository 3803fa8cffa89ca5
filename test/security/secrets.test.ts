import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, PixmuxError, registerSecret, type PixmuxEvent, type Provider } from 'pixmux';
import { fal } from '../../providers/fal/index.js';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { openai } from '../../providers/openai/index.js';
import { pixelapi } from '../../providers/pixelapi/index.js';
import { removebg } from '../../providers/removebg/index.js';
import { replicate } from '../../providers/replicate/index.js';
import { stability } from '../../providers/stability/index.js';
import { together } from '../../providers/together/index.js';
import { bfl } from '../../providers/bfl/index.js';
import { huggingface } from '../../providers/huggingface/index.js';
import { photoroom } from '../../providers/photoroom/index.js';
import { clipdrop } from '../../providers/clipdrop/index.js';
import { makePng } from '../helpers/images.js';
import { useCountingServer } from './helpers.js';

const server = useCountingServer();
const KEY = 'zz-Distinctive-Key-7f3a9c';
const HEADER = 'hv-Header-Secret-51d0e2';
const URL_PASSWORD = 'urlpw-Hunter2-8c1b';
const SHORT = 'k3Y';

type Factory = (common: { apiKey: string; baseURL: string; headers: Record<string, string> }) => Provider;
const PROVIDERS: Array<[string, Factory, 'generate' | 'removeBackground', string]> = [
  ['openai', (o) => openai(o), 'generate', '/v1'],
  ['openai-compatible', (o) => openaiCompatible({ ...o, model: 'm' }), 'generate', '/v1'],
  ['stability', (o) => stability(o), 'generate', ''],
  ['replicate', (o) => replicate({ ...o, polling: { initialDelayMs: 1, maxDelayMs: 2 } }), 'generate', '/v1'],
  ['fal', (o) => fal({ ...o, polling: { initialDelayMs: 1, maxDelayMs: 2 } }), 'generate', ''],
  ['pixelapi', (o) => pixelapi({ ...o, polling: { initialDelayMs: 1, maxDelayMs: 2 } }), 'generate', ''],
  ['removebg', (o) => removebg(o), 'removeBackground', '/v1.0'],
  ['together', (o) => together(o), 'generate', '/v1'],
  ['bfl', (o) => bfl({ ...o, polling: { initialDelayMs: 1, maxDelayMs: 2 } }), 'generate', '/v1'],
  ['huggingface', (o) => huggingface(o), 'generate', ''],
  ['huggingface (cut-out)', (o) => huggingface(o), 'removeBackground', ''],
  ['photoroom', (o) => photoroom(o), 'removeBackground', '/v1'],
  ['clipdrop', (o) => clipdrop(o), 'generate', ''],
];

const echoed = (key: string) => `Incorrect API key provided: ${key}. Headers: Authorization: Bearer ${key}, x-extra: ${HEADER}`;
const SCENARIOS: Array<[string, number, (key: string) => { type: string; body: string }]> = [
  ['401 echoing the key and header', 401, (key) => ({ type: 'application/json', body: JSON.stringify({ error: { message: echoed(key), code: 'invalid_api_key' } }) })],
  ['500 with the key in plain text', 500, (key) => ({ type: 'text/plain', body: `upstream failed: ${echoed(key)}` })],
  ['400 with the key in the vendor code', 400, (key) => ({ type: 'application/json', body: JSON.stringify({ error: { code: `bad_key_${key}`, message: 'bad key' }, code: `bad_key_${key}`, detail: `bad_key_${key}` }) })],
  ['429 with the key in a detail list', 429, (key) => ({ type: 'application/json', body: JSON.stringify({ detail: [{ msg: `slow down ${key}` }], errors: [`x-extra ${HEADER}`] }) })],
];

/** Every place a secret could surface: messages, String(e), JSON, util.inspect, causes, attempts, events and logs. */
function everything(error: unknown, events: PixmuxEvent[], logs: unknown[]): string {
  const e = error as PixmuxError;
  return [e.message, String(e), JSON.stringify(e), inspect(e, { depth: 20, showHidden: true }), e.stack, inspect(e.cause, { depth: 20 }), JSON.stringify(e.attempts), e.vendorCode, JSON.stringify(events), JSON.stringify(logs, (_k, v: unknown) => (v instanceof Error ? inspect(v) : v))].join('\n');
}

function client(provider: Provider) {
  const events: PixmuxEvent[] = [];
  const logs: unknown[] = [];
  const log = (...args: unknown[]) => logs.push(args);
  const px = createPixmux({
    providers: [provider],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 10 },
    onEvent: (event) => events.push(event),
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return { px, events, logs };
}

async function run(px: ReturnType<typeof client>['px'], operation: 'generate' | 'removeBackground'): Promise<unknown> {
  const call = operation === 'generate' ? px.generate({ prompt: 'x' }) : px.removeBackground({ image: makePng(4, 4) });
  return call.then(
    () => expect.fail('the call should fail'),
    (error: unknown) => error,
  );
}

describe('secrets never leak, through every provider and error path', () => {
  let sweeps = 0;
  for (const [name, factory, operation, path] of PROVIDERS) {
    for (const key of [KEY, SHORT]) {
      it.each(SCENARIOS)(`${name} (${key === SHORT ? 'a 3-character key' : 'a long key'}): %s`, async (_scenario, status, respond) => {
        const { type, body } = respond(key);
        server.handle((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
        const { px, events, logs } = client(factory({ apiKey: key, baseURL: `${server.origin}${path}`, headers: { 'x-extra': HEADER } }));
        const error = await run(px, operation);
        expect(PixmuxError.isInstance(error)).toBe(true);
        expect(server.requests.length).toBeGreaterThan(0);
        const text = everything(error, events, logs);
        if (key === SHORT) expect(text).not.toMatch(/(?<![A-Za-z0-9])k3Y(?![A-Za-z0-9])/);
        else expect(text).not.toContain(KEY);
        expect(text).not.toContain(HEADER);
        expect(text).toContain('[redacted]');
        sweeps += 1;
      });
    }

    it(`${name}: credentials in the baseURL never show`, async () => {
      server.handle((_req, res) => res.writeHead(500).end());
      const { px, events, logs } = client(factory({ apiKey: KEY, baseURL: `http://admin:${URL_PASSWORD}@127.0.0.1:${server.port}${path}`, headers: { 'x-extra': HEADER } }));
      const error = await run(px, operation);
      const text = everything(error, events, logs);
      expect(text).not.toContain(URL_PASSWORD);
      expect(text).not.toContain(`admin:`);
      expect(text).not.toContain(KEY);
      sweeps += 1;
    });
  }

  it('covered every provider and path', () => {
    expect(sweeps).toBe(PROVIDERS.length * (SCENARIOS.length * 2 + 1));
  });
});

describe('redaction belongs to providers and clients', () => {
  it('keeps registerSecret working for a custom provider (claimed by the next defineProvider)', async () => {
    registerSecret('custom-registered-secret-1');
    const provider = defineProvider({ id: 'custom', operations: { generate: async () => Promise.reject(Object.assign(new Error('failed with custom-registered-secret-1'), { cause: new Error('inner custom-registered-secret-1') })) } });
    const { px, events, logs } = client(provider);
    const error = await run(px, 'generate');
    expect(everything(error, events, logs)).not.toContain('custom-registered-secret-1');
  });

  it("takes a provider's declared secrets, and redacts them in util.inspect of the error and its causes", async () => {
    const provider = defineProvider({
      id: 'declared',
      secrets: ['s3'],
      operations: { generate: async () => Promise.reject(new Error('token s3 refused, see s3x (not a secret)')) },
    });
    const { px, events, logs } = client(provider);
    const error = await run(px, 'generate');
    const text = everything(error, events, logs);
    expect(text).not.toMatch(/\bs3\b/);
    expect(text).toContain('s3x');
  });

  it("does not keep providers' secrets in a global registry: 10,000 providers later, redaction is as fast", async () => {
    const { redact } = await import('pixmux');
    const sample = 'nothing secret here, just a message of ordinary length '.repeat(4);
    const time = () => {
      const start = performance.now();
      for (let i = 0; i < 2000; i++) redact(sample);
      return performance.now() - start;
    };
    const before = time();
    for (let i = 0; i < 10_000; i++) openaiCompatible({ baseURL: 'http://gpu.test/v1', model: 'm', apiKey: `key-number-${i}-abcdef` });
    const after = time();
    expect(after).toBeLessThan(Math.max(before * 5, 50));
  });
});
