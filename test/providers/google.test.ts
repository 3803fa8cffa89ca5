import { GoogleGenAI } from '@google/genai';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { google, GOOGLE_PRICES, type GoogleOptions } from '../../providers/google/index.js';
import { failureCode } from '../helpers/errors.js';
import { capture, GEMINI_BAD_RESPONSES, GEMINI_SAFETY_CASES, geminiAnswer, GOOGLE_STATUS_CASES, googleError, imagePart, png, type Seen } from '../helpers/google.js';
import { makePng } from '../helpers/images.js';
import { hangUntilAborted, useMswServer } from '../helpers/msw.js';

const server = useMswServer();
const BASE = 'https://generativelanguage.googleapis.com/v1beta';
const FLASH = `${BASE}/models/gemini-2.5-flash-image:generateContent`;
const KEY = 'AIzaSyTest-gemini-key-0123456789abcdefXY';

function client(options: GoogleOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [google({ apiKey: KEY, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

describe('google: generate request', () => {
  it('posts the prompt as the only user part to models/{model}:generateContent with x-goog-api-key', async () => {
    const seen: Seen[] = [];
    server.use(capture(FLASH, seen, () => HttpResponse.json(geminiAnswer([{ text: 'Here is your boat.' }, imagePart()]))));
    const result = await client().generate({ prompt: 'a paper boat on a pond', aspectRatio: '16:9' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      method: 'POST',
      url: FLASH,
      headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json', authorization: null },
      body: {
        contents: [{ role: 'user', parts: [{ text: 'a paper boat on a pond' }] }],
        generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } },
      },
    });
    expect(result).toMatchObject({ provider: 'google', model: 'gemini-2.5-flash-image', costUsd: 0.039, metadata: { text: 'Here is your boat.', finishReason: 'STOP' } });
    expect(result.warnings).toEqual([]);
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('sends what the official @google/genai client sends for the same prompt and config, field by field', async () => {
    const ours: Seen[] = [];
    const theirs: Seen[] = [];
    server.use(capture(FLASH, ours));
    await client().generate({ prompt: 'a paper boat', aspectRatio: '3:2', seed: 7 });
    server.use(capture(FLASH, theirs));
    const sdk = new GoogleGenAI({ apiKey: KEY });
    await sdk.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'a paper boat',
      config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' }, seed: 7 },
    });
    expect(theirs).toHaveLength(1);
    expect(ours[0]!.url).toBe(theirs[0]!.url);
    expect(ours[0]!.method).toBe(theirs[0]!.method);
    expect(ours[0]!.headers).toEqual(theirs[0]!.headers);
    expect(ours[0]!.body).toEqual(theirs[0]!.body);
  });

  it('sends a Gemini 3 image model the image size that covers a pixel size, the nearest ratio, and prices the size', async () => {
    const pro = `${BASE}/models/gemini-3-pro-image-preview:generateContent`;
    const seen: Seen[] = [];
    server.use(capture(pro, seen));
    const two = await client().generate({ prompt: 'x', model: 'gemini-3-pro-image-preview', size: '2048x1152' });
    const four = await client().generate({ prompt: 'x', model: 'gemini-3-pro-image-preview', size: { width: 4096, height: 4096 } });
    expect(seen.map((item) => (item.body.generationConfig as { imageConfig: unknown }).imageConfig)).toEqual([
      { aspectRatio: '16:9', imageSize: '2K' },
      { aspectRatio: '1:1', imageSize: '4K' },
    ]);
    expect(two.costUsd).toBe(0.134);
    expect(four.costUsd).toBe(0.24);
    expect(two.warnings.join()).toMatch(/takes an aspect ratio, not a pixel size; sending 16:9 for 2048x1152/);
  });

  it('warns about what Gemini cannot honour: pixel sizes on 2.5, unlisted ratios, negative prompts; sends a seed as generationConfig.seed', async () => {
    const seen: Seen[] = [];
    server.use(capture(FLASH, seen));
    const result = await client().generate({ prompt: 'x', size: '1536x1024', negativePrompt: 'text', seed: 42 });
    expect(seen[0]!.body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' }, seed: 42 });
    expect(result.warnings).toEqual([expect.stringMatching(/sending 3:2 for 1536x1024/), expect.stringMatching(/takes no negative prompt; negativePrompt was not sent/)]);
    const ratio = await client().generate({ prompt: 'x', aspectRatio: '7:3' });
    expect((seen[1]!.body.generationConfig as { imageConfig: unknown }).imageConfig).toEqual({ aspectRatio: '21:9' });
    expect(ratio.warnings.join()).toMatch(/does not offer aspect ratio 7:3; using 21:9/);
  });

  it('merges providerOptions into generationConfig and refuses the fields pixmux sets', async () => {
    const seen: Seen[] = [];
    server.use(capture(FLASH, seen));
    const result = await client().generate({ prompt: 'x', providerOptions: { google: { temperature: 0.4, responseModalities: ['IMAGE'] } } });
    expect(seen[0]!.body.generationConfig).toEqual({ temperature: 0.4, responseModalities: ['TEXT', 'IMAGE'] });
    expect(result.warnings.join()).toMatch(/providerOptions\.responseModalities is set by pixmux/);
  });

  it('sends n images as n requests within maxConcurrency and bills each', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    server.use(
      http.post(FLASH, async () => {
        calls += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        await delay(15);
        inFlight -= 1;
        return HttpResponse.json(geminiAnswer());
      }),
    );
    const result = await client({ maxConcurrency: 2 }).generate({ prompt: 'x', n: 4 });
    expect(calls).toBe(4);
    expect(most).toBeLessThanOrEqual(2);
    expect(result.images).toHaveLength(4);
    expect(result.costUsd).toBeCloseTo(4 * 0.039, 6);
  });

  it('never sends an Imagen id to the Gemini API: supports() points to googleVertex', async () => {
    const provider = google({ apiKey: KEY });
    const request = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, seed: undefined, n: 1, format: 'png' as const, model: 'imagen-4.0-generate-001', providerOptions: {} };
    expect(provider.supports?.('generate', request)).toMatch(/Imagen left the Gemini API on 2026-08-17; "imagen-4.0-generate-001" runs on Vertex AI: use googleVertex\(\) from pixmux\/providers\/google-vertex/);
    const error = (await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ provider: 'google', skipped: 'unsupported', detail: expect.stringMatching(/googleVertex/) });
  });

  it('refuses a model id that would change the URL path', async () => {
    const error = (await client().generate({ prompt: 'x', model: '../files/x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.attempts?.[0]).toMatchObject({ skipped: 'unsupported', detail: expect.stringMatching(/is not a model id/) });
  });
});

describe('google: responses', () => {
  it.each(GEMINI_SAFETY_CASES)('turns %s into content_policy, tried once', async (_name, body, pattern) => {
    let calls = 0;
    server.use(
      http.post(FLASH, () => {
        calls += 1;
        return HttpResponse.json(body);
      }),
    );
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('content_policy');
    expect(error.message).toMatch(pattern);
    expect(calls).toBe(1);
  });

  it.each(GEMINI_BAD_RESPONSES)('maps a 200 with %s to bad_response', async (_name, reply) => {
    server.use(http.post(FLASH, reply));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });

  it('skips interim thought images and keeps the final one with its media type', async () => {
    const jpegish = makePng(8, 8, [0, 0, 255, 255]);
    server.use(http.post(FLASH, () => HttpResponse.json(geminiAnswer([{ ...imagePart(png), thought: true }, imagePart(jpegish)]))));
    const result = await client().generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.bytes).toEqual(jpegish);
  });
});

describe('google: errors', () => {
  it.each(GOOGLE_STATUS_CASES)('maps google.rpc %s (HTTP %i) to %s with %i tries', async (status, httpStatus, code, tries) => {
    let calls = 0;
    server.use(
      http.post(FLASH, () => {
        calls += 1;
        return googleError(httpStatus, status, `something about ${status}`);
      }),
    );
    const error = (await client().generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe(code);
    expect(error.message).toContain(`${status}: something about ${status}`);
    expect(calls).toBe(tries);
  });

  it('maps by status, never by message text: words like "billing" or "safety" in an INVALID_ARGUMENT stay invalid_request', async () => {
    server.use(http.post(FLASH, () => googleError(400, 'INVALID_ARGUMENT', 'Billing account and safety settings: field generationConfig.foo is unknown')));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('invalid_request');
  });

  it('maps a prepaid account out of credit (HTTP 402) to insufficient_credits', async () => {
    server.use(http.post(FLASH, () => googleError(402, 'RESOURCE_EXHAUSTED', 'Your prepayment credits are depleted.')));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('insufficient_credits');
  });

  it('retries RESOURCE_EXHAUSTED (429) after the RetryInfo retryDelay in its details', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(FLASH, () => {
        calls += 1;
        if (calls === 1) {
          return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for metric generate_content_free_tier_requests', [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.02s' },
          ]);
        }
        return HttpResponse.json(geminiAnswer());
      }),
    );
    await client({}, events).generate({ prompt: 'x' });
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 20, error: { code: 'rate_limited' } });
  });

  it('moves on instead of waiting when the retryDelay is longer than maxRetryAfterMs', async () => {
    let calls = 0;
    server.use(
      http.post(FLASH, () => {
        calls += 1;
        return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '45s' }]);
      }),
    );
    const px = createPixmux({ providers: [google({ apiKey: KEY })], retry: { retries: 2, minDelayMs: 1, maxRetryAfterMs: 30_000 } });
    const error = (await px.generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('rate_limited');
    expect(calls).toBe(1);
  });

  it('redacts the key when Google echoes it in an error message', async () => {
    const events: PixmuxEvent[] = [];
    server.use(http.post(FLASH, () => googleError(400, 'INVALID_ARGUMENT', `API key not valid. Please pass a valid API key. (key=${KEY}) ${KEY}`)));
    const error = (await client({}, events).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('invalid_request');
    expect(error.message).toMatch(/API key not valid/);
    for (const text of [error.message, String(error.stack), JSON.stringify(error), JSON.stringify(error.attempts ?? []), JSON.stringify(events)]) expect(text).not.toContain(KEY);
  });
});

