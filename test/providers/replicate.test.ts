import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { replicate, type ReplicateOptions } from '../../providers/replicate/index.js';
import { waitFromThrottleText, mapReplicateError } from '../../providers/replicate/errors.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { expectValidRequestBody, loadSpec, specSkipReason } from '../helpers/openapi.js';
import { rejectionOf as failure } from '../helpers/errors.js';

const server = useMswServer();
const API = 'https://api.replicate.com/v1';
const KEY = 'r8_test_secret_token_123456';
const png = makePng(16, 16);
const input = makePng(8, 8, [10, 200, 10, 255]);
const FLUX = `${API}/models/black-forest-labs/flux-schnell/predictions`;
const RMBG_VERSION = 'a029dff38972b5fda4ec5d75d7d1cd25aeff621d2cf4946a41055d7db66b80bc';
const GFPGAN_VERSION = '9283608cc6b7be6b65a8e44983db012355fde4132009bf99d976b2f0896856a3';
const specMissing = specSkipReason('replicate.yaml');

function client(options: ReplicateOptions = {}, extra: { onEvent?: (event: PixmuxEvent) => void; retries?: number; maxRetryAfterMs?: number } = {}) {
  return createPixmux({
    providers: [replicate({ apiKey: KEY, polling: { initialDelayMs: 2, maxDelayMs: 10 }, ...options })],
    retry: { retries: extra.retries ?? 0, minDelayMs: 1, maxDelayMs: 5, ...(extra.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: extra.maxRetryAfterMs } : {}) },
    ...(extra.onEvent ? { onEvent: extra.onEvent } : {}),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

function prediction(fields: Record<string, unknown>) {
  const id = (fields.id as string | undefined) ?? 'p123';
  return {
    id,
    model: 'black-forest-labs/flux-schnell',
    input: {},
    logs: '',
    error: null,
    output: null,
    urls: { get: `${API}/predictions/${id}`, cancel: `${API}/predictions/${id}/cancel` },
    ...fields,
  };
}

const servePng = (url: string) => http.get(url, () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } }));

/** The Prefer header pattern from the spec's `parameters_prefer_header`. */
function preferPattern(): RegExp {
  const document = loadSpec('replicate.yaml').document as { components: { parameters: { parameters_prefer_header: { schema: { pattern: string } } } } };
  return new RegExp(document.components.parameters.parameters_prefer_header.schema.pattern);
}

/** The code of the provider's own failure, whether the call stopped on it or failed over. */
function providerCode(error: PixmuxError) {
  return error.code === 'all_failed' ? error.attempts?.find((attempt) => attempt.provider === 'replicate')?.error?.code : error.code;
}

