import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from '../../providers/local/pool/worker-pool.js';
import { PRESETS, resolvePreset } from '../../providers/local/pipelines/remove-background/presets.js';
import { heavyModel, identityModel, writeTinyModel } from './helpers/tiny-model.js';
import { buildTestWorker, PPHUMANSEG } from './helpers/worker-build.js';
import { rejectionOf as rejection } from '../helpers/errors.js';
import { countTicksWhile } from '../helpers/event-loop.js';
import { missingFixtures } from '../helpers/shared.js';

let workerUrl: URL;
let dir: string;
let identityPath: string;
let fixedBatchPath: string;
let heavyPath: string;
const pools: WorkerPool[] = [];

beforeAll(async () => {
  workerUrl = await buildTestWorker();
  dir = mkdtempSync(join(tmpdir(), 'pixmux-pool-'));
  identityPath = writeTinyModel(join(dir, 'identity.onnx'), identityModel([4, 2]));
  fixedBatchPath = writeTinyModel(join(dir, 'identity-fixed.onnx'), identityModel([4, 2], 1));
  heavyPath = writeTinyModel(join(dir, 'heavy.onnx'), heavyModel([1024, 1024], 2));
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.dispose()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pool(overrides: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const created = createWorkerPool({
    workerUrl,
    size: 1,
    gpuSize: 1,
    intraOpNumThreads: 1,
    device: 'cpu',
    maxBatch: 1,
    maxBatchWaitMs: 0,
    provider: 'local',
    ...overrides,
  });
  pools.push(created);
  return created;
}

/** Identity model preset: the mask is the red channel, unchanged (scale 1/255, no normalisation beyond clip). */
const RED = resolvePreset({ size: [4, 2], output: { channel: 0, normalize: 'clip' } });
const HEAVY = resolvePreset({ size: [1024, 1024], output: { normalize: 'clip' } });

/** 4×2 RGB pixels whose red channel is `red + index`. */
function pixels(red: number): Uint8Array {
  const rgb = new Uint8Array(4 * 2 * 3);
  for (let p = 0; p < 8; p++) rgb.set([red + p, 7, 9], p * 3);
  return rgb;
}

describe('worker pool', () => {
  it('runs a model in a worker and returns the mask the preset describes', async () => {
    const result = await pool().run({ modelPath: identityPath, preset: RED, image: pixels(100) });
    expect(Array.from(result.mask)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect([result.width, result.height, result.device, result.batchSize]).toEqual([4, 2, 'cpu', 1]);
    expect(result.timings.inferenceMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps the event loop responsive while inference runs', async () => {
    const workers = pool({ size: 2 });
    const image = new Uint8Array(1024 * 1024 * 3).fill(90);
    await workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() }); // warm: session created
    // Timers keep firing while the jobs are in the workers: the main thread is never the one computing.
    // No figure is asserted (PIXMUX_REPORT=1 prints them), so a loaded machine cannot fail this test.
    const ticks = countTicksWhile(() => workers.capacity().inFlight > 0);
    const results = await Promise.all([1, 2, 3, 4].map(() => workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() })));
    const seen = ticks.stop();
    if (process.env.PIXMUX_REPORT) console.log(`inference ${results.map((result) => result.timings.inferenceMs.toFixed(0)).join(', ')} ms; ${seen} timer ticks while the workers ran`);
    expect(results.every((result) => result.mask.length === 1024 * 1024)).toBe(true);
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(workers.workers).toBe(2);
  });

  it('runs requests concurrently on several workers', async () => {
    const workers = pool({ size: 2 });
    const image = new Uint8Array(1024 * 1024 * 3).fill(90);
    const runs = [1, 2].map(() => workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() }));
    expect(workers.capacity()).toMatchObject({ inFlight: 2, queued: 0, limit: 2 });
    await Promise.all(runs);
    expect(workers.workers).toBe(2);
    expect(workers.capacity()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('stacks concurrent same-size requests into one batch when the model has a dynamic batch dimension', async () => {
    const batching = pool({ maxBatch: 4, maxBatchWaitMs: 50 });
    await batching.run({ modelPath: identityPath, preset: RED, image: pixels(0) }); // learns that N is dynamic
    const results = await Promise.all([10, 20, 30, 40].map((red) => batching.run({ modelPath: identityPath, preset: RED, image: pixels(red) })));
    expect(results.map((result) => result.batchSize)).toEqual([4, 4, 4, 4]);
    // Each caller gets its own item back, in order.
    expect(results.map((result) => result.mask[0])).toEqual([10, 20, 30, 40]);
    expect(Array.from(results[2]!.mask)).toEqual([30, 31, 32, 33, 34, 35, 36, 37]);
  });

  it('never batches a model whose batch dimension is fixed', async () => {
    const batching = pool({ maxBatch: 4, maxBatchWaitMs: 50 });
    await batching.run({ modelPath: fixedBatchPath, preset: RED, image: pixels(0) });
    const results = await Promise.all([10, 20, 30].map((red) => batching.run({ modelPath: fixedBatchPath, preset: RED, image: pixels(red) })));
    expect(results.map((result) => result.batchSize)).toEqual([1, 1, 1]);
    expect(results.map((result) => result.mask[0])).toEqual([10, 20, 30]);
  });

  it.skipIf(missingFixtures(PPHUMANSEG))('batches PP-HumanSeg (dynamic N) with the same masks as single runs (needs ../shared/fixtures/models)', async () => {
    const preset = resolvePreset(PRESETS.pphumanseg);
    const [width, height] = preset.size;
    const images = [40, 120, 200].map((seed) => {
      const rgb = new Uint8Array(width * height * 3);
      for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7 + seed * (1 + (i % 13))) % 256;
      return rgb;
    });
    const batching = pool({ maxBatch: 4, maxBatchWaitMs: 50 });
    const single: Array<{ mask: Uint8Array }> = [];
    for (const image of images) single.push(await batching.run({ modelPath: PPHUMANSEG, preset, image: image.slice() }));
    const batched = await Promise.all(images.map((image) => batching.run({ modelPath: PPHUMANSEG, preset, image: image.slice() })));
    expect(batched.map((result) => result.batchSize)).toEqual([3, 3, 3]);
    batched.forEach((result, index) => {
      const reference = single[index]!.mask;
      let worst = 0;
      for (let p = 0; p < reference.length; p++) worst = Math.max(worst, Math.abs(reference[p]! - result.mask[p]!));
      expect(worst).toBeLessThanOrEqual(1);
    });
  });

  it.each(['exit', 'throw'] as const)('fails the calls of a worker that dies (%s) with a retryable error, replaces it and keeps serving', async (how) => {
    const workers = pool();
    await workers.run({ modelPath: identityPath, preset: RED, image: pixels(1) });
    const doomed = workers.run({ modelPath: identityPath, preset: RED, image: pixels(2), testCrash: how });
    const queued = workers.run({ modelPath: identityPath, preset: RED, image: pixels(50) });
    const error = await rejection(doomed);
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/worker thread (crashed|exited)/);
    expect((await queued).mask[0]).toBe(50);
    expect((await workers.run({ modelPath: identityPath, preset: RED, image: pixels(60) })).mask[0]).toBe(60);
    expect(workers.workers).toBe(1);
  });

  it('queues every call instead of refusing one, and reports its load with a per-request rate', async () => {
    const workers = pool();
    const image = new Uint8Array(1024 * 1024 * 3).fill(90);
    expect(workers.capacity().throughputPerSecond).toBeUndefined();
    await workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() });
    await workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() });
    const calls = Array.from({ length: 3 }, () => workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() }));
    const capacity = workers.capacity();
    expect(capacity).toMatchObject({ inFlight: 1, queued: 2, limit: 1 });
    expect(capacity.throughputPerSecond).toBeGreaterThan(0);
    // The wait of a new call is the calls ahead of it at the measured rate.
    // Two queued ahead, and the running one half done on average.
    expect(capacity.expectedWaitMs).toBeCloseTo((2.5 / capacity.throughputPerSecond!) * 1000, 5);
    const results = await Promise.allSettled(calls);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(workers.capacity()).toMatchObject({ inFlight: 0, queued: 0, expectedWaitMs: 0 });
  });

  it('measures the rate per request, not per batch: a batch of four counts as four requests done', async () => {
    const workers = pool({ maxBatch: 4, maxBatchWaitMs: 50 });
    const image = pixels(7);
    // The first call warms the worker up and learns that the model takes a dynamic batch; then one call, then four sharing one inference.
    await workers.run({ modelPath: identityPath, preset: RED, image: image.slice() });
    expect(workers.capacity().throughputPerSecond).toBeUndefined(); // a model's first run on a worker is its warm-up, not a sample
    const single = await workers.run({ modelPath: identityPath, preset: RED, image: image.slice() });
    const batch = await Promise.all(Array.from({ length: 4 }, () => workers.run({ modelPath: identityPath, preset: RED, image: image.slice() })));
    expect(batch.map((result) => result.batchSize)).toEqual([4, 4, 4, 4]);
    const workMs = ({ timings }: { timings: { preprocessMs: number; inferenceMs: number; postprocessMs: number } }) => timings.preprocessMs + timings.inferenceMs + timings.postprocessMs;
    // A moving average (weight 0.2) of the worker time per request: the single call's, then the batch's shared by four.
    const expectedPerRequestMs = workMs(single) + 0.2 * (workMs(batch[0]!) / 4 - workMs(single));
    expect(1000 / workers.capacity().throughputPerSecond!).toBeCloseTo(expectedPerRequestMs, 6);
  });

  it('drops a queued call when its signal aborts', async () => {
    const workers = pool();
    const image = new Uint8Array(1024 * 1024 * 3).fill(90);
    const running = workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() });
    const controller = new AbortController();
    const waiting = workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice(), signal: controller.signal });
    controller.abort();
    expect((await rejection(waiting)).code).toBe('aborted');
    expect(workers.capacity().queued).toBe(0);
    await running;
  });

  it('reports a broken model file and a wrong preset as typed errors', async () => {
    const workers = pool();
    const broken = join(dir, 'broken.onnx');
    (await import('node:fs')).writeFileSync(broken, 'not a model');
    const loadError = await rejection(workers.run({ modelPath: broken, preset: RED, image: pixels(1) }));
    expect(loadError.code).toBe('provider_unavailable');
    expect(loadError.message).toMatch(/could not load the model/);
    const wrongChannel = resolvePreset({ size: [4, 2], output: { channel: 5 } });
    expect((await rejection(workers.run({ modelPath: identityPath, preset: wrongChannel, image: pixels(1) }))).code).toBe('bad_response');
    const wrongSize = resolvePreset({ size: [8, 8] });
    const shapeError = await rejection(workers.run({ modelPath: identityPath, preset: wrongSize, image: new Uint8Array(8 * 8 * 3) }));
    expect(shapeError.code).toBe('provider_error');
    expect(shapeError.retryable).toBe(false);
  });

  it('fails pending calls on dispose and refuses new ones', async () => {
    const workers = pool();
    const image = new Uint8Array(1024 * 1024 * 3).fill(90);
    const running = workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() });
    const waiting = workers.run({ modelPath: heavyPath, preset: HEAVY, image: image.slice() });
    const failures = Promise.all([rejection(running), rejection(waiting)]);
    await workers.dispose();
    expect((await failures).map((error) => error.code)).toEqual(['provider_unavailable', 'provider_unavailable']);
    expect((await rejection(workers.run({ modelPath: identityPath, preset: RED, image: pixels(1) }))).message).toMatch(/disposed/);
    expect(workers.workers).toBe(0);
  });
});
