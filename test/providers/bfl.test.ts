import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createPixmux, sleep, type NormalizedGenerateRequest, type PixmuxEvent } from 'pixmux';
import { bfl, DEFAULT_BFL_MODEL, type BflOptions } from '../../providers/bfl/index.js';
import { pollingUrlFor } from '../../providers/bfl/polling-url.js';
import { makePng } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { expectValidRequestBody, specSkipReason } from '../helpers/openapi.js';
import { failureCode, rejectionOf } from '../helpers/errors.js';

const server = useMswServer();
const API = 'https://api.bfl.ai/v1';
const KEY = 'bfl_test_secret_key_0123456789abcdef';
const png = makePng(16, 16);
const SPEC_MISSING = specSkipReason('bfl.yaml');
/** A signed delivery URL like the ones BFL returns (valid for about ten minutes). */
const SAMPLE = 'https://delivery-eu1.bfl.ai/results/ab/12/sample.png?se=2026-11-30T04%3A10%3A00Z&sig=c2lnbmF0dXJl';

function client(options: BflOptions = {}, extra: { events?: PixmuxEvent[]; retries?: number } = {}) {
  return createPixmux({
    providers: [bfl({ apiKey: KEY, polling: { initialDelayMs: 2, maxDelayMs: 10 }, ...options })],
    retry: { retries: extra.retries ?? 0, minDelayMs: 1, maxDelayMs: 5 },
    ...(extra.events ? { onEvent: (event: PixmuxEvent) => extra.events!.push(event) } : {}),
    // Result URLs on msw's made-up hosts: no resolver knows them, so the public-network check is lifted here.
    input: { urls: { allowPrivateNetwork: true } },
  });
}

const servePng = (url: string) => http.get(url.split('?')[0]!, () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } }));

/** A submit endpoint that answers with a task id and its polling URL on `pollBase`; records each body. */
function submit(model: string, bodies: Array<Record<string, unknown>> = [], reply: (id: string) => Record<string, unknown> = (id) => ({ id, polling_url: `${API}/get_result?id=${id}` })) {
  return http.post(`${API}/${model}`, async ({ request }) => {
    bodies.push((await request.json()) as Record<string, unknown>);
    return HttpResponse.json(reply(`task-${bodies.length}`));
  });
}

/** `get_result` answering each task with the statuses given in turn (the last one repeats). */
function results(statuses: string[], extra: Record<string, unknown> = {}, host = API) {
  const looks = new Map<string, number>();
  const polls: Array<{ id: string | null; key: string | null }> = [];
  const handler = http.get(`${host}/get_result`, ({ request }) => {
    const id = new URL(request.url).searchParams.get('id');
    polls.push({ id, key: request.headers.get('x-key') });
    const look = looks.get(id ?? '') ?? 0;
    looks.set(id ?? '', look + 1);
    const status = statuses[Math.min(look, statuses.length - 1)]!;
    return HttpResponse.json({ id, status, result: status === 'Ready' ? { sample: SAMPLE, prompt: 'x', seed: 1 } : null, progress: status === 'Pending' ? 0.4 : null, details: null, preview: null, ...extra });
  });
  return { handler, polls };
}

function request(fields: Partial<NormalizedGenerateRequest> = {}): NormalizedGenerateRequest {
  return { prompt: 'x', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, format: 'png', model: undefined, providerOptions: {}, ...fields };
}

