import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { googleVertex, type GoogleVertexOptions } from '../../providers/google-vertex/index.js';
import { failureCode } from '../helpers/errors.js';
import { capture, GEMINI_BAD_RESPONSES, GEMINI_SAFETY_CASES, geminiAnswer, GOOGLE_STATUS_CASES, googleError, predictions, read, type Seen } from '../helpers/google.js';
import { useMswServer } from '../helpers/msw.js';

const server = useMswServer();
const PROJECT = 'pixmux-test';
const LOCATION = 'us-central1';
const MODELS = `https://${LOCATION}-aiplatform.googleapis.com/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models`;
const FAST = `${MODELS}/imagen-4.0-fast-generate-001:predict`;
const STANDARD = `${MODELS}/imagen-4.0-generate-001:predict`;
const FLASH = `${MODELS}/gemini-2.5-flash-image:generateContent`;
const TOKEN = 'ya29.test-oauth-access-token-0123456789';

function client(options: GoogleVertexOptions = {}, events: PixmuxEvent[] = []) {
  return createPixmux({
    providers: [googleVertex({ accessToken: TOKEN, project: PROJECT, location: LOCATION, ...options })],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => events.push(event),
  });
}

/**
 * The official client in Vertex mode with the same token: google-auth-library (the SDK's own auth library) holding a fixed
 * access token, so it asks no metadata server or token endpoint.
 */
function officialClient() {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  // The SDK defaults to v1beta1 on Vertex; pixmux uses the GA v1 (the same request shape).
  return new GoogleGenAI({ vertexai: true, project: PROJECT, location: LOCATION, googleAuthOptions: { authClient }, httpOptions: { apiVersion: 'v1' } });
}

