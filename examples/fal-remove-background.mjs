// Remove a photo's background on fal.ai (fal-ai/birefnet by default), through fal's queue.
//   FAL_KEY=... npm run build && node examples/fal-remove-background.mjs [photo.jpg|png] [fal model id]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.FAL_KEY) {
  console.log('skipped: set FAL_KEY to run this example');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { fal } = await import('pixmux/providers/fal');

const image = process.argv[2] ?? new URL('../test/fixtures/skimage_chelsea.png', import.meta.url);
const px = createPixmux({ providers: [fal({ baseURL: process.env.FAL_BASE_URL })], timeoutMs: 120_000, input: { files: true } });
const result = await px.removeBackground({ image, format: 'png', ...(process.argv[3] ? { model: process.argv[3] } : {}) });
mkdirSync('out', { recursive: true });
writeFileSync('out/fal-cutout.png', result.images[0].bytes);
console.log(
  `wrote out/fal-cutout.png (${result.images[0].width}x${result.images[0].height} ${result.images[0].mediaType}): provider ${result.provider}, ` +
    `model ${result.model}, $${result.costUsd} (fal lists BiRefNet at "$0 per compute second"; check your dashboard), ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
