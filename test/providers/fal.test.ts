import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, PixmuxError, type PixmuxEvent } from 'pixmux';
import { fal, type FalOptions } from '../../providers/fal/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { rejectionOf as failure } from '../helpers/errors.js';

const server = useMswServer();
const QUEUE = 'https://queue.fal.run';
const KEY = 'fal-test-key-0123456789:abcdef';
const png = makePng(16, 16);
const input = makePng(8, 8, [10, 200, 10, 255]);
const dataUri = `data:image/png;base64,${toBase64(input)}`;

function client(options: FalOptions = {}, extra: { onEvent?: (event: PixmuxEvent) => void; retries?: number } = {}) {
  return createPixmux({
    providers: [fal({ apiKey: KEY, polling: { initialDelayMs: 2, maxDelayMs: 10 }, ...options })],
    retry: { retries: extra.retries ?? 0, minDelayMs: 1, maxDelayMs: 5 },
    ...(extra.onEvent ? { onEvent: extra.onEvent } : {}),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

/** The documented submit reply for a model, with its own status, result and cancel URLs. */
function accepted(model: string, requestId: string) {
  const [owner, name] = model.split('/');
  const root = `${QUEUE}/${owner}/${name}/requests/${requestId}`;
  return { request_id: requestId, status: 'IN_QUEUE', status_url: `${root}/status`, response_url: root, cancel_url: `${root}/cancel`, queue_position: 0 };
}

/** A queue that answers the given statuses in turn, then the result. */
function queue(model: string, requestId: string, result: Record<string, unknown>, statuses: string[] = ['IN_PROGRESS', 'COMPLETED'], seen?: { submit?: { url: string; auth: string | null; type: string | null; body: unknown }; statusAuth?: string[] }) {
  const [owner, name] = model.split('/');
  const root = `${QUEUE}/${owner}/${name}/requests/${requestId}`;
  const left = [...statuses];
  return [
    http.post(`${QUEUE}/${model}`, async ({ request }) => {
      if (seen) seen.submit = { url: request.url, auth: request.headers.get('authorization'), type: request.headers.get('content-type'), body: await request.json() };
      return HttpResponse.json(accepted(model, requestId));
    }),
    http.get(`${root}/status`, ({ request }) => {
      seen?.statusAuth?.push(request.headers.get('authorization') ?? '');
      const status = left.length > 1 ? left.shift()! : left[0]!;
      return HttpResponse.json({ status, ...(status === 'IN_QUEUE' ? { queue_position: 3 } : {}) }, { status: status === 'COMPLETED' ? 200 : 202 });
    }),
    http.get(root, () => HttpResponse.json(result)),
  ];
}

const servePng = (url: string) => http.get(url, () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } }));

function providerCode(error: PixmuxError) {
  return error.code === 'all_failed' ? error.attempts?.find((attempt) => attempt.provider === 'fal')?.error?.code : error.code;
}

