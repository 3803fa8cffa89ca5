#!/usr/bin/env node
// The main job (`npm start`): removes the background of a bundled public-domain photo on this machine with the local
// backend, offline, and writes the cut-out to ./out/.
//
// By default it runs the small SINet portrait model committed beside this file (examples/models/, 0.44 MB, MIT; a
// demo model: its training data's terms are not stated, so it is not in the npm package nor among local()'s
// defaults). `--model` names a manifest model (downloaded and verified on first use) or your own file:
//
//   npm start -- [--image photo.jpg] [--model birefnet-general-lite | --model path.onnx --preset id] [--device cpu]
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPixmux, PixmuxError } from 'pixmux';
import { local, MODELS } from 'pixmux/providers/local';

const DEMO_MODEL = fileURLToPath(new URL('./models/sinet_portrait_softmax_320.onnx', import.meta.url));

const { values: args } = parseArgs({
  options: {
    image: { type: 'string', default: fileURLToPath(new URL('../test/fixtures/skimage_astronaut.png', import.meta.url)) },
    model: { type: 'string' },
    preset: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'out' },
  },
});
const manifestModel = args.model !== undefined && Object.hasOwn(MODELS, args.model);
if (args.model && !manifestModel && !args.preset) {
  console.error(`--model is a manifest id (${Object.keys(MODELS).join(', ')}) or a file with --preset (birefnet, isnet, isnet-imgly, u2net, modnet, sinet, pphumanseg, rmbg2)`);
  process.exit(2);
}

let lastReport = 0;
function onProgress({ model, file, receivedBytes, totalBytes }) {
  const now = Date.now();
  if (now - lastReport < 500 && receivedBytes !== totalBytes) return;
  lastReport = now;
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  const percent = totalBytes > 0 ? ` (${Math.floor((receivedBytes / totalBytes) * 100)} %)` : '';
  process.stderr.write(`downloading ${model}/${file}: ${mb(receivedBytes)} of ${totalBytes > 0 ? mb(totalBytes) : '?'} MB${percent}\n`);
}

const removeBackground = manifestModel ? args.model : { path: args.model ?? DEMO_MODEL, preset: args.preset ?? 'sinet' };
// File paths are read only when a client opts in (a service forwarding users' strings must not read its own disk).
const px = createPixmux({ providers: [local({ device: args.device, onProgress, models: { removeBackground } })], timeoutMs: 30 * 60_000, input: { files: true } });

try {
  const started = performance.now();
  const result = await px.removeBackground({ image: args.image });
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(args.out, { recursive: true });
  const target = join(args.out, `${basename(args.image, extname(args.image))}-cutout.png`);
  writeFileSync(target, result.images[0].bytes);
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
  const model = args.model === undefined ? `${result.model} (demo SINet portrait model, examples/models/)` : result.model;
  console.log(`wrote ${target} (${result.images[0].width}×${result.images[0].height})`);
  console.log(`provider ${result.provider}, model ${model}, device ${result.metadata.device}, ${seconds.toFixed(2)} s, cost $${result.costUsd.toFixed(4)}`);
  if (args.model === undefined) {
    console.log('Your own photos with the general default model (birefnet-general-lite, MIT, 224 MB, downloaded on first use): npx pixmux remove-bg ./photos -o ./cutouts');
  }
} catch (error) {
  const cause = PixmuxError.isInstance(error) && PixmuxError.isInstance(error.cause) ? error.cause : error;
  console.error(PixmuxError.isInstance(cause) ? `${cause.code}: ${cause.message}` : cause);
  process.exitCode = 1;
} finally {
  await px.dispose();
}
