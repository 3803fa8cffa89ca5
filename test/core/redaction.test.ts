import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, resolveApiKey, PixmuxError, type PixmuxEvent } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { useMswServer } from '../helpers/msw.js';

const server = useMswServer();
const KEY = 'pk-test-4b7f0c2e9d1a77';
const UNREGISTERED = 'qs-secret-90f1e2d3c4b5';

/** A provider that sends its key in a header and in the query string, as some vendors require. */
function leakyProvider() {
  const key = resolveApiKey(KEY, 'PIXMUX_TEST_NO_SUCH_ENV');
  return defineProvider({
    id: 'leaky',
    http: { baseURL: 'http://leaky.test', headers: { authorization: `Bearer ${key}` } },
    operations: {
      generate: async (_request, context) => {
        await context.http.post(`v1/images?key=${key}&api_key=${UNREGISTERED}`, { json: { prompt: 'x' } });
        throw new Error(`unreachable for ${key}`);
      },
    },
  });
}

function capture() {
  const events: PixmuxEvent[] = [];
  const logs: unknown[] = [];
  const log = (...args: unknown[]) => logs.push(args);
  const px = createPixmux({
    providers: [leakyProvider()],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
    onEvent: (event) => events.push(event),
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return { px, events, logs };
}

function everything(error: PixmuxError, events: unknown[], logs: unknown[]): string {
  const cause = error.cause as Error | undefined;
  return [error.message, error.stack, JSON.stringify(error), String(cause), cause?.message, cause?.stack, JSON.stringify(error.attempts), JSON.stringify(events), JSON.stringify(logs)].join('\n');
}

describe('API keys never leak', () => {
  it.each([
    ['a 401 whose body echoes the key and the URL', () => HttpResponse.json({ error: { message: `Incorrect API key provided: ${KEY}. Request: http://leaky.test/v1/images?key=${KEY}&api_key=${UNREGISTERED}` } }, { status: 401 })],
    ['a 500 with the Authorization header in its text', () => new HttpResponse(`upstream said: Authorization: Bearer ${KEY}`, { status: 500 })],
    ['a dropped connection', () => HttpResponse.error()],
  ])('after %s', async (_name, respond) => {
    server.use(http.post('http://leaky.test/v1/images', respond));
    const { px, events, logs } = capture();
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(PixmuxError.isInstance(error)).toBe(true);
    const text = everything(error, events, logs);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(UNREGISTERED);
    expect(events.length).toBeGreaterThan(0);
  });

  it('from an error a provider throws with the key in its message', async () => {
    const key = resolveApiKey('sk-thrown-1234567890', 'PIXMUX_TEST_NO_SUCH_ENV');
    const events: PixmuxEvent[] = [];
    const px = createPixmux({
      providers: [defineProvider({ id: 'thrower', operations: { generate: async () => Promise.reject(new Error(`bad key ${key}`)) } })],
      onEvent: (event) => events.push(event),
    });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(everything(error, events, [])).not.toContain('sk-thrown-1234567890');
    expect(error.attempts?.[0]?.error?.message).toContain('[redacted]');
  });

  it('from a built-in provider given the key as an option', async () => {
    server.use(http.post('http://gpu.test/v1/images/generations', () => HttpResponse.json({ error: { message: 'Incorrect API key provided: sk-openai-compat-secret-42' } }, { status: 401 })));
    const events: PixmuxEvent[] = [];
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: 'http://gpu.test/v1', model: 'm', apiKey: 'sk-openai-compat-secret-42' })], onEvent: (event) => events.push(event) });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]?.error?.code).toBe('auth');
    expect(everything(error, events, [])).not.toContain('sk-openai-compat-secret-42');
  });
});
