import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createPixmux, type Pixmux } from 'pixmux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { local } from '../../providers/local/index.js';
import { buildTestWorker, PPHUMANSEG, REPO_FIXTURES, SHARED_IMAGES, SINET } from './helpers/worker-build.js';
import { existingFixtures, missingFixtures } from '../helpers/shared.js';

const MODELS_MISSING = missingFixtures(SINET, PPHUMANSEG);

/** Portrait photos: the skimage astronaut (in the repo) and the xmorph faces (shared fixtures, when present). */
const PORTRAITS = existingFixtures([join(REPO_FIXTURES, 'skimage_astronaut.png'), join(SHARED_IMAGES, 'xmorph_face1.png'), join(SHARED_IMAGES, 'xmorph_face2.png')]);

interface MaskStats {
  width: number;
  height: number;
  /** Share of pixels with alpha ≥ 128. */
  foreground: number;
  /** Mean alpha (0–255) of the top-right 8 % square: background in every portrait here (the astronaut's top left is a flag). */
  topRight: number;
  /** Mean alpha of a central box around where a portrait's face is. */
  centre: number;
}

async function maskStats(bytes: Uint8Array): Promise<MaskStats> {
  const { data, info } = await sharp(bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const at = (x: number, y: number) => data[y * width + x]!;
  const mean = (x0: number, y0: number, x1: number, y1: number) => {
    let sum = 0;
    let count = 0;
    for (let y = Math.floor(y0); y < y1; y++) for (let x = Math.floor(x0); x < x1; x++) (sum += at(x, y)), count++;
    return sum / count;
  };
  let foreground = 0;
  for (const value of data) if (value >= 128) foreground++;
  const c = Math.max(2, Math.round(Math.min(width, height) * 0.08));
  return {
    width,
    height,
    foreground: foreground / data.length,
    topRight: mean(width - c, 0, width, c),
    centre: mean(width * 0.4, height * 0.3, width * 0.6, height * 0.5),
  };
}

describe.skipIf(MODELS_MISSING)('real portrait models on real photos (needs ../shared/fixtures/models)', () => {
  let workerUrl: URL;
  let px: Pixmux;
  beforeAll(async () => {
    workerUrl = await buildTestWorker();
    px = createPixmux({
      providers: [
        local({ id: 'sinet', workerUrl, device: 'cpu', models: { removeBackground: { path: SINET, preset: 'sinet' } } }),
        local({ id: 'pphumanseg', workerUrl, device: 'cpu', models: { removeBackground: { path: PPHUMANSEG, preset: 'pphumanseg' } } }),
      ],
      retry: { retries: 0 },
    });
  });
  afterAll(() => px?.dispose());

  for (const provider of ['sinet', 'pphumanseg']) {
    it.each(PORTRAITS.map((path) => [path.split('/').pop()!, path]))(`${provider}: a sane person mask for %s`, async (_name, path) => {
      const photo = readFileSync(path);
      const result = await px.removeBackground({ image: photo, providers: [provider], providerOptions: { [provider]: { output: 'mask' } } });
      const meta = await sharp(photo).metadata();
      const stats = await maskStats(result.images[0]!.bytes);
      if (process.env.PIXMUX_REPORT) console.log(provider, _name, JSON.stringify(stats));
      expect([stats.width, stats.height]).toEqual([meta.width, meta.height]);
      expect(stats.foreground).toBeGreaterThan(0.12);
      expect(stats.foreground).toBeLessThan(0.85);
      expect(stats.centre).toBeGreaterThan(provider === 'sinet' ? 190 : 150); // the face is opaque (PP-HumanSeg's masks are softer)
      expect(stats.topRight).toBeLessThan(25); // the background beside the head is transparent
    });
  }

  it('the two models agree on the astronaut (IoU of the ≥ 50 % masks)', async () => {
    const photo = readFileSync(join(REPO_FIXTURES, 'skimage_astronaut.png'));
    const masks = await Promise.all(
      ['sinet', 'pphumanseg'].map(async (provider) => {
        const result = await px.removeBackground({ image: photo, providers: [provider], providerOptions: { [provider]: { output: 'mask' } } });
        return (await sharp(result.images[0]!.bytes).extractChannel(0).raw().toBuffer()).map((value) => (value >= 128 ? 1 : 0));
      }),
    );
    let intersection = 0;
    let union = 0;
    for (let i = 0; i < masks[0]!.length; i++) {
      intersection += masks[0]![i]! & masks[1]![i]!;
      union += masks[0]![i]! | masks[1]![i]!;
    }
    expect(intersection / union).toBeGreaterThan(0.5); // measured 0.55: PP-HumanSeg keeps part of the flag
  });

  it('concurrent calls on PP-HumanSeg (dynamic N) share batches through the whole provider', async () => {
    const batching = createPixmux({
      providers: [local({ workerUrl, device: 'cpu', workers: 1, maxBatch: 4, maxBatchWaitMs: 20, models: { removeBackground: { path: PPHUMANSEG, preset: 'pphumanseg' } } })],
      retry: { retries: 0 },
    });
    try {
      const photos = PORTRAITS.map((path) => readFileSync(path));
      await batching.removeBackground({ image: photos[0]! }); // the first run learns that N is dynamic
      const results = await Promise.all([...photos, ...photos].map((image) => batching.removeBackground({ image })));
      const sizes = results.map((result) => (result.metadata.timings as { batchSize: number }).batchSize);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      for (const [index, result] of results.entries()) {
        const meta = await sharp(photos[index % photos.length]!).metadata();
        expect([result.images[0]!.width, result.images[0]!.height]).toEqual([meta.width, meta.height]);
      }
    } finally {
      await batching.dispose();
    }
  });

  it('a cut-out keeps the subject opaque and the corners transparent, as PNG with alpha', async () => {
    const photo = readFileSync(join(REPO_FIXTURES, 'skimage_astronaut.png'));
    const result = await px.removeBackground({ image: photo, providers: ['sinet'] });
    expect(result.metadata.device).toBe('cpu');
    const { data, info } = await sharp(result.images[0]!.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3]!;
    expect(alphaAt(info.width - 5, 5)).toBeLessThan(30);
    expect(alphaAt(info.width - 40, Math.round(info.height * 0.25))).toBeLessThan(30);
    expect(alphaAt(Math.round(info.width * 0.5), Math.round(info.height * 0.4))).toBeGreaterThan(220);
  });
});
