import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, type PixmuxEvent } from 'pixmux';
import { fal } from '../../providers/fal/index.js';
import { replicate } from '../../providers/replicate/index.js';
import { makePng } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';

// End to end: a client hedging over two job-style vendors (msw serves their documented queue APIs). The loser's
// job must be cancelled at the vendor, not merely abandoned: it would keep running, and billing, otherwise.
const server = useMswServer();
const png = makePng(16, 16);
const REPLICATE = 'https://api.replicate.com/v1';
const FAL = 'https://queue.fal.run';
const polling = { initialDelayMs: 2, maxDelayMs: 10 };
const servePng = (url: string) => http.get(url, () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } }));

type Speed = 'slow' | 'fast';
interface Cancels {
  /** The authorization header of each cancel request the vendor received. */
  seen: Array<string | null>;
  /** Resolves at the first cancel request. */
  first: Promise<void>;
}

function cancels(): Cancels & { record(auth: string | null): void } {
  let resolve!: () => void;
  const seen: Array<string | null> = [];
  return { seen, first: new Promise<void>((done) => (resolve = done)), record: (auth) => (seen.push(auth), resolve()) };
}

/** Replicate: a prediction that has already succeeded (fast), or that stays `processing` until cancelled (slow). */
function replicateJob(speed: Speed, cancelled: ReturnType<typeof cancels>) {
  const id = `prediction-${speed}`;
  const prediction = (status: string, output: string[] | null = null) => ({
    id,
    model: 'black-forest-labs/flux-schnell',
    input: {},
    logs: '',
    error: null,
    output,
    status,
    urls: { get: `${REPLICATE}/predictions/${id}`, cancel: `${REPLICATE}/predictions/${id}/cancel` },
  });
  const submit = `${REPLICATE}/models/black-forest-labs/flux-schnell/predictions`;
  if (speed === 'fast') return [http.post(submit, () => HttpResponse.json(prediction('succeeded', ['https://replicate.delivery/out.png']), { status: 201 })), servePng('https://replicate.delivery/out.png')];
  return [
    http.post(submit, () => HttpResponse.json(prediction('starting'), { status: 201 })),
    http.get(`${REPLICATE}/predictions/${id}`, () => HttpResponse.json(prediction('processing'))),
    http.post(`${REPLICATE}/predictions/${id}/cancel`, ({ request }) => (cancelled.record(request.headers.get('authorization')), HttpResponse.json(prediction('canceled')))),
  ];
}

/** fal's queue: a request that completes at once (fast), or that stays `IN_PROGRESS` until cancelled (slow). */
function falJob(speed: Speed, cancelled: ReturnType<typeof cancels>) {
  const id = `request-${speed}`;
  const root = `${FAL}/fal-ai/flux/requests/${id}`;
  return [
    http.post(`${FAL}/fal-ai/flux/schnell`, () => HttpResponse.json({ request_id: id, status: 'IN_QUEUE', status_url: `${root}/status`, response_url: root, cancel_url: `${root}/cancel`, queue_position: 0 })),
    http.get(`${root}/status`, () => (speed === 'fast' ? HttpResponse.json({ status: 'COMPLETED' }) : HttpResponse.json({ status: 'IN_PROGRESS' }, { status: 202 }))),
    http.get(root, () => HttpResponse.json({ images: [{ url: 'https://v3.fal.media/files/out.png', width: 16, height: 16, content_type: 'image/png' }], seed: 1, has_nsfw_concepts: [false] })),
    servePng('https://v3.fal.media/files/out.png'),
    http.put(`${root}/cancel`, ({ request }) => (cancelled.record(request.headers.get('authorization')), HttpResponse.json({ status: 'CANCELLATION_REQUESTED' }))),
  ];
}

const vendors = {
  replicate: { job: replicateJob, provider: () => replicate({ apiKey: 'r8_test_token_0123456789', polling }), auth: 'Bearer r8_test_token_0123456789' },
  fal: { job: falJob, provider: () => fal({ apiKey: 'fal-test-key-0123456789:abcdef', polling }), auth: 'Key fal-test-key-0123456789:abcdef' },
};

describe('hedging over job-style vendors', () => {
  it.each([
    ['replicate', 'fal'],
    ['fal', 'replicate'],
  ] as const)("cancels the loser's job at the vendor: %s is slow, %s answers first", async (slow, fast) => {
    const slowCancels = cancels();
    const fastCancels = cancels();
    server.use(...vendors[slow].job('slow', slowCancels), ...vendors[fast].job('fast', fastCancels));
    const events: PixmuxEvent[] = [];
    const px = createPixmux({
      providers: [vendors[slow].provider(), vendors[fast].provider()],
      policy: { order: 'listed', hedgeAfterMs: 30 },
      retry: { retries: 0 },
      onEvent: (event) => events.push(event),
      // Result URLs on msw's made-up CDN hosts: no resolver knows them, so the public-network check is lifted here.
      input: { urls: { allowPrivateNetwork: true } },
    });

    const result = await px.generate({ prompt: 'a red bicycle' });

    expect(result.provider).toBe(fast);
    expect(result.attempts).toMatchObject([
      { provider: fast, ok: true },
      { provider: slow, ok: false, error: { code: 'aborted' } },
    ]);
    expect(events.find((event) => event.type === 'hedge.started')).toMatchObject({ provider: fast, after: slow });
    // The cancel may go out just after the winner's result: wait for it (a missing cancel times the test out).
    await slowCancels.first;
    expect(slowCancels.seen).toEqual([vendors[slow].auth]);
    expect(fastCancels.seen).toEqual([]);
  });
});