describe('google-vertex: Imagen through :predict', () => {
  it('posts instances[].prompt and parameters.sampleCount to the model path with the bearer token', async () => {
    const seen: Seen[] = [];
    server.use(capture(FAST, seen, () => HttpResponse.json(predictions(2))));
    const result = await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'a paper boat', n: 2, aspectRatio: '16:9' });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: FAST,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-goog-api-key': null },
        body: { instances: [{ prompt: 'a paper boat' }], parameters: { sampleCount: 2, includeRaiReason: true, aspectRatio: '16:9' } },
      },
    ]);
    expect(result).toMatchObject({ provider: 'google-vertex', model: 'imagen-4.0-fast-generate-001', costUsd: 0.04 });
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([]);
  });

  it('sends what the official @google/genai client sends (Vertex mode, injected token) for the same prompt and config', async () => {
    const ours: Seen[] = [];
    const theirs: Seen[] = [];
    server.use(capture(STANDARD, ours, () => HttpResponse.json(predictions(2))));
    await client({ model: 'imagen-4.0-generate-001' }).generate({ prompt: 'a paper boat', n: 2, aspectRatio: '3:4', seed: 5, format: 'jpeg' });
    server.use(capture(STANDARD, theirs, () => HttpResponse.json(predictions(2))));
    const sdk = officialClient();
    await sdk.models.generateImages({
      model: 'imagen-4.0-generate-001',
      prompt: 'a paper boat',
      config: { numberOfImages: 2, aspectRatio: '3:4', seed: 5, addWatermark: false, includeRaiReason: true, outputMimeType: 'image/jpeg' },
    });
    expect(theirs).toHaveLength(1);
    expect(ours[0]).toEqual(theirs[0]);
  });

  it('turns the watermark off for a seed (with a warning), sends a negative prompt only where the model takes it, and sizes Standard/Ultra', async () => {
    const seen: Seen[] = [];
    server.use(capture(STANDARD, seen), capture(`${MODELS}/imagen-3.0-generate-001:predict`, seen));
    const seeded = await client({ model: 'imagen-4.0-generate-001' }).generate({ prompt: 'x', seed: 9, negativePrompt: 'text', size: '2048x1536' });
    expect(seen[0]!.body.parameters).toEqual({ sampleCount: 1, includeRaiReason: true, aspectRatio: '4:3', sampleImageSize: '2K', seed: 9, addWatermark: false });
    expect(seeded.warnings).toEqual([
      expect.stringMatching(/takes an aspect ratio, not a pixel size; sending 4:3 for 2048x1536/),
      expect.stringMatching(/imagen-4.0-generate-001 takes no negative prompt/),
      expect.stringMatching(/seed only without the SynthID watermark; sent addWatermark: false with seed 9/),
    ]);
    await client().generate({ prompt: 'x', model: 'imagen-3.0-generate-001', negativePrompt: 'text' });
    expect(seen[1]!.body.parameters).toEqual({ sampleCount: 1, includeRaiReason: true, negativePrompt: 'text' });
    const kept = await client({ model: 'imagen-4.0-generate-001' }).generate({ prompt: 'x', seed: 9, providerOptions: { 'google-vertex': { addWatermark: true, personGeneration: 'allow_adult', sampleCount: 3 } } });
    expect(seen[2]!.body.parameters).toEqual({ sampleCount: 1, includeRaiReason: true, addWatermark: true, personGeneration: 'allow_adult' });
    expect(kept.warnings).toEqual([expect.stringMatching(/providerOptions\.sampleCount is set by pixmux/), expect.stringMatching(/addWatermark is true; seed 9 was not sent/)]);
  });

  it('splits n above 4 into requests of at most 4', async () => {
    const seen: Seen[] = [];
    server.use(http.post(FAST, async ({ request }) => {
      const item = await read(request);
      seen.push(item);
      return HttpResponse.json(predictions((item.body.parameters as { sampleCount: number }).sampleCount));
    }));
    const result = await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x', n: 6 });
    expect(seen.map((item) => (item.body.parameters as { sampleCount: number }).sampleCount).sort()).toEqual([2, 4]);
    expect(result.images).toHaveLength(6);
    expect(result.costUsd).toBeCloseTo(0.12, 6);
  });

  it('maps raiFilteredReason on every image to content_policy, tried once', async () => {
    let calls = 0;
    server.use(http.post(FAST, () => {
      calls += 1;
      return HttpResponse.json({ predictions: [{ raiFilteredReason: "Your current safety filter threshold filtered out 1 generated image. Support codes: 58061214" }] });
    }));
    const error = (await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
    expect(failureCode(error)).toBe('content_policy');
    expect(error.message).toMatch(/Imagen filtered every image \(raiFilteredReason: Your current safety filter/);
    expect(calls).toBe(1);
  });

  it('returns the images that passed with a warning when some were filtered, billing only those', async () => {
    server.use(http.post(FAST, () => HttpResponse.json(predictions(1, [{ raiFilteredReason: 'filtered: Support codes: 17301594' }]))));
    const result = await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x', n: 2 });
    expect(result.images).toHaveLength(1);
    expect(result.costUsd).toBe(0.02);
    expect(result.warnings.join()).toMatch(/Imagen filtered 1 image\(s\): filtered: Support codes: 17301594/);
  });

  it.each([
    ['an empty object', () => HttpResponse.json({})],
    ['empty predictions', () => HttpResponse.json({ predictions: [] })],
    ['bytes that are not base64', () => HttpResponse.json({ predictions: [{ bytesBase64Encoded: '%%%', mimeType: 'image/png' }] })],
    ['predictions that are not a list', () => HttpResponse.json({ predictions: 'none' })],
    ['a body that is not JSON', () => new HttpResponse('<html>', { headers: { 'content-type': 'text/html' } })],
  ])('maps a 200 with %s to bad_response', async (_name, reply) => {
    server.use(http.post(FAST, reply));
    expect(failureCode(await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('google-vertex: Gemini through :generateContent', () => {
  it('sends the Gemini API body (jpeg as imageOutputOptions, which Vertex takes) and matches @google/genai', async () => {
    const ours: Seen[] = [];
    const theirs: Seen[] = [];
    server.use(capture(FLASH, ours));
    const result = await client().generate({ prompt: 'a paper boat', aspectRatio: '4:5', format: 'jpeg' });
    expect(ours[0]).toMatchObject({ url: FLASH, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    expect(ours[0]!.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a paper boat' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:5', imageOutputOptions: { mimeType: 'image/jpeg' } } },
    });
    expect(result).toMatchObject({ model: 'gemini-2.5-flash-image', costUsd: 0.039 });
    server.use(capture(FLASH, theirs));
    const sdk = officialClient();
    await sdk.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'a paper boat',
      config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:5', outputMimeType: 'image/jpeg' } },
    });
    expect(ours[0]).toEqual(theirs[0]);
  });

  it('calls getAccessToken before every request and sends n Gemini images as n requests', async () => {
    const seen: Seen[] = [];
    server.use(capture(FLASH, seen));
    let issued = 0;
    const getAccessToken = async () => `ya29.token-number-${++issued}`;
    const result = await client({ accessToken: undefined, getAccessToken, maxConcurrency: 1 }).generate({ prompt: 'x', n: 3 });
    expect(result.images).toHaveLength(3);
    expect(issued).toBe(3);
    expect(seen.map((item) => item.headers.authorization)).toEqual(['Bearer ya29.token-number-1', 'Bearer ya29.token-number-2', 'Bearer ya29.token-number-3']);
  });

  it.each(GEMINI_SAFETY_CASES)('turns %s into content_policy', async (_name, body) => {
    server.use(http.post(FLASH, () => HttpResponse.json(body)));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('content_policy');
  });

  it.each(GEMINI_BAD_RESPONSES)('maps a 200 with %s to bad_response', async (_name, reply) => {
    server.use(http.post(FLASH, reply));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('google-vertex: errors and credentials', () => {
  it.each(GOOGLE_STATUS_CASES)('maps google.rpc %s (HTTP %i) to %s with %i tries', async (status, httpStatus, code, tries) => {
    let calls = 0;
    server.use(http.post(FAST, () => {
      calls += 1;
      return googleError(httpStatus, status, `about ${status}`);
    }));
    expect(failureCode(await client({ model: 'imagen-4.0-fast-generate-001' }).generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe(code);
    expect(calls).toBe(tries);
  });

  it('retries RESOURCE_EXHAUSTED after its RetryInfo delay', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(http.post(FLASH, () => {
      calls += 1;
      if (calls === 1) return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.015s' }]);
      return HttpResponse.json(geminiAnswer());
    }));
    await client({}, events).generate({ prompt: 'x' });
    expect(calls).toBe(2);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ delayMs: 15, error: { code: 'rate_limited' } });
  });

  it('scrubs tokens from getAccessToken and the fixed accessToken when an error echoes them', async () => {
    const fresh = 'ya29.fresh-token-from-the-callback-987654';
    server.use(http.post(FLASH, ({ request }) => googleError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials: ${request.headers.get('authorization')?.slice(7)}`)));
    for (const options of [{ accessToken: undefined, getAccessToken: async () => fresh }, {}]) {
      const events: PixmuxEvent[] = [];
      const error = (await client(options, events).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(failureCode(error)).toBe('auth');
      expect(error.message).toMatch(/invalid authentication credentials/);
      for (const text of [error.message, JSON.stringify(error), JSON.stringify(events)]) {
        expect(text).not.toContain(fresh);
        expect(text).not.toContain(TOKEN);
      }
    }
  });

  it('reports a getAccessToken that throws or returns nothing as auth, without sending a request', async () => {
    for (const getAccessToken of [async () => Promise.reject(new Error('metadata server unreachable')), async () => '']) {
      const error = (await client({ accessToken: undefined, getAccessToken }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(failureCode(error)).toBe('auth');
      expect(error.message).toMatch(/getAccessToken (failed: .*metadata server unreachable|returned no token)/);
    }
  });

  it('is passed over without a token or a project; reads GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION; global has no region prefix', async () => {
    const saved = { project: process.env.GOOGLE_CLOUD_PROJECT, location: process.env.GOOGLE_CLOUD_LOCATION };
    try {
      delete process.env.GOOGLE_CLOUD_PROJECT;
      delete process.env.GOOGLE_CLOUD_LOCATION;
      expect(googleVertex({ project: PROJECT }).hasCredentials?.()).toBe(false);
      const noProject = googleVertex({ accessToken: TOKEN });
      expect(noProject.hasCredentials?.()).toBe(false);
      const error = (await createPixmux({ providers: [noProject] }).generate({ prompt: 'x' }).catch((e: unknown) => e)) as PixmuxError;
      expect(error.attempts?.[0]).toMatchObject({ provider: 'google-vertex', skipped: 'missing_credentials' });
      process.env.GOOGLE_CLOUD_PROJECT = 'from-env';
      process.env.GOOGLE_CLOUD_LOCATION = 'global';
      const seen: Seen[] = [];
      server.use(capture('https://aiplatform.googleapis.com/v1/projects/from-env/locations/global/publishers/google/models/gemini-2.5-flash-image:generateContent', seen));
      await createPixmux({ providers: [googleVertex({ accessToken: TOKEN })] }).generate({ prompt: 'x' });
      expect(seen).toHaveLength(1);
      expect(() => googleVertex({ accessToken: TOKEN, location: 'us-central1/../x' })).toThrow(/location must be a region/);
    } finally {
      for (const [name, value] of [['GOOGLE_CLOUD_PROJECT', saved.project], ['GOOGLE_CLOUD_LOCATION', saved.location]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('tiers and prices follow the model', () => {
    expect(googleVertex({ accessToken: TOKEN, project: PROJECT }).tier).toBe('cheap');
    expect(googleVertex({ accessToken: TOKEN, project: PROJECT, model: 'imagen-4.0-ultra-generate-001' }).tier).toBe('premium');
    const base = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, seed: undefined, format: 'png' as const, providerOptions: {} };
    const provider = googleVertex({ accessToken: TOKEN, project: PROJECT });
    expect(provider.price?.('generate', { ...base, n: 3, model: 'imagen-4.0-ultra-generate-001' })).toBeCloseTo(0.18, 6);
    expect(provider.price?.('generate', { ...base, n: 1, model: 'imagen-4.0-generate-001' })).toBe(0.04);
  });
});
