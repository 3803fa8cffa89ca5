import { describe, expect, it } from 'vitest';
import { createPixmux, pixmuxError, PixmuxError, type BatchItem, type GenerateRequest } from 'pixmux';
import { fakeProvider } from '../helpers/fake-provider.js';
import { makePng } from '../helpers/images.js';

function client(options: { failWhen?: (prompt: string) => boolean; delayMs?: (prompt: string) => number } = {}) {
  let inFlight = 0;
  const stats = { peak: 0, calls: 0 };
  const px = createPixmux({
    providers: [
      fakeProvider({
        id: 'p',
        maxConcurrency: 64,
        operations: {
          generate: async (request, context) => {
            stats.calls++;
            stats.peak = Math.max(stats.peak, ++inFlight);
            try {
              await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(resolve, options.delayMs?.(request.prompt) ?? 1);
                context.signal.addEventListener('abort', () => (clearTimeout(timer), reject(context.signal.reason)), { once: true });
              });
              if (options.failWhen?.(request.prompt)) throw pixmuxError('auth', 'no', { provider: 'p' });
              return { images: [{ bytes: makePng(2, 2) }] };
            } finally {
              inFlight--;
            }
          },
        },
      }),
    ],
  });
  return { px, stats };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('batch', () => {
  it('runs every request once, within the concurrency, and reports each by its index', async () => {
    const { px, stats } = client({ delayMs: (prompt) => (Number(prompt) * 7) % 5 });
    const requests = Array.from({ length: 40 }, (_, i) => ({ prompt: String(i) }));
    const items = await collect(px.batch('generate', requests, { concurrency: 4 }));
    expect(items.map((item) => item.index).sort((a, b) => a - b)).toEqual(requests.map((_, i) => i));
    expect(items.every((item) => item.ok)).toBe(true);
    expect(stats.peak).toBeLessThanOrEqual(4);
    expect(stats.calls).toBe(40);
  });

  it('never loses an item: bad requests and failing providers end as typed error items', async () => {
    const { px } = client({ failWhen: (prompt) => prompt.startsWith('fail') });
    const requests: GenerateRequest[] = [{ prompt: 'ok' }, { prompt: '' }, { prompt: 'fail-1' }, { prompt: 'ok', n: 99 }, null as never, { prompt: 'ok-2' }];
    const items = await collect(px.batch('generate', requests, { concurrency: 3 }));
    const byIndex = new Map(items.map((item) => [item.index, item]));
    expect(byIndex.size).toBe(6);
    const summary = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, item]) => (item.ok ? 'ok' : item.error.code));
    expect(summary).toEqual(['ok', 'invalid_request', 'auth', 'invalid_request', 'invalid_request', 'ok']);
    for (const item of items) if (!item.ok) expect(PixmuxError.isInstance(item.error)).toBe(true);
  });

  it('reads requests lazily and stops cleanly when the consumer breaks early', async () => {
    const { px, stats } = client({ delayMs: () => 5 });
    let produced = 0;
    let closed = false;
    async function* endless() {
      try {
        for (;;) {
          produced++;
          yield { prompt: `p${produced}` };
        }
      } finally {
        closed = true;
      }
    }
    const seen: Array<BatchItem<GenerateRequest>> = [];
    for await (const item of px.batch('generate', endless(), { concurrency: 3 })) {
      seen.push(item);
      if (seen.length === 5) break;
    }
    expect(seen).toHaveLength(5);
    expect(closed).toBe(true);
    expect(produced).toBeLessThanOrEqual(5 + 3 + 1);
    expect(stats.calls).toBeLessThanOrEqual(produced);
  });

  it("the batch signal ends every remaining item as aborted, each still reported", async () => {
    // Items run for ten minutes unless aborted: a signal that did not reach them would time the test out.
    const { px } = client({ delayMs: () => 600_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const items = await collect(px.batch('generate', Array.from({ length: 10 }, (_, i) => ({ prompt: String(i) })), { concurrency: 4, signal: controller.signal }));
    expect(items).toHaveLength(10);
    expect(items.every((item) => !item.ok && item.error.code === 'aborted')).toBe(true);
  });

  it('breaking out of the loop aborts the items in flight: their providers see the abort', async () => {
    const signals: AbortSignal[] = [];
    const px = createPixmux({
      providers: [
        fakeProvider({
          id: 'p',
          maxConcurrency: 64,
          operations: {
            // The first answers at once; the others would run for ten minutes unless aborted (else the test times out).
            generate: async (request, context) => {
              signals.push(context.signal);
              if (request.prompt !== '0') await wait(600_000, context.signal);
              return { images: [{ bytes: makePng(2, 2) }] };
            },
          },
        }),
      ],
    });
    for await (const item of px.batch('generate', Array.from({ length: 10 }, (_, i) => ({ prompt: String(i) })), { concurrency: 4 })) {
      expect(item).toMatchObject({ index: 0, ok: true });
      break;
    }
    expect(signals).toHaveLength(4);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, true, true, true]);
    expect(signals.slice(1).every((signal) => PixmuxError.isInstance(signal.reason) && signal.reason.code === 'aborted')).toBe(true);
  });

  it("an item's own signal aborts that item only; the batch signal reaches items that carry their own", async () => {
    const { px } = client({ delayMs: (prompt) => (prompt === 'slow' ? 600_000 : 1) });
    const own = new AbortController();
    const requests = [{ prompt: 'slow', signal: own.signal }, { prompt: 'a' }, { prompt: 'b' }];
    const items: Array<BatchItem<GenerateRequest>> = [];
    for await (const item of px.batch('generate', requests, { concurrency: 3 })) {
      items.push(item);
      if (items.length === 2) own.abort();
    }
    expect(items.map((item) => [item.index, item.ok ? 'ok' : item.error.code]).sort()).toEqual([[0, 'aborted'], [1, 'ok'], [2, 'ok']]);

    const batch = new AbortController();
    const mine = new AbortController();
    setTimeout(() => batch.abort(), 10);
    const aborted = await collect(px.batch('generate', [{ prompt: 'slow', signal: mine.signal }], { signal: batch.signal }));
    expect(aborted).toMatchObject([{ index: 0, ok: false, error: { code: 'aborted' } }]);
  });

  it.each([false, true])('adds no MaxListenersExceededWarning at concurrency 64 (requests with their own signal: %s)', async (ownSignals) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { px, stats } = client({ delayMs: () => 5 });
      const caller = new AbortController();
      const shared = new AbortController();
      const requests = Array.from({ length: 256 }, (_, i) => ({ prompt: String(i), ...(ownSignals ? { signal: i % 2 === 0 ? shared.signal : new AbortController().signal } : {}) }));
      const items = await collect(px.batch('generate', requests, { concurrency: 64, signal: caller.signal }));
      expect(items.every((item) => item.ok)).toBe(true);
      expect(stats.peak).toBe(64);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map(String)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('yields what is in flight, then fails typed, when reading the requests throws', async () => {
    const { px } = client();
    function* broken() {
      yield { prompt: 'a' };
      yield { prompt: 'b' };
      throw new Error('disk gone');
    }
    const seen: number[] = [];
    const error = await (async () => {
      for await (const item of px.batch('generate', broken(), { concurrency: 4 })) seen.push(item.index);
    })().catch((e: unknown) => e);
    expect(seen.sort()).toEqual([0, 1]);
    expect(error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/after 2 item\(s\): disk gone/) });
  });

  it('rejects bad options with typed errors', async () => {
    const { px } = client();
    await expect(collect(px.batch('generate', [], { concurrency: 0 }))).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(collect(px.batch('generate', 42 as never))).rejects.toMatchObject({ code: 'invalid_request' });
    expect(() => px.batch('upscale' as never, [])).toThrow(/unknown operation/);
  });
});
