import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, type PixmuxEvent } from 'pixmux';
import { local } from '../../providers/local/index.js';
import { makePng } from '../helpers/images.js';
import { heavyModel, writeTinyModel } from '../local/helpers/tiny-model.js';
import { buildTestWorker } from '../local/helpers/worker-build.js';

/**
 * The burst a hybrid stack exists for: the local backend takes what its workers and bounded queue can hold,
 * and the rest spills to the cheap tier at once instead of waiting. Nothing is lost, nothing waits unbounded.
 */
describe('a burst on a real local provider', () => {
  let dir: string;
  let workerUrl: URL;
  let heavyPath: string;

  beforeAll(async () => {
    workerUrl = await buildTestWorker();
    dir = mkdtempSync(join(tmpdir(), 'pixmux-spill-'));
    heavyPath = writeTinyModel(join(dir, 'heavy.onnx'), heavyModel([256, 256], 4, 1));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('spills to the cheap tier once local is saturated, and every call ends in a result', async () => {
    const cheapCalls: number[] = [];
    const cheap = defineProvider({
      id: 'cheap-api',
      tier: 'cheap',
      maxConcurrency: 32,
      price: () => 0.002,
      operations: {
        removeBackground: async (request) => {
          cheapCalls.push(Date.now());
          return { images: [{ bytes: makePng(request.image.width, request.image.height) }], costUsd: 0.002 };
        },
      },
    });
    const events: PixmuxEvent[] = [];
    const px = createPixmux({
      // Listed cheap-first on purpose: the default 'tier' order must still put local first.
      providers: [cheap, local({ workerUrl, workers: 1, maxQueue: 2, device: 'cpu', models: { removeBackground: { path: heavyPath, preset: { size: [256, 256], output: { channel: 0, normalize: 'minmax' } } } } })],
      policy: { spill: { maxQueue: 0, maxWaitMs: 60_000 } },
      onEvent: (event) => events.push(event),
    });
    try {
      const image = makePng(64, 48);
      const results = await Promise.all(Array.from({ length: 12 }, () => px.removeBackground({ image, cache: false })));
      const byProvider = results.reduce<Record<string, number>>((counts, result) => ({ ...counts, [result.provider]: (counts[result.provider] ?? 0) + 1 }), {});
      expect(results).toHaveLength(12);
      expect(byProvider.local).toBeGreaterThanOrEqual(1);
      expect(byProvider['cheap-api']).toBeGreaterThanOrEqual(1);
      expect((byProvider.local ?? 0) + (byProvider['cheap-api'] ?? 0)).toBe(12);
      for (const result of results.filter((r) => r.provider === 'local')) {
        expect(result.images[0]).toMatchObject({ width: 64, height: 48, mediaType: 'image/png' });
        expect(result.costUsd).toBe(0);
      }
      for (const result of results.filter((r) => r.provider === 'cheap-api')) {
        expect(result.attempts[0]).toMatchObject({ provider: 'local', skipped: 'saturated' });
        expect(result.costUsd).toBe(0.002);
      }
      expect(events.filter((event) => event.type === 'spill').length).toBe(byProvider['cheap-api']);
    } finally {
      await px.dispose();
    }
  });
});