describe('google: timeouts and aborts', () => {
  it('stops at once with aborted when the caller aborts', async () => {
    const controller = new AbortController();
    const hang = hangUntilAborted(() => controller.abort());
    server.use(http.post(FLASH, hang.resolver));
    // Through fetch, where msw sees the request's abort (test/core/node-transport.test.ts covers node:http's).
    const error = (await client({ fetch: (input, init) => fetch(input, init) }).generate({ prompt: 'x', signal: controller.signal }).catch((e: unknown) => e)) as PixmuxError;
    expect(error.code).toBe('aborted');
    expect(hang.stats).toEqual({ calls: 1, aborted: 1 });
  });
});

describe('google: configuration', () => {
  it('reads GEMINI_API_KEY, else GOOGLE_API_KEY; without either it is passed over as missing_credentials', async () => {
    const saved = { gemini: process.env.GEMINI_API_KEY, google: process.env.GOOGLE_API_KEY };
    const seen: Seen[] = [];
    server.use(capture(FLASH, seen));
    try {
      delete process.env.GEMINI_API_KEY;
      delete process.env.GOOGLE_API_KEY;
      const bare = google();
      expect(bare.hasCredentials?.()).toBe(false);
      const error = (await createPixmux({ providers: [bare] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'google', skipped: 'missing_credentials' });
      process.env.GOOGLE_API_KEY = 'google-api-key-from-env-1';
      await createPixmux({ providers: [google()] }).generate({ prompt: 'x' });
      process.env.GEMINI_API_KEY = 'gemini-api-key-from-env-2';
      await createPixmux({ providers: [google()] }).generate({ prompt: 'x' });
      expect(seen.map((item) => item.headers['x-goog-api-key'])).toEqual(['google-api-key-from-env-1', 'gemini-api-key-from-env-2']);
    } finally {
      for (const [name, value] of [['GEMINI_API_KEY', saved.gemini], ['GOOGLE_API_KEY', saved.google]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('takes a baseURL and extra headers; tiers and prices follow the model and are overridable', async () => {
    const seen: Seen[] = [];
    server.use(capture('https://gateway.example/gemini/models/gemini-2.5-flash-image:generateContent', seen));
    await client({ baseURL: 'https://gateway.example/gemini/', headers: { 'x-team': 'art' } }).generate({ prompt: 'x' });
    expect(seen).toHaveLength(1);
    expect(google({ apiKey: KEY }).tier).toBe('cheap');
    expect(google({ apiKey: KEY, model: 'gemini-3-pro-image-preview' }).tier).toBe('premium');
    const provider = google({ apiKey: KEY, prices: { 'gemini-2.5-flash-image': { perImage: 0.05 } } });
    const base = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, seed: undefined, format: 'png' as const, providerOptions: {} };
    expect(provider.price?.('generate', { ...base, n: 2, model: undefined })).toBe(0.1);
    expect(provider.price?.('generate', { ...base, n: 1, model: 'gemini-3-pro-image-preview', size: { width: 4000, height: 3000 } })).toBe(0.24);
    expect(provider.price?.('generate', { ...base, n: 1, model: 'gemini-9-image' })).toBe(0.24);
    for (const price of Object.values(GOOGLE_PRICES)) expect(price).toMatchObject({ source: expect.any(String), date: expect.stringMatching(/^\d{4}-\d{2}/) });
  });
});
