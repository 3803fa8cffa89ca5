#!/usr/bin/env node
// Benchmark of the local backend: per-stage times and images per second at 1..N workers, beside
// onnxruntime-node alone running the same model on the same inputs (their ratio is the pipeline's overhead).
//
//   npm run build && node bench/local.mjs [--model path.onnx --preset id] [--images 24] [--workers 2] [--device cpu]
//
// Defaults: the SINet and PP-HumanSeg fixtures in ../shared/fixtures/models (or PIXMUX_SHARED_DIR), the photos in
// test/fixtures (and ../shared/fixtures/images when present). Imports the built package, so build first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPixmux } from 'pixmux';
import { local, PRESETS } from 'pixmux/providers/local';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    preset: { type: 'string' },
    images: { type: 'string', default: '24' },
    workers: { type: 'string', default: String(availableParallelism()) },
    device: { type: 'string', default: 'cpu' },
  },
});

const SHARED = process.env.PIXMUX_SHARED_DIR ?? new URL('../../shared/', import.meta.url).pathname;
const SHARED_MODELS = `${SHARED}fixtures/models`;
const models = args.model
  ? [{ name: args.model.split('/').pop(), path: args.model, preset: args.preset ?? 'u2net' }]
  : [
      { name: 'SINet 320²', path: join(SHARED_MODELS, 'sinet_portrait_softmax_320.onnx'), preset: 'sinet' },
      { name: 'PP-HumanSeg 398×224', path: join(SHARED_MODELS, 'pphumanseg_lite_portrait_398x224.onnx'), preset: 'pphumanseg' },
    ].filter((model) => existsSync(model.path));
if (models.length === 0) {
  console.error('No model: pass --model path.onnx --preset id (or provide ../shared/fixtures/models).');
  process.exit(1);
}

const photoDirs = [new URL('../test/fixtures/', import.meta.url).pathname, `${SHARED}fixtures/images`].filter(existsSync);
const photos = photoDirs.flatMap((dir) => readdirSync(dir).filter((file) => /\.(png|jpe?g)$/i.test(file)).map((file) => readFileSync(join(dir, file))));
const total = Number(args.images);
const inputs = Array.from({ length: total }, (_, index) => photos[index % photos.length]);
const maxWorkers = Number(args.workers);
const cores = availableParallelism();

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const fmt = (value) => value.toFixed(1).padStart(7);

/** The pipeline: createPixmux + local() with k workers, `total` images, 2 in flight per worker. */
async function pipeline(model, workers) {
  const provider = local({ device: args.device, workers, models: { removeBackground: { path: model.path, preset: model.preset } } });
  const px = createPixmux({ providers: [provider] });
  for (let i = 0; i < workers; i++) await px.removeBackground({ image: inputs[i % inputs.length] }); // warm every worker's session
  const timings = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers * 2 }, async () => {
      while (next < inputs.length) {
        const image = inputs[next++];
        const result = await px.removeBackground({ image });
        timings.push(result.metadata.timings);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await px.dispose();
  const stage = (key) => mean(timings.map((timing) => timing[key]));
  return { workers, perSecond: inputs.length / seconds, decode: stage('decodeMs'), queue: stage('queueMs'), preprocess: stage('preprocessMs'), inference: stage('inferenceMs'), postprocess: stage('postprocessMs'), encode: stage('encodeMs'), batch: stage('batchSize') };
}

/** onnxruntime-node alone: one session on this thread (all cores), the same model on the same inputs, tensors built beforehand. */
async function ortAlone(model) {
  const ort = await import('onnxruntime-node');
  const sharp = (await import('sharp')).default;
  const preset = PRESETS[model.preset];
  const [width, height] = preset.size;
  const plane = width * height;
  const tensors = [];
  for (const image of inputs) {
    const rgb = await sharp(image).rotate().toColourspace('srgb').removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer();
    let scale = preset.scale ?? 1 / 255;
    if (scale === 'max') scale = 1 / Math.max(1e-6, ...rgb);
    const order = preset.colorOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
    const data = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) data[c * plane + p] = (rgb[p * 3 + order[c]] * scale - (preset.mean?.[c] ?? 0)) / (preset.std?.[c] ?? 1);
    tensors.push(new ort.Tensor('float32', data, [1, 3, height, width]));
  }
  const session = await ort.InferenceSession.create(model.path, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: cores, logSeverityLevel: 3 });
  await session.run({ [session.inputNames[0]]: tensors[0] });
  const started = performance.now();
  for (const tensor of tensors) await session.run({ [session.inputNames[0]]: tensor });
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return { perSecond: tensors.length / seconds, inference: (seconds * 1000) / tensors.length };
}

console.log(`pixmux local bench: ${total} images (${photos.length} photos), device ${args.device}, ${cores} cores, Node ${process.version}`);
for (const model of models) {
  console.log(`\n${model.name} (${model.path}, preset ${model.preset})`);
  console.log('workers   img/s   decode   queue  tensor   infer    mask  encode  batch   (ms per image, mean)');
  const rows = [];
  for (let workers = 1; workers <= maxWorkers; workers++) {
    const row = await pipeline(model, workers);
    rows.push(row);
    console.log(`${String(workers).padStart(7)} ${fmt(row.perSecond)} ${fmt(row.decode)} ${fmt(row.queue)} ${fmt(row.preprocess)} ${fmt(row.inference)} ${fmt(row.postprocess)} ${fmt(row.encode)} ${row.batch.toFixed(2).padStart(6)}`);
  }
  const alone = await ortAlone(model);
  const best = Math.max(...rows.map((row) => row.perSecond));
  console.log(`onnxruntime-node alone (1 session, ${cores} threads, tensors prebuilt): ${alone.perSecond.toFixed(1)} img/s, ${alone.inference.toFixed(1)} ms per run`);
  console.log(`pipeline best ${best.toFixed(1)} img/s = ${((best / alone.perSecond) * 100).toFixed(0)} % of inference-only throughput (decode, resize, mask, full-size encode included)`);
}