describe('bfl: generate', () => {
  it('submits with x-key, polls the returned regional polling_url until Ready, downloads the sample and bills the credits', async () => {
    let seen: { url: string; key: string | null; type: string | null; body: Record<string, unknown> } | undefined;
    const { handler, polls } = results(['Pending', 'Pending', 'Ready'], {}, 'https://api.eu.bfl.ai/v1');
    server.use(
      http.post(`${API}/flux-2-pro`, async ({ request }) => {
        seen = { url: request.url, key: request.headers.get('x-key'), type: request.headers.get('content-type'), body: (await request.json()) as Record<string, unknown> };
        return HttpResponse.json({ id: 'task-eu', polling_url: 'https://api.eu.bfl.ai/v1/get_result?id=task-eu', cost: 3, input_mp: 0, output_mp: 0.79 });
      }),
      handler,
      servePng(SAMPLE),
    );
    const result = await client().generate({ prompt: 'a red bicycle', size: '1024x768', seed: 42 });
    expect(seen).toEqual({
      url: `${API}/flux-2-pro`,
      key: KEY,
      type: expect.stringMatching(/^application\/json/),
      body: { prompt: 'a red bicycle', width: 1024, height: 768, output_format: 'png', seed: 42 },
    });
    expect(polls).toEqual([
      { id: 'task-eu', key: KEY },
      { id: 'task-eu', key: KEY },
      { id: 'task-eu', key: KEY },
    ]);
    expect(result.provider).toBe('bfl');
    expect(result.model).toBe(DEFAULT_BFL_MODEL);
    expect(result.images[0]!.bytes).toEqual(png);
    expect(result.costUsd).toBe(0.03);
    expect(result.metadata).toMatchObject({ taskId: 'task-eu', credits: 3 });
    expect(result.warnings).toEqual([]);
  });

  it.skipIf(SPEC_MISSING)('sends bodies the saved spec accepts, for pixel and aspect-ratio endpoints', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const ultra: Array<Record<string, unknown>> = [];
    const { handler } = results(['Ready']);
    server.use(submit('flux-2-pro', bodies), submit('flux-pro-1.1-ultra', ultra), handler, servePng(SAMPLE));
    await client().generate({ prompt: 'x', aspectRatio: '16:9', format: 'jpeg', providerOptions: { bfl: { safety_tolerance: 2, prompt_upsampling: true } } });
    await client({ model: 'flux-pro-1.1-ultra' }).generate({ prompt: 'x', aspectRatio: '21:9', seed: 1 });
    expectValidRequestBody('bfl.yaml', 'post', '/v1/flux-2-pro', 'application/json', bodies[0]!);
    expectValidRequestBody('bfl.yaml', 'post', '/v1/flux-pro-1.1-ultra', 'application/json', ultra[0]!);
    expect(bodies[0]).toEqual({ prompt: 'x', width: 1360, height: 768, output_format: 'jpeg', safety_tolerance: 2, prompt_upsampling: true });
    expect(ultra[0]).toEqual({ prompt: 'x', aspect_ratio: '21:9', output_format: 'png', seed: 1 });
  });

  it('fits sizes to each endpoint: multiples of 16 up to 4 MP (FLUX.2), of 32 up to 1440 (FLUX 1.1), ratios for Ultra and Kontext', async () => {
    const flux2: Array<Record<string, unknown>> = [];
    const flux11: Array<Record<string, unknown>> = [];
    const kontext: Array<Record<string, unknown>> = [];
    const { handler } = results(['Ready']);
    server.use(submit('flux-2-pro', flux2), submit('flux-pro-1.1', flux11), submit('flux-kontext-pro', kontext), handler, servePng(SAMPLE));
    const odd = await client().generate({ prompt: 'x', size: '1000x700' });
    expect(flux2[0]).toMatchObject({ width: 1008, height: 704 });
    expect(odd.warnings.join()).toMatch(/size 1000x700 is not offered .*sent 1008x704/);
    await client().generate({ prompt: 'x', size: '4096x4096' });
    expect(flux2[1]).toMatchObject({ width: 2048, height: 2048 });
    const big = await client({ model: 'flux-pro-1.1' }).generate({ prompt: 'x', size: '2048x1024' });
    expect(flux11[0]).toMatchObject({ width: 1440, height: 1024 });
    expect(big.warnings.join()).toMatch(/multiples of 32, 256–1440/);
    const sized = await client({ model: 'flux-kontext-pro' }).generate({ prompt: 'x', size: '1600x1000' });
    expect(kontext[0]).toEqual({ prompt: 'x', aspect_ratio: '8:5', output_format: 'png' });
    expect(sized.warnings.join()).toMatch(/takes an aspect ratio, not a pixel size; sent aspect_ratio 8:5/);
    const wide = await client({ model: 'flux-kontext-pro' }).generate({ prompt: 'x', aspectRatio: '3:1' });
    expect(kontext[1]).toMatchObject({ aspect_ratio: '7:3' });
    expect(wide.warnings.join()).toMatch(/aspect ratio 3:1 is outside 7:3 to 3:7; sent 7:3/);
    await client({ model: 'flux-kontext-pro' }).generate({ prompt: 'x', aspectRatio: '1:4' });
    expect(kontext[2]).toMatchObject({ aspect_ratio: '3:7' });
    await client().generate({ prompt: 'x' });
    expect(flux2[2]).toEqual({ prompt: 'x', output_format: 'png' });
  });

  it('runs one task per image with advancing seeds', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const { handler } = results(['Ready']);
    server.use(submit('flux-2-pro', bodies), handler, servePng(SAMPLE));
    const result = await client().generate({ prompt: 'x', n: 3, seed: 5 });
    expect(bodies.map((body) => body.seed).sort()).toEqual([5, 6, 7]);
    expect(result.images).toHaveLength(3);
    // No `cost` in the replies: the table's 3 credits per image.
    expect(result.costUsd).toBe(0.09);
  });

  it('warns about negativePrompt, passes providerOptions through, checks safety_tolerance and output_format', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const { handler } = results(['Ready']);
    server.use(submit('flux-2-pro', bodies), handler, servePng(SAMPLE));
    const result = await client().generate({ prompt: 'x', negativePrompt: 'blur', format: 'webp', providerOptions: { bfl: { output_format: 'jpeg', safety_tolerance: 5, seed: 3, prompt: 'y' } } });
    expect(bodies[0]).toEqual({ prompt: 'x', output_format: 'jpeg', safety_tolerance: 5 });
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/takes no negative prompt/), expect.stringMatching(/providerOptions.seed is set by pixmux/), expect.stringMatching(/providerOptions.prompt is set by pixmux/)]));
    for (const bad of [{ safety_tolerance: 9 }, { safety_tolerance: 1.5 }, { output_format: 'gif' }]) {
      const error = await rejectionOf(client().generate({ prompt: 'x', providerOptions: { bfl: bad } }));
      expect(failureCode(error)).toBe('invalid_request');
    }
    expect(bodies).toHaveLength(1);
  });

  it('fails with bad_response when the sample cannot be downloaded (expired signed URL)', async () => {
    const { handler } = results(['Ready']);
    server.use(submit('flux-2-pro'), handler, http.get(SAMPLE.split('?')[0]!, () => new HttpResponse('<Error>AuthenticationFailed</Error>', { status: 403 })));
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });
});