describe('fal: generate', () => {
  it('submits to the queue with Key auth, polls status_url, fetches response_url, downloads and bills per megapixel', async () => {
    const seen: { submit?: { url: string; auth: string | null; type: string | null; body: unknown }; statusAuth: string[] } = { statusAuth: [] };
    server.use(
      ...queue('fal-ai/flux/schnell', 'r1', { images: [{ url: 'https://v3.fal.media/files/lion/a.png', width: 1024, height: 768, content_type: 'image/png' }], seed: 7, has_nsfw_concepts: [false], timings: { inference: 0.4 } }, ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'], seen),
      servePng('https://v3.fal.media/files/lion/a.png'),
    );
    const result = await client().generate({ prompt: 'a red bicycle', seed: 7 });
    expect(seen.submit).toEqual({
      url: `${QUEUE}/fal-ai/flux/schnell`,
      auth: `Key ${KEY}`,
      type: expect.stringMatching(/^application\/json/),
      body: { prompt: 'a red bicycle', num_images: 1, seed: 7, output_format: 'png' },
    });
    expect(seen.statusAuth).toEqual([`Key ${KEY}`, `Key ${KEY}`, `Key ${KEY}`]);
    expect(result.provider).toBe('fal');
    expect(result.model).toBe('fal-ai/flux/schnell');
    expect(result.images[0]!.bytes).toEqual(png);
    // 1024×768 = 0.786 MP at $0.003 per MP.
    expect(result.costUsd).toBe(0.002359);
  });

  it('maps size, aspect ratio and format onto image_size and output_format, with warnings for what it lacks', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    let n = 0;
    server.use(
      http.post(`${QUEUE}/fal-ai/flux/schnell`, async ({ request }) => {
        bodies.push((await request.json()) as Record<string, unknown>);
        return HttpResponse.json(accepted('fal-ai/flux/schnell', `s${++n}`));
      }),
      http.get(`${QUEUE}/fal-ai/flux/requests/:id/status`, () => HttpResponse.json({ status: 'COMPLETED' })),
      http.get(`${QUEUE}/fal-ai/flux/requests/:id`, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/b.png' }] })),
      servePng('https://v3.fal.media/files/b.png'),
    );
    await client().generate({ prompt: 'x', size: '800x600', format: 'jpeg' });
    await client().generate({ prompt: 'x', aspectRatio: '16:9' });
    const odd = await client().generate({ prompt: 'x', aspectRatio: '21:9', format: 'webp', negativePrompt: 'blur' });
    expect(bodies[0]).toMatchObject({ image_size: { width: 800, height: 600 }, output_format: 'jpeg' });
    expect(bodies[1]).toMatchObject({ image_size: 'landscape_16_9' });
    expect(bodies[2]).toMatchObject({ image_size: { width: 1536, height: 640 }, output_format: 'png' });
    expect(bodies[2]).not.toHaveProperty('negative_prompt');
    expect(odd.warnings.join('\n')).toMatch(/asked for png instead of webp/);
    expect(odd.warnings.join('\n')).toMatch(/negativePrompt is not supported/);
  });

  it('builds the status, result and cancel URLs without the subpath when the submit reply lacks them', async () => {
    server.use(
      http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json({ request_id: 'bare' })),
      http.get(`${QUEUE}/fal-ai/flux/requests/bare/status`, () => HttpResponse.json({ status: 'COMPLETED' })),
      http.get(`${QUEUE}/fal-ai/flux/requests/bare`, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/c.png' }] })),
      servePng('https://v3.fal.media/files/c.png'),
    );
    const result = await client().generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
  });

  it('follows the returned URLs only on the configured queue origin, building them on baseURL otherwise', async () => {
    const PROXY = 'https://fal-proxy.internal.test';
    const hosts: string[] = [];
    server.use(
      http.post(`${PROXY}/fal-ai/flux/schnell`, () => HttpResponse.json({ ...accepted('fal-ai/flux/schnell', 'px'), status_url: 'https://evil.test/s', response_url: 'https://evil.test/r' })),
      http.get(`${PROXY}/fal-ai/flux/requests/px/status`, ({ request }) => {
        hosts.push(new URL(request.url).host);
        return HttpResponse.json({ status: 'COMPLETED' });
      }),
      http.get(`${PROXY}/fal-ai/flux/requests/px`, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/c.png' }] })),
      servePng('https://v3.fal.media/files/c.png'),
    );
    const result = await client({ baseURL: PROXY }).generate({ prompt: 'x' });
    expect(hosts).toEqual(['fal-proxy.internal.test']);
    expect(result.images).toHaveLength(1);
  });

  it('decodes data URIs returned with sync_mode', async () => {
    server.use(...queue('fal-ai/flux/schnell', 'sync', { images: [{ url: `data:image/png;base64,${toBase64(png)}` }] }));
    const result = await client().generate({ prompt: 'x', providerOptions: { fal: { sync_mode: true } } });
    expect(result.images[0]!.bytes).toEqual(png);
  });

  it('leaves out images the safety checker flagged, with a warning; all flagged is content_policy', async () => {
    server.use(
      ...queue('fal-ai/flux/schnell', 'nsfw', { images: [{ url: 'https://v3.fal.media/files/ok.png' }, { url: 'https://v3.fal.media/files/black.png' }], has_nsfw_concepts: [false, true] }),
      servePng('https://v3.fal.media/files/ok.png'),
    );
    const partial = await client().generate({ prompt: 'x', n: 2 });
    expect(partial.images).toHaveLength(1);
    expect(partial.warnings.join()).toMatch(/1 of 2 images were flagged/);
    server.use(...queue('fal-ai/flux/schnell', 'nsfw2', { images: [{ url: 'https://v3.fal.media/files/black.png' }], has_nsfw_concepts: [true] }));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
  });
});

describe('fal: removeBackground and restoreFace', () => {
  it('sends the image as a data URI to BiRefNet and reads `image`', async () => {
    const seen: { submit?: { url: string; auth: string | null; type: string | null; body: unknown }; statusAuth: string[] } = { statusAuth: [] };
    server.use(...queue('fal-ai/birefnet', 'bg', { image: { url: 'https://v3.fal.media/files/cut.png', content_type: 'image/png', width: 8, height: 8 } }, ['COMPLETED'], seen), servePng('https://v3.fal.media/files/cut.png'));
    const result = await client().removeBackground({ image: input });
    expect(seen.submit?.url).toBe(`${QUEUE}/fal-ai/birefnet`);
    expect(seen.submit?.body).toEqual({ image_url: dataUri });
    expect(result.model).toBe('fal-ai/birefnet');
    expect(result.costUsd).toBe(0);
  });

  it('sends fidelity to CodeFormer, and warns for a model without it', async () => {
    const seen: { submit?: { url: string; auth: string | null; type: string | null; body: unknown }; statusAuth: string[] } = { statusAuth: [] };
    server.use(...queue('fal-ai/codeformer', 'cf', { image: { url: 'https://v3.fal.media/files/face.png' }, seed: 1 }, ['COMPLETED'], seen), servePng('https://v3.fal.media/files/face.png'));
    const result = await client().restoreFace({ image: input, fidelity: 0.7 });
    expect(seen.submit?.body).toEqual({ image_url: dataUri, fidelity: 0.7 });
    expect(result.warnings).toEqual([]);
    expect(result.costUsd).toBe(0); // 64 pixels at $0.0021 per MP rounds to nothing

    server.use(...queue('fal-ai/gfpgan', 'gf', { image: { url: 'https://v3.fal.media/files/face.png' } }, ['COMPLETED'], seen));
    const other = await client().restoreFace({ image: input, fidelity: 0.7, model: 'fal-ai/gfpgan' });
    expect(seen.submit?.body).toEqual({ image_url: dataUri });
    expect(other.warnings.join()).toMatch(/fal-ai\/gfpgan has no fidelity setting/);
  });
});

describe('fal: async flow', () => {
  it('cancels a request that outlives the deadline (PUT cancel_url) and fails with timeout', async () => {
    let cancelled!: (auth: string | null) => void;
    const cancelSeen = new Promise<string | null>((resolve) => (cancelled = resolve));
    server.use(
      ...queue('fal-ai/flux/schnell', 'slow', {}, ['IN_QUEUE']),
      http.put(`${QUEUE}/fal-ai/flux/requests/slow/cancel`, ({ request }) => {
        cancelled(request.headers.get('authorization'));
        return HttpResponse.json({ status: 'CANCELED', request_id: 'slow' });
      }),
    );
    const error = await failure(client().generate({ prompt: 'x', timeoutMs: 400 }));
    expect(error.code).toBe('timeout');
    expect(await cancelSeen).toBe(`Key ${KEY}`);
  });

  it("cancels when the caller's signal aborts and fails with aborted", async () => {
    let cancelled!: () => void;
    const cancelSeen = new Promise<void>((resolve) => (cancelled = resolve));
    const controller = new AbortController();
    server.use(
      http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json(accepted('fal-ai/flux/schnell', 'mine'))),
      http.get(`${QUEUE}/fal-ai/flux/requests/mine/status`, () => {
        controller.abort();
        return HttpResponse.json({ status: 'IN_PROGRESS' });
      }),
      http.put(`${QUEUE}/fal-ai/flux/requests/mine/cancel`, () => {
        cancelled();
        return HttpResponse.json({ status: 'CANCELED' });
      }),
    );
    const error = await failure(client().generate({ prompt: 'x', signal: controller.signal }));
    expect(error.code).toBe('aborted');
    await cancelSeen;
  });

  it('fails with bad_response when a result URL cannot be downloaded', async () => {
    server.use(...queue('fal-ai/flux/schnell', 'gone', { images: [{ url: 'https://v3.fal.media/files/gone.png' }] }), http.get('https://v3.fal.media/files/gone.png', () => new HttpResponse(null, { status: 403 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it('a FAILED request is a typed provider_error', async () => {
    server.use(...queue('fal-ai/flux/schnell', 'f', {}, ['FAILED']));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('provider_error');
    expect(error.attempts?.[0]?.error?.message).toMatch(/ended as FAILED/);
  });

  it('a COMPLETED request whose result is an error is a typed provider_error', async () => {
    server.use(...queue('fal-ai/flux/schnell', 'e', { detail: 'Internal error while running the model' }, ['COMPLETED']));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('provider_error');
    expect(error.attempts?.[0]?.error?.message).toMatch(/completed with an error: Internal error/);
  });
});

describe('fal: errors', () => {
  const policyBody = { detail: [{ loc: ['body', 'prompt'], msg: 'The content was flagged by the content checker.', type: 'content_policy_violation', ctx: { categories: ['sexual'] } }] };

  it.each([
    [401, 'auth', { detail: 'Invalid API key' }],
    [403, 'insufficient_credits', { detail: 'User is locked. Reason: Exhausted balance' }],
    [402, 'insufficient_credits', { detail: 'Payment required' }],
    [422, 'content_policy', policyBody],
    [422, 'invalid_request', { detail: [{ loc: ['body', 'num_images'], msg: 'ensure this value is less than or equal to 4', type: 'value_error.number.not_le' }] }],
    [500, 'provider_error', { detail: 'Internal Server Error' }],
  ])('maps HTTP %i on submit to %s', async (status, code, body) => {
    server.use(http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json(body, { status })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe(code);
  });

  it('maps a 422 content_policy_violation on the result to content_policy', async () => {
    server.use(
      http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json(accepted('fal-ai/flux/schnell', 'p'))),
      http.get(`${QUEUE}/fal-ai/flux/requests/p/status`, () => HttpResponse.json({ status: 'COMPLETED' })),
      http.get(`${QUEUE}/fal-ai/flux/requests/p`, () => HttpResponse.json(policyBody, { status: 422 })),
    );
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(error.code).toBe('content_policy');
    expect(error.message).toMatch(/flagged by the content checker/);
  });

  it('maps 429 to rate_limited and retries after Retry-After', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    server.use(
      http.post(`${QUEUE}/fal-ai/flux/schnell`, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ detail: 'Too many concurrent requests' }, { status: 429, headers: { 'retry-after': '0.02' } });
        return HttpResponse.json(accepted('fal-ai/flux/schnell', 'rl'));
      }),
      http.get(`${QUEUE}/fal-ai/flux/requests/rl/status`, () => HttpResponse.json({ status: 'COMPLETED' })),
      http.get(`${QUEUE}/fal-ai/flux/requests/rl`, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/d.png' }] })),
      servePng('https://v3.fal.media/files/d.png'),
    );
    await client({}, { retries: 1, onEvent: (event) => events.push(event) }).generate({ prompt: 'x' });
    const retry = events.find((event) => event.type === 'retry.scheduled') as Extract<PixmuxEvent, { type: 'retry.scheduled' }> | undefined;
    expect(retry?.error.code).toBe('rate_limited');
    expect(retry?.delayMs).toBe(20);
  });

  it.each([
    ['a submit reply that is not JSON', [http.post(`${QUEUE}/fal-ai/flux/schnell`, () => new HttpResponse('<html></html>', { headers: { 'content-type': 'text/html' } }))]],
    ['a submit reply without request_id', [http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json({ status: 'IN_QUEUE' }))]],
    ['an empty result', queue('fal-ai/flux/schnell', 'empty', { images: [] }, ['COMPLETED'])],
    ['a result with no image', queue('fal-ai/flux/schnell', 'none', { seed: 1 }, ['COMPLETED'])],
    ['an unknown queue status', queue('fal-ai/flux/schnell', 'odd', {}, ['EXPLODED'])],
  ])('maps %s to bad_response, never an empty success', async (_name, handlers) => {
    server.use(...handlers);
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(providerCode(error)).toBe('bad_response');
  });

  it('never lets the key into errors', async () => {
    server.use(http.post(`${QUEUE}/fal-ai/flux/schnell`, () => HttpResponse.json({ detail: `Invalid key ${KEY}` }, { status: 401 })));
    const error = await failure(client().generate({ prompt: 'x' }));
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('has no credentials without FAL_KEY', async () => {
    vi.stubEnv('FAL_KEY', '');
    const error = await failure(createPixmux({ providers: [fal()] }).generate({ prompt: 'x' }));
    expect(error.code).toBe('unsupported');
    expect(error.attempts?.[0]?.skipped).toBe('missing_credentials');
    vi.stubEnv('FAL_KEY', 'fal-from-env-123456');
    expect(fal().hasCredentials?.()).toBe(true);
    vi.unstubAllEnvs();
  });

  it('estimates the price before the call: per megapixel of the asked size, overridable', () => {
    const provider = fal({ apiKey: KEY, prices: { 'fal-ai/birefnet': { perImage: 0.002 } } });
    const generate = { prompt: 'x', negativePrompt: undefined, size: { width: 1024, height: 1024 }, aspectRatio: undefined, n: 2, seed: undefined, format: 'png' as const, model: undefined, providerOptions: {} };
    expect(provider.price?.('generate', generate)).toBe(0.006291);
    expect(provider.price?.('generate', { ...generate, size: undefined })).toBe(0.004719);
    const image = { bytes: input, mediaType: 'image/png', width: 2000, height: 1000 };
    expect(provider.price?.('removeBackground', { image, format: 'png', model: undefined, providerOptions: {} })).toBe(0.002);
    expect(provider.price?.('restoreFace', { image, fidelity: 0.5, format: 'png', model: undefined, providerOptions: {} })).toBe(0.0042);
  });
});
