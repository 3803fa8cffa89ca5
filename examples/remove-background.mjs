#!/usr/bin/env node
// Removes the background of a bundled public-domain photo on this machine, with the local backend's default
// model (downloaded and verified on first use), and writes the cut-out to ./out/.
//
//   npm run build && node examples/remove-background.mjs [--image photo.jpg] [--model path.onnx --preset id] [--device cpu]
//
// Offline (PIXMUX_OFFLINE=1) with no model in the cache it fails with instructions and exit code 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPixmux, PixmuxError } from 'pixmux';
import { local } from 'pixmux/providers/local';

const { values: args } = parseArgs({
  options: {
    image: { type: 'string', default: fileURLToPath(new URL('../test/fixtures/skimage_astronaut.png', import.meta.url)) },
    model: { type: 'string' },
    preset: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'out' },
  },
});
if (args.model && !args.preset) {
  console.error('--model needs --preset (birefnet, isnet, isnet-imgly, u2net, modnet, sinet, pphumanseg, rmbg2)');
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

const provider = local({
  device: args.device,
  onProgress,
  ...(args.model ? { models: { removeBackground: { path: args.model, preset: args.preset } } } : {}),
});
// File paths are read only when a client opts in (a service forwarding users' strings must not read its own disk).
const px = createPixmux({ providers: [provider], timeoutMs: 30 * 60_000, input: { files: true } });

try {
  const started = performance.now();
  const result = await px.removeBackground({ image: args.image });
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(args.out, { recursive: true });
  const target = join(args.out, `${basename(args.image, extname(args.image))}-cutout.png`);
  writeFileSync(target, result.images[0].bytes);
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
  console.log(`wrote ${target} (${result.images[0].width}×${result.images[0].height})`);
  console.log(`provider ${result.provider}, model ${result.model}, device ${result.metadata.device}, ${seconds.toFixed(2)} s, cost $${result.costUsd.toFixed(4)}`);
} catch (error) {
  const cause = PixmuxError.isInstance(error) && PixmuxError.isInstance(error.cause) ? error.cause : error;
  console.error(PixmuxError.isInstance(cause) ? `${cause.code}: ${cause.message}` : cause);
  if (PixmuxError.isInstance(cause) && cause.code === 'provider_unavailable' && !args.model) {
    console.error('\nWith a model file at hand, run: npm start -- --model /path/to/model.onnx --preset <birefnet|isnet|u2net|…>');
  }
  process.exitCode = 1;
} finally {
  await px.dispose();
}