describe('bfl: polling', () => {
  it('refuses a polling_url that points elsewhere: the key never leaves for it, the task is polled on the configured host', async () => {
    for (const elsewhere of ['https://evil.test/v1/get_result?id=task-1', 'http://api.bfl.ai/v1/get_result?id=task-1', 'https://bfl.ai.evil.test/v1/get_result?id=task-1', 'not a url']) {
      const { handler, polls } = results(['Ready']);
      server.use(
        submit('flux-2-pro', [], (id) => ({ id, polling_url: elsewhere })),
        handler,
        servePng(SAMPLE),
      );
      const result = await client().generate({ prompt: 'x' });
      expect(polls).toEqual([{ id: 'task-1', key: KEY }]);
      expect(result.warnings.join()).toMatch(/polled https:\/\/api\.bfl\.ai\/v1\/get_result instead/);
      server.resetHandlers();
    }
  });

  it('accepts BFL hosts over https and the configured origin (a proxy), and polls its own URL when none is returned', () => {
    expect(pollingUrlFor('https://api.us.bfl.ai/v1/get_result?id=a', 'a', API)).toEqual({ url: 'https://api.us.bfl.ai/v1/get_result?id=a' });
    expect(pollingUrlFor('https://api.bfl.ml/v1/get_result?id=a', 'a', API)).toEqual({ url: 'https://api.bfl.ml/v1/get_result?id=a' });
    expect(pollingUrlFor('http://127.0.0.1:8080/bfl/get_result?id=a', 'a', 'http://127.0.0.1:8080/bfl')).toEqual({ url: 'http://127.0.0.1:8080/bfl/get_result?id=a' });
    expect(pollingUrlFor(undefined, 'a b', API)).toEqual({ url: `${API}/get_result?id=a%20b` });
    expect(pollingUrlFor('https://user:pw@api.bfl.ai/v1/get_result?id=a', 'a', API).refused).toBeDefined();
  });

  it('stops polling a task that outlives the deadline and fails with timeout (BFL has no cancel endpoint)', async () => {
    const { handler, polls } = results(['Pending']);
    server.use(submit('flux-2-pro'), handler);
    const error = await rejectionOf(client().generate({ prompt: 'x', timeoutMs: 300 }));
    expect(failureCode(error)).toBe('timeout');
    const seen = polls.length;
    expect(seen).toBeGreaterThan(0);
    // No cancel request (none exists; any request without a handler fails the test), and no polling afterwards.
    await sleep(60);
    expect(polls.length).toBe(seen);
  });

  it("stops polling when the caller's signal aborts", async () => {
    const controller = new AbortController();
    let looks = 0;
    server.use(
      submit('flux-2-pro'),
      http.get(`${API}/get_result`, () => {
        looks += 1;
        controller.abort();
        return HttpResponse.json({ id: 'task-1', status: 'Pending' });
      }),
    );
    const error = await rejectionOf(client().generate({ prompt: 'x', signal: controller.signal }));
    expect(error.code).toBe('aborted');
    expect(looks).toBe(1);
  });

  it('keeps polling through a 429 while polling, after its Retry-After', async () => {
    let looks = 0;
    server.use(
      submit('flux-2-pro'),
      http.get(`${API}/get_result`, () => {
        looks += 1;
        if (looks === 1) return HttpResponse.json({ detail: 'Too many requests' }, { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json({ id: 'task-1', status: 'Ready', result: { sample: SAMPLE } });
      }),
      servePng(SAMPLE),
    );
    const result = await client().generate({ prompt: 'x' });
    expect(looks).toBe(2);
    expect(result.images).toHaveLength(1);
  });
});

describe('bfl: errors', () => {
  it.each([
    ['Request Moderated', 'content_policy'],
    ['Content Moderated', 'content_policy'],
    ['Error', 'provider_error'],
    ['Task not found', 'provider_error'],
  ])('maps a task that ends as %s to %s, without retrying it', async (status, code) => {
    const bodies: Array<Record<string, unknown>> = [];
    const { handler } = results(['Pending', status], { details: { 'Moderation Reasons': ['Derivative Works'] } });
    server.use(submit('flux-2-pro', bodies), handler);
    const error = await rejectionOf(client({}, { retries: 2 }).generate({ prompt: 'x' }));
    expect(failureCode(error)).toBe(code);
    expect(error.attempts?.at(-1)?.error?.message).toContain(status === 'Task not found' ? 'was not found' : status === 'Error' ? 'ended with status Error' : 'moderation');
    expect(bodies).toHaveLength(1);
  });

  it.each([
    [402, { detail: 'Insufficient credits' }, 'insufficient_credits'],
    [403, { detail: 'Not authenticated - Invalid Authentication' }, 'auth'],
    [401, { detail: 'Unauthorized' }, 'auth'],
    [422, { detail: [{ loc: ['body', 'width'], msg: 'Input should be a multiple of 16', type: 'multiple_of' }] }, 'invalid_request'],
    [404, { detail: 'Not Found' }, 'provider_unavailable'],
  ])('maps HTTP %i on submit to a single try of %s', async (status, body, code) => {
    let calls = 0;
    server.use(
      http.post(`${API}/flux-2-pro`, () => {
        calls += 1;
        return HttpResponse.json(body, { status });
      }),
    );
    const error = await rejectionOf(client({}, { retries: 2 }).generate({ prompt: 'x' }));
    expect(failureCode(error)).toBe(code);
    expect(calls).toBe(1);
    if (status === 422) expect(error.attempts?.at(-1)?.error?.message).toMatch(/multiple of 16/);
  });

  it('retries 429 (too many active tasks) after Retry-After', async () => {
    const events: PixmuxEvent[] = [];
    let calls = 0;
    const { handler } = results(['Ready']);
    server.use(
      http.post(`${API}/flux-2-pro`, () => {
        calls += 1;
        if (calls === 1) return HttpResponse.json({ detail: 'You have exceeded the number of active tasks' }, { status: 429, headers: { 'retry-after': '0' } });
        return HttpResponse.json({ id: 'task-1', polling_url: `${API}/get_result?id=task-1` });
      }),
      handler,
      servePng(SAMPLE),
    );
    const result = await client({}, { events, retries: 2 }).generate({ prompt: 'x' });
    expect(result.images).toHaveLength(1);
    expect(events.find((event) => event.type === 'retry.scheduled')).toMatchObject({ provider: 'bfl', error: { code: 'rate_limited' } });
  });

  it.each([500, 503])('retries %i as provider_error, then fails after the retries', async (status) => {
    let calls = 0;
    server.use(
      http.post(`${API}/flux-2-pro`, () => {
        calls += 1;
        return HttpResponse.json({ detail: 'Internal Server Error' }, { status });
      }),
    );
    expect(failureCode(await client({}, { retries: 2 }).generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('provider_error');
    expect(calls).toBe(3);
  });

  it.each([
    ['an empty submit body', () => new HttpResponse('', { status: 200 }), undefined],
    ['a submit reply without an id', () => HttpResponse.json({ polling_url: `${API}/get_result?id=x` }), undefined],
    ['a submit reply that is not JSON', () => new HttpResponse('<html>gateway</html>', { headers: { 'content-type': 'text/html' } }), undefined],
    ['a Ready task without result.sample', undefined, () => HttpResponse.json({ id: 'task-1', status: 'Ready', result: {} })],
    ['a Ready task with a null result', undefined, () => HttpResponse.json({ id: 'task-1', status: 'Ready', result: null })],
    ['an unknown task status', undefined, () => HttpResponse.json({ id: 'task-1', status: 'Exploded' })],
    ['an empty poll body', undefined, () => new HttpResponse('', { status: 200 })],
  ])('maps %s to bad_response, never an empty success', async (_name, submitReply, pollReply) => {
    server.use(
      http.post(`${API}/flux-2-pro`, submitReply ?? (() => HttpResponse.json({ id: 'task-1', polling_url: `${API}/get_result?id=task-1` }))),
      ...(pollReply ? [http.get(`${API}/get_result`, pollReply)] : []),
    );
    expect(failureCode(await client().generate({ prompt: 'x' }).catch((e: unknown) => e))).toBe('bad_response');
  });

  it('never lets the key into errors', async () => {
    server.use(http.post(`${API}/flux-2-pro`, () => HttpResponse.json({ detail: `Invalid key ${KEY}` }, { status: 403 })));
    const error = await rejectionOf(client().generate({ prompt: 'x' }));
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(error.attempts?.[0]?.error?.message).toContain('[redacted]');
  });
});

describe('bfl: configuration', () => {
  it('reads BFL_API_KEY, and without a key is passed over as missing_credentials', async () => {
    vi.stubEnv('BFL_API_KEY', '');
    try {
      const error = await rejectionOf(createPixmux({ providers: [bfl()] }).generate({ prompt: 'x' }));
      expect(error.attempts?.[0]?.skipped).toBe('missing_credentials');
      vi.stubEnv('BFL_API_KEY', 'bfl_from_env_abcdef');
      expect(bfl().hasCredentials?.()).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('is premium by default; honours id, tier, model and a regional baseURL', async () => {
    const EU = 'https://api.eu.bfl.ai/v1';
    const { handler, polls } = results(['Ready'], {}, EU);
    server.use(
      http.post(`${EU}/flux-pro-1.1`, () => HttpResponse.json({ id: 'task-1', polling_url: `${EU}/get_result?id=task-1` })),
      handler,
      servePng(SAMPLE),
    );
    expect(bfl({ apiKey: KEY }).tier).toBe('premium');
    const provider = bfl({ apiKey: KEY, id: 'flux', tier: 'cheap', baseURL: `${EU}/`, model: 'flux-pro-1.1' });
    expect(provider.id).toBe('flux');
    expect(provider.tier).toBe('cheap');
    const result = await createPixmux({ providers: [provider], input: { urls: { allowPrivateNetwork: true } } }).generate({ prompt: 'x' });
    expect(result.model).toBe('flux-pro-1.1');
    expect(polls).toHaveLength(1);
    expect(result.costUsd).toBe(0.04);
  });

  it('passes over a model id that cannot be an endpoint, with the reason', async () => {
    const error = await rejectionOf(client().generate({ prompt: 'x', model: '../credits' }));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/BFL endpoint id/);
  });

  it('estimates the price before the call from the credits table, overridable', () => {
    expect(bfl({ apiKey: KEY }).price?.('generate', request({ n: 2 }))).toBe(0.06);
    expect(bfl({ apiKey: KEY, model: 'flux-kontext-max' }).price?.('generate', request())).toBe(0.08);
    expect(bfl({ apiKey: KEY, prices: { 'flux-2-pro': { perImage: 0.05 } } }).price?.('generate', request())).toBe(0.05);
    expect(bfl({ apiKey: KEY }).price?.('generate', request({ model: 'flux-unknown' }))).toBeUndefined();
  });
});