describe('replicate: generate', () => {
  it('posts an official-model prediction with Prefer: wait, downloads the output and bills per image', async () => {
    let seen: { url: string; method: string; auth: string | null; prefer: string | null; type: string | null; body: Record<string, unknown> } | undefined;
    server.use(
      http.post(FLUX, async ({ request }) => {
        seen = {
          url: request.url,
          method: request.method,
          auth: request.headers.get('authorization'),
          prefer: request.headers.get('prefer'),
          type: request.headers.get('content-type'),
          body: (await request.json()) as Record<string, unknown>,
        };
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/xezq/out-0.png'], metrics: { predict_time: 0.6 } }), { status: 201 });
      }),
      servePng('https://replicate.delivery/xezq/out-0.png'),
    );
    const result = await client().generate({ prompt: 'a red bicycle', aspectRatio: '16:9', seed: 42 });
    expect(seen).toEqual({
      url: FLUX,
      method: 'POST',
      auth: `Bearer ${KEY}`,
      prefer: 'wait=60',
      type: expect.stringMatching(/^application\/json/),
      body: { input: { prompt: 'a red bicycle', num_outputs: 1, output_format: 'png', aspect_ratio: '16:9', seed: 42 } },
    });
    expect(result.provider).toBe('replicate');
    expect(result.model).toBe('black-forest-labs/flux-schnell');
    expect(result.costUsd).toBe(0.003);
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.metadata).toMatchObject({ predictionId: 'p123', predictTimeSeconds: 0.6 });
    expect(result.warnings).toEqual([]);
  });

  it.skipIf(specMissing)('sends requests that the official OpenAPI file accepts (body and Prefer header)', async () => {
    const bodies: Array<{ path: string; body: Record<string, unknown>; prefer: string | null }> = [];
    server.use(
      http.post(`${API}/models/:owner/:name/predictions`, async ({ request }) => {
        bodies.push({ path: '/models/{model_owner}/{model_name}/predictions', body: (await request.json()) as Record<string, unknown>, prefer: request.headers.get('prefer') });
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/a.png', 'https://replicate.delivery/b.png'] }), { status: 201 });
      }),
      http.post(`${API}/predictions`, async ({ request }) => {
        bodies.push({ path: '/predictions', body: (await request.json()) as Record<string, unknown>, prefer: request.headers.get('prefer') });
        return HttpResponse.json(prediction({ status: 'succeeded', output: 'https://replicate.delivery/a.png' }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
      servePng('https://replicate.delivery/b.png'),
    );
    const px = client();
    await px.generate({ prompt: 'x', n: 2, size: '512x512', format: 'webp' });
    await px.removeBackground({ image: input });
    await px.restoreFace({ image: input, model: `sczhou/codeformer:${'7de2ea26c616d5bf2245ad0d5e24f0ff9a6204578a5c876db53142edd9d2cd56'}` });
    expect(bodies.map((item) => item.path)).toEqual(['/models/{model_owner}/{model_name}/predictions', '/predictions', '/predictions']);
    for (const { path, body, prefer } of bodies) {
      expectValidRequestBody('replicate.yaml', 'post', path, 'application/json', body);
      expect(prefer).toMatch(preferPattern());
    }
    expect(bodies[0]!.body.input).toMatchObject({ num_outputs: 2, aspect_ratio: '1:1', megapixels: '0.25', output_format: 'webp' });
  });

  it('maps sizes and aspect ratios onto the offered aspect ratios, with warnings', async () => {
    const inputs: Array<Record<string, unknown>> = [];
    server.use(
      http.post(FLUX, async ({ request }) => {
        inputs.push(((await request.json()) as { input: Record<string, unknown> }).input);
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/a.png'] }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    const exact = await client().generate({ prompt: 'x', size: '1024x1024', format: 'jpeg' });
    expect(inputs[0]).toMatchObject({ aspect_ratio: '1:1', output_format: 'jpg' });
    expect(inputs[0]).not.toHaveProperty('megapixels');
    expect(exact.warnings.filter((w) => w.startsWith('replicate'))).toEqual([]);
    const odd = await client().generate({ prompt: 'x', size: '1600x1000' });
    expect(inputs[1]).toMatchObject({ aspect_ratio: '3:2' });
    expect(odd.warnings.join()).toMatch(/size 1600x1000 is not offered; asked for aspect_ratio 3:2/);
    const ratio = await client().generate({ prompt: 'x', aspectRatio: '17:9' });
    expect(inputs[2]).toMatchObject({ aspect_ratio: '16:9' });
    expect(ratio.warnings.join()).toMatch(/aspect ratio 17:9 is not offered; using 16:9/);
  });

  it('turns negativePrompt into a warning and passes providerOptions through into input', async () => {
    let body: { input: Record<string, unknown> } | undefined;
    server.use(
      http.post(FLUX, async ({ request }) => {
        body = (await request.json()) as { input: Record<string, unknown> };
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/a.png'] }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    const result = await client().generate({ prompt: 'x', negativePrompt: 'blur', providerOptions: { replicate: { go_fast: false } } });
    expect(body!.input).toEqual({ prompt: 'x', num_outputs: 1, output_format: 'png', go_fast: false });
    expect(result.warnings.join()).toMatch(/negativePrompt is not supported/);
  });

  it('splits n above 4 into bounded predictions', async () => {
    const counts: number[] = [];
    server.use(
      http.post(FLUX, async ({ request }) => {
        const n = ((await request.json()) as { input: { num_outputs: number } }).input.num_outputs;
        counts.push(n);
        return HttpResponse.json(prediction({ status: 'succeeded', output: Array.from({ length: n }, () => 'https://replicate.delivery/a.png') }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    const result = await client().generate({ prompt: 'x', n: 6 });
    expect(counts.sort()).toEqual([2, 4]);
    expect(result.images).toHaveLength(6);
    expect(result.costUsd).toBe(0.018);
  });
});

describe('replicate: removeBackground and restoreFace', () => {
  it('runs the default background remover by version, polls urls.get until it succeeds, bills predict_time', async () => {
    let created: Record<string, unknown> | undefined;
    const polls: string[] = [];
    const statuses = ['processing', 'processing', 'succeeded'];
    server.use(
      http.post(`${API}/predictions`, async ({ request }) => {
        created = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json(prediction({ id: 'rb1', status: 'starting' }), { status: 201 });
      }),
      http.get(`${API}/predictions/rb1`, ({ request }) => {
        polls.push(request.headers.get('authorization') ?? '');
        const status = statuses.shift()!;
        return HttpResponse.json(prediction({ id: 'rb1', model: '851-labs/background-remover', status, ...(status === 'succeeded' ? { output: 'https://replicate.delivery/rb1/out.png', metrics: { predict_time: 2 } } : {}) }));
      }),
      servePng('https://replicate.delivery/rb1/out.png'),
    );
    const result = await client().removeBackground({ image: input });
    expect(created).toEqual({ version: RMBG_VERSION, input: { image: `data:image/png;base64,${toBase64(input)}` } });
    expect(polls).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(result.model).toBe('851-labs/background-remover');
    expect(result.costUsd).toBe(0.00045);
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it("sends GFPGAN's image as `img` and warns that it has no fidelity; CodeFormer gets codeformer_fidelity", async () => {
    const bodies: Array<{ version: string; input: Record<string, unknown> }> = [];
    server.use(
      http.post(`${API}/predictions`, async ({ request }) => {
        bodies.push((await request.json()) as { version: string; input: Record<string, unknown> });
        return HttpResponse.json(prediction({ status: 'succeeded', output: 'https://replicate.delivery/face.png' }), { status: 201 });
      }),
      servePng('https://replicate.delivery/face.png'),
    );
    const gfpgan = await client().restoreFace({ image: input, fidelity: 0.8 });
    expect(bodies[0]).toEqual({ version: GFPGAN_VERSION, input: { img: `data:image/png;base64,${toBase64(input)}` } });
    expect(gfpgan.warnings.join()).toMatch(/tencentarc\/gfpgan has no fidelity setting/);
    expect(gfpgan.model).toBe('tencentarc/gfpgan');
    const codeformer = await client({ models: { restoreFace: 'sczhou/codeformer:7de2ea26c616d5bf2245ad0d5e24f0ff9a6204578a5c876db53142edd9d2cd56' } }).restoreFace({ image: input, fidelity: 0.8 });
    expect(bodies[1]!.input).toEqual({ image: `data:image/png;base64,${toBase64(input)}`, codeformer_fidelity: 0.8 });
    expect(codeformer.warnings).toEqual([]);
  });

  it('runs an official model named by the call on the models endpoint', async () => {
    let url: string | undefined;
    server.use(
      http.post(`${API}/models/:owner/:name/predictions`, ({ request }) => {
        url = request.url;
        return HttpResponse.json(prediction({ status: 'succeeded', output: { image: 'https://replicate.delivery/x.png' } }), { status: 201 });
      }),
      servePng('https://replicate.delivery/x.png'),
    );
    const result = await client().removeBackground({ image: input, model: 'bria/remove-background' });
    expect(url).toBe(`${API}/models/bria/remove-background/predictions`);
    expect(result.model).toBe('bria/remove-background');
  });
});

describe('replicate: async flow', () => {
  it('polls and cancels on the configured baseURL when the returned URLs point elsewhere (proxies), never sending the token off-origin', async () => {
    const PROXY = 'https://replicate-proxy.internal.test/v1';
    const hosts: string[] = [];
    server.use(
      http.post(`${PROXY}/models/black-forest-labs/flux-schnell/predictions`, () =>
        HttpResponse.json(prediction({ id: 'px1', status: 'starting', urls: { get: 'https://evil.test/predictions/px1', cancel: 'https://evil.test/predictions/px1/cancel' } }), { status: 201 }),
      ),
      http.get(`${PROXY}/predictions/px1`, ({ request }) => {
        hosts.push(new URL(request.url).host);
        return HttpResponse.json(prediction({ id: 'px1', status: 'succeeded', output: ['https://replicate.delivery/a.png'] }));
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    const result = await client({ baseURL: PROXY }).generate({ prompt: 'x' });
    expect(hosts).toEqual(['replicate-proxy.internal.test']);
    expect(result.images).toHaveLength(1);
  });

  it('cancels a prediction that outlives the deadline and fails with timeout', async () => {
    let cancelled!: () => void;
    const cancelSeen = new Promise<void>((resolve) => (cancelled = resolve));
    let prefer: string | null | undefined;
    let cancelAuth: string | null = null;
    server.use(
      http.post(FLUX, ({ request }) => {
        prefer = request.headers.get('prefer');
        return HttpResponse.json(prediction({ id: 'slow', status: 'starting' }), { status: 201 });
      }),
      http.get(`${API}/predictions/slow`, () => HttpResponse.json(prediction({ id: 'slow', status: 'processing' }))),
      http.post(`${API}/predictions/slow/cancel`, ({ request }) => {
        cancelAuth = request.headers.get('authorization');
        cancelled();
        return HttpResponse.json(prediction({ id: 'slow', status: 'canceled' }));
      }),
    );
    const error = await failure(client().generate({ prompt: 'x', timeoutMs: 400 }));
    expect(error.code).toBe('timeout');
    await cancelSeen;
    expect(cancelAuth).toBe(`Bearer ${KEY}`);
    // 400 ms leaves no room for Prefer: wait inside the deadline.
    expect(prefer).toBeNull();
  });

  it("cancels when the caller's signal aborts and fails with aborted", async () => {
    let cancelled!: () => void;
    const cancelSeen = new Promise<void>((resolve) => (cancelled = resolve));
    const controller = new AbortController();
    server.use(
      http.post(FLUX, () => HttpResponse.json(prediction({ id: 'mine', status: 'processing' }), { status: 201 })),
      http.get(`${API}/predictions/mine`, () => {
        controller.abort();
        return HttpResponse.json(prediction({ id: 'mine', status: 'processing' }));
      }),
      http.post(`${API}/predictions/mine/cancel`, () => {
        cancelled();
        return HttpResponse.json(prediction({ id: 'mine', status: 'canceled' }));
      }),
    );
    const error = await failure(client().generate({ prompt: 'x', signal: controller.signal }));
    expect(error.code).toBe('aborted');
    await cancelSeen;
  });

  it('keeps Prefer: wait inside the remaining deadline and the request timeout', async () => {
    let prefer: string | null = null;
    server.use(
      http.post(FLUX, ({ request }) => {
        prefer = request.headers.get('prefer');
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/a.png'] }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    await client().generate({ prompt: 'x', timeoutMs: 10_500 });
    expect(prefer).toMatch(/^wait=(7|8)$/);
    await client({ requestTimeoutMs: 20_000 }).generate({ prompt: 'x' });
    expect(prefer).toBe('wait=18');
    await client({ waitSeconds: 0 }).generate({ prompt: 'x' });
    expect(prefer).toBeNull();
  });

  it('fails with bad_response when an output file cannot be downloaded', async () => {
    server.use(
      http.post(FLUX, () => HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/gone.png'] }), { status: 201 })),
      http.get('https://replicate.delivery/gone.png', () => new HttpResponse(null, { status: 404 })),
    );
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it('a canceled prediction (by someone else) is a typed provider_error', async () => {
    server.use(http.post(FLUX, () => HttpResponse.json(prediction({ status: 'canceled' }), { status: 201 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('provider_error');
    expect(error.attempts?.[0]?.error?.message).toMatch(/was canceled at the vendor/);
  });

  it('keeps polling through a 429 while polling, after the wait the detail text names', async () => {
    let looks = 0;
    server.use(
      http.post(FLUX, () => HttpResponse.json(prediction({ id: 'busy', status: 'starting' }), { status: 201 })),
      http.get(`${API}/predictions/busy`, () => {
        looks += 1;
        if (looks === 1) return HttpResponse.json({ detail: 'Request was throttled. Your rate limit resets in ~0.02s.' }, { status: 429 });
        return HttpResponse.json(prediction({ id: 'busy', status: 'succeeded', output: ['https://replicate.delivery/a.png'] }));
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    const result = await client().generate({ prompt: 'x' });
    expect(looks).toBe(2);
    expect(result.images).toHaveLength(1);
  });
});

describe('replicate: errors', () => {
  it.each([
    [401, 'auth', { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 }],
    [402, 'insufficient_credits', { title: 'Payment required', detail: 'You have insufficient credit to run this model.', status: 402 }],
    [422, 'provider_unavailable', { title: 'Invalid version or not permitted', detail: 'The specified version does not exist (or perhaps you don\'t have permission to use it?)', status: 422 }],
    [422, 'invalid_request', { title: 'Input validation failed', detail: '- input.num_outputs: Must be less than or equal to 4', status: 422 }],
    [500, 'provider_error', { detail: 'Internal server error' }],
  ])('maps HTTP %i to %s', async (status, code, body) => {
    server.use(http.post(FLUX, () => HttpResponse.json(body, { status })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe(code);
  });

  it('maps 429 to rate_limited with the wait parsed from the detail text, and retries after it', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(FLUX, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ detail: 'Request was throttled. Your rate limit resets in ~0.03s.' }, { status: 429 });
        return HttpResponse.json(prediction({ status: 'succeeded', output: ['https://replicate.delivery/a.png'] }), { status: 201 });
      }),
      servePng('https://replicate.delivery/a.png'),
    );
    await client({}, { retries: 1, onEvent: (event) => events.push(event) }).generate({ prompt: 'x' });
    const retry = events.find((event) => event.type === 'retry.scheduled') as Extract<PixmuxEvent, { type: 'retry.scheduled' }> | undefined;
    expect(retry?.delayMs).toBe(30);
    expect(retry?.error.code).toBe('rate_limited');
  });

  it('reads the documented throttle text: "resets in ~30s" is 30 seconds', () => {
    expect(waitFromThrottleText('Request was throttled. Your rate limit resets in ~30s.')).toBe(30_000);
    expect(waitFromThrottleText('Request was throttled. Expected available in 2 minutes; resets in 2 minutes')).toBe(120_000);
    expect(waitFromThrottleText('Request was throttled.')).toBeUndefined();
    const failure429 = { status: 429, headers: new Headers(), body: { detail: 'Request was throttled. Your rate limit resets in ~30s.' }, vendorMessage: 'Request was throttled. Your rate limit resets in ~30s.', vendorCode: undefined };
    expect(mapReplicateError(failure429)).toEqual({ retryAfterMs: 30_000 });
  });

  it('maps a prediction that failed with an NSFW error to content_policy and stops there', async () => {
    server.use(http.post(FLUX, () => HttpResponse.json(prediction({ status: 'failed', error: 'NSFW content detected. Try running it again, or try a different prompt.' }), { status: 201 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
    expect(error.retryable).toBe(false);
  });

  it('maps any other failed prediction to provider_error', async () => {
    server.use(http.post(FLUX, () => HttpResponse.json(prediction({ status: 'failed', error: 'CUDA error: device-side assert triggered' }), { status: 201 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('provider_error');
  });

  it.each([
    ['a body that is not JSON', () => new HttpResponse('<html>oops</html>', { status: 201, headers: { 'content-type': 'text/html' } })],
    ['an empty body', () => new HttpResponse(null, { status: 201 })],
    ['a succeeded prediction without output', () => HttpResponse.json(prediction({ status: 'succeeded', output: null }), { status: 201 })],
    ['an unknown status', () => HttpResponse.json(prediction({ status: 'exploded' }), { status: 201 })],
  ])('maps %s to bad_response, never an empty success', async (_name, reply) => {
    server.use(http.post(FLUX, reply));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it('never lets the token into errors', async () => {
    server.use(http.post(FLUX, () => HttpResponse.json({ detail: `Invalid token ${KEY}` }, { status: 401 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(error.attempts?.[0]?.error?.message).toContain('[redacted]');
  });

  it('has no credentials without REPLICATE_API_TOKEN, and reads it from the environment', async () => {
    vi.stubEnv('REPLICATE_API_TOKEN', '');
    const error = await failure(createPixmux({ providers: [replicate()] }).generate({ prompt: 'x' }));
    expect(error.code).toBe('unsupported');
    expect(error.attempts?.[0]?.skipped).toBe('missing_credentials');
    vi.stubEnv('REPLICATE_API_TOKEN', 'r8_from_env_abcdef');
    expect(replicate().hasCredentials?.()).toBe(true);
    vi.unstubAllEnvs();
  });

  it('rejects a model id it cannot route, through supports()', async () => {
    const error = await failure(client().generate({ prompt: 'x', model: 'not a model' }));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/owner\/name/);
  });

  it('estimates the price before the call from the table, overridable', () => {
    const provider = replicate({ apiKey: KEY, prices: { 'tencentarc/gfpgan': { perImage: 0.01 } } });
    const generate = { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 3, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', generate)).toBe(0.009);
    const image = { bytes: input, mediaType: 'image/png', width: 8, height: 8 };
    expect(provider.price?.('restoreFace', { image, fidelity: 0.5, format: 'png', model: undefined, providerOptions: {} })).toBe(0.01);
    // Billed by run time (T4, typically 3 s): the estimate is a bound, not the mean — the deadline left when known,
    // else four times the typical run.
    const removeBackground = { image, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('removeBackground', removeBackground)).toBe(0.0027);
    expect(provider.price?.('removeBackground', removeBackground, { remainingMs: 10_000 })).toBe(0.00225);
  });
});
