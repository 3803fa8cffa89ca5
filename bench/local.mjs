#!/usr/bin/env node
// Benchmark of the local backend: per-stage times and images per second at 1..N workers, beside
// onnxruntime-node alone running the same model on the same inputs (their ratio is the pipeline's overhead).
//
//   npm run build && node bench/local.mjs [--model path.onnx --preset id] [--images 24] [--workers 2] [--device cpu]
//                                         [--generate /models/sd-turbo --pipeline sd-turbo|lcm] [--generate-calls 6] [--only generate]
//
// Defaults: the SINet and PP-HumanSeg fixtures in ../shared/fixtures/models (or PIXMUX_SHARED_DIR), the photos in
// test/fixtures (and ../shared/fixtures/images when present). Imports the built package, so build first.
// Generate rows: a model folder given with --generate, else the synthetic stand-in networks the tests use
// (test/local/helpers/generate-models.ts: real input and output names and shapes, trivial arithmetic), so the rows
// measure pixmux's own work per stage (tokenizer, scheduler, transfers, PNG encoding) beside onnxruntime alone.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
    generate: { type: 'string' },
    pipeline: { type: 'string', default: 'sd-turbo' },
    'generate-calls': { type: 'string', default: '6' },
    only: { type: 'string' },
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
if (models.length === 0 && args.only !== 'generate') console.error('No background model: pass --model path.onnx --preset id (or provide ../shared/fixtures/models); generate rows only.');

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
for (const model of args.only === 'generate' ? [] : models) {
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

/** The synthetic model folders the tests use, compiled from the TypeScript helper (esbuild) and written to a temporary folder. */
async function syntheticFolders() {
  const { build } = await import('esbuild');
  const cache = new URL('../node_modules/.cache/pixmux-bench/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  const outfile = join(cache, 'generate-models.mjs');
  await build({ entryPoints: [new URL('../test/local/helpers/generate-models.ts', import.meta.url).pathname], outfile, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
  const { writeGenerateFolder } = await import(pathToFileURL(outfile).href);
  const root = mkdtempSync(join(tmpdir(), 'pixmux-bench-generate-'));
  return {
    root,
    folders: [
      { name: 'synthetic SD-Turbo 512², 1 step', path: writeGenerateFolder(join(root, 'sd-turbo'), { pipeline: 'sd-turbo' }), pipeline: 'sd-turbo', steps: 1 },
      { name: 'synthetic LCM 512², 4 steps', path: writeGenerateFolder(join(root, 'lcm'), { pipeline: 'lcm' }), pipeline: 'lcm', steps: 4 },
    ],
  };
}

/** `calls` generate calls one after another (after one warm-up), 512×512 PNG, mean milliseconds per stage. */
async function generateRows(model, calls) {
  const provider = local({ device: args.device, workers: 1, models: { generate: { path: model.path, pipeline: model.pipeline } } });
  const px = createPixmux({ providers: [provider] });
  const request = (seed) => ({ prompt: 'a photo of a cat', size: '512x512', seed, providerOptions: { local: { steps: model.steps } }, cache: false });
  await px.generate(request(0));
  const timings = [];
  const started = performance.now();
  for (let i = 1; i <= calls; i++) timings.push((await px.generate(request(i))).metadata.timings);
  const perCall = (performance.now() - started) / calls;
  await px.dispose();
  const stage = (key) => mean(timings.map((timing) => timing[key]));
  return { perCall, queue: stage('queueMs'), tokenize: stage('tokenizeMs'), text: stage('textEncoderMs'), unet: stage('unetMs'), vae: stage('vaeMs'), encode: stage('encodeMs') };
}

/** onnxruntime-node alone: the three sessions on this thread, inputs prebuilt (ids, latents), no tokenizer, scheduler or encoding. */
async function generateOrtAlone(model, calls) {
  const ort = await import('onnxruntime-node');
  const options = { executionProviders: [args.device === 'cuda' ? 'cuda' : 'cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: cores, logSeverityLevel: 3 };
  const [text, unet, vae] = await Promise.all(['text_encoder', 'unet', 'vae_decoder'].map((name) => ort.InferenceSession.create(join(model.path, name, 'model.onnx'), options)));
  const typed = (session, name) => session.inputMetadata[session.inputNames.indexOf(name)]?.type ?? 'float32';
  const floats = (type, count, dims, value = 0.1) => (type === 'float16' ? new ort.Tensor('float16', new Uint16Array(count).fill(0x2e66), dims) : new ort.Tensor('float32', new Float32Array(count).fill(value), dims));
  const idsType = typed(text, text.inputNames[0]);
  const ids = idsType === 'int64' ? new ort.Tensor('int64', new BigInt64Array(77), [1, 77]) : new ort.Tensor('int32', new Int32Array(77), [1, 77]);
  const spent = { text: 0, unet: 0, vae: 0 };
  const once = async () => {
    let t = performance.now();
    const hidden = (await text.run({ [text.inputNames[0]]: ids }))[text.outputNames[0]];
    spent.text += performance.now() - t;
    const feeds = {
      sample: floats(typed(unet, 'sample'), 4 * 64 * 64, [1, 4, 64, 64]),
      timestep: typed(unet, 'timestep') === 'int64' ? new ort.Tensor('int64', BigInt64Array.of(999n), [1]) : new ort.Tensor('float32', Float32Array.of(999), [1]),
      encoder_hidden_states: typed(unet, 'encoder_hidden_states') === 'float16' ? floats('float16', hidden.size, hidden.dims) : hidden,
    };
    if (unet.inputNames.includes('timestep_cond')) feeds.timestep_cond = floats(typed(unet, 'timestep_cond'), 256, [1, 256]);
    t = performance.now();
    for (let step = 0; step < model.steps; step++) await unet.run(feeds);
    spent.unet += performance.now() - t;
    t = performance.now();
    await vae.run({ [vae.inputNames[0]]: floats(typed(vae, vae.inputNames[0]), 4 * 64 * 64, [1, 4, 64, 64]) });
    spent.vae += performance.now() - t;
  };
  await once();
  Object.assign(spent, { text: 0, unet: 0, vae: 0 });
  for (let i = 0; i < calls; i++) await once();
  await Promise.all([text, unet, vae].map((session) => session.release()));
  return { text: spent.text / calls, unet: spent.unet / calls, vae: spent.vae / calls, perCall: (spent.text + spent.unet + spent.vae) / calls };
}

const calls = Number(args['generate-calls']);
const synthetic = args.generate ? undefined : await syntheticFolders();
const generateModels = args.generate
  ? [{ name: args.generate.split('/').pop(), path: args.generate, pipeline: args.pipeline, steps: args.pipeline === 'lcm' ? 4 : 1 }]
  : synthetic.folders;
for (const model of generateModels) {
  console.log(`\ngenerate: ${model.name} (${model.path}), ${calls} calls of 512×512 PNG, 1 worker`);
  console.log('  ms/call   queue tokenize    text    unet     vae  encode   (ms per call, mean)');
  const row = await generateRows(model, calls);
  console.log(`${fmt(row.perCall).padStart(9)} ${fmt(row.queue)} ${fmt(row.tokenize)} ${fmt(row.text)} ${fmt(row.unet)} ${fmt(row.vae)} ${fmt(row.encode)}`);
  const alone = await generateOrtAlone(model, calls);
  console.log(`${fmt(alone.perCall).padStart(9)} ${' '.repeat(7)} ${' '.repeat(7)} ${fmt(alone.text)} ${fmt(alone.unet)} ${fmt(alone.vae)} ${' '.repeat(7)}  onnxruntime-node alone (3 sessions, ${cores} threads, inputs prebuilt)`);
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(7);
  console.log(`${ratio(row.perCall, alone.perCall).padStart(9)} ${' '.repeat(7)} ${' '.repeat(7)} ${ratio(row.text, alone.text)} ${ratio(row.unet, alone.unet)} ${ratio(row.vae, alone.vae)} ${' '.repeat(7)}  ratio (pixmux stage incl. its JS work ÷ the bare session run)`);
}
if (synthetic) rmSync(synthetic.root, { recursive: true, force: true });
