import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, type BatchItem, type Pixmux, type PixmuxOptions, type Provider, type RemoveBackgroundRequest } from 'pixmux';
import { local } from '../../providers/local/index.js';
import { makePng } from '../helpers/images.js';
import { missingFixtures } from '../helpers/shared.js';
import { buildTestWorker, PPHUMANSEG, REPO_FIXTURES } from '../local/helpers/worker-build.js';

const MISSING = missingFixtures(PPHUMANSEG);
const PHOTO = readFileSync(join(REPO_FIXTURES, 'skimage_chelsea.png'));

/**
 * The policy under the load users bring: a batch on the local provider (one worker on a 2-core machine) waits for
 * it rather than failing, spills to a cheap API only when the expected wait says so, and never loses an item.
 */
describe.skipIf(MISSING)('local removeBackground under load (PP-HumanSeg, ../shared fixture)', () => {
  let workerUrl: URL;
  const clients: Pixmux[] = [];
  beforeAll(async () => {
    workerUrl = await buildTestWorker();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((px) => px.dispose()));
  });

  const cheapApi = () =>
    defineProvider({
      id: 'cheap-api',
      tier: 'cheap',
      price: () => 0.002,
      operations: { removeBackground: async (request) => ({ images: [{ bytes: makePng(request.image.width, request.image.height) }], costUsd: 0.002 }) },
    });

  function client(withCheap: boolean, policy?: PixmuxOptions['policy']): Pixmux {
    const onDevice = local({ workerUrl, workers: 1, device: 'cpu', models: { removeBackground: { path: PPHUMANSEG, preset: 'pphumanseg' } } });
    const px = createPixmux({ providers: withCheap ? [onDevice, cheapApi()] : [onDevice], ...(policy ? { policy } : {}) });
    clients.push(px);
    locals.set(px, onDevice);
    return px;
  }
  const locals = new Map<Pixmux, Provider>();
  const localOf = (px: Pixmux) => locals.get(px)!;

  async function run(px: Pixmux, count: number, concurrency: number) {
    const requests = Array.from({ length: count }, (): RemoveBackgroundRequest => ({ image: PHOTO }));
    const items: Array<BatchItem<RemoveBackgroundRequest>> = [];
    for await (const item of px.batch('removeBackground', requests, { concurrency })) items.push(item);
    const failed = items.filter((item) => !item.ok);
    const spilled = items.filter((item) => item.ok && item.result.provider !== 'local');
    return { items, failed, spilled, indexes: new Set(items.map((item) => item.index)) };
  }

  it('300 local-only items at concurrency 64: 300 results, none failed (the call waits for the only provider)', async () => {
    const { items, failed, indexes } = await run(client(false), 300, 64);
    console.info(`[load] local only, 300 @ 64: ${items.length - failed.length} ok, ${failed.length} failed`);
    expect(failed.map((item) => (item.ok ? '' : `${item.error.code}: ${item.error.message}`))).toEqual([]);
    expect(items).toHaveLength(300);
    expect(indexes.size).toBe(300);
  }, 240_000);

  it('40 items at concurrency 16 with a cheap API behind local: none spilled while the expected wait stays under 2 s', async () => {
    const px = client(true);
    const { items, failed, spilled } = await run(px, 40, 16);
    const perRequestMs = 1000 / (localOf(px).capacity!().throughputPerSecond ?? Number.POSITIVE_INFINITY);
    console.info(`[load] local + cheap, 40 @ 16: ${items.length - spilled.length - failed.length} local, ${spilled.length} spilled, ${failed.length} failed; ${perRequestMs.toFixed(0)} ms per request`);
    expect(failed).toEqual([]);
    expect(items).toHaveLength(40);
    // At most 15 requests are ahead of any call: at the ~50 ms a request this model takes on two cores that is
    // under a second, so nothing spills. A machine so loaded that 15 requests take over 2 s spills, rightly, but
    // only calls whose expected wait said so.
    for (const item of spilled) expect(item.ok && item.result.attempts[0]!.expectedWaitMs).toBeGreaterThan(2_000);
    if (perRequestMs * 15 < 1_600) expect(spilled).toEqual([]);
  }, 120_000);

  it('200 items at concurrency 100 with spill.maxWaitMs 100: some spilled with their expected wait, none failed', async () => {
    const { items, failed, spilled } = await run(client(true, { spill: { maxWaitMs: 100 } }), 200, 100);
    console.info(`[load] local + cheap, 200 @ 100, maxWaitMs 100: ${items.length - spilled.length - failed.length} local, ${spilled.length} spilled, ${failed.length} failed`);
    expect(failed).toEqual([]);
    expect(items).toHaveLength(200);
    expect(spilled.length).toBeGreaterThan(0);
    expect(spilled.length).toBeLessThan(200);
    const spill = spilled[0]!;
    expect(spill.ok && spill.result.attempts[0]).toMatchObject({ provider: 'local', skipped: 'saturated', expectedWaitMs: expect.any(Number) });
    expect(spill.ok && spill.result.attempts[0]!.expectedWaitMs).toBeGreaterThan(100);
  }, 120_000);
});
