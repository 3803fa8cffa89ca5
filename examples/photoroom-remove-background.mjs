// Remove a photo's background with Photoroom's Remove Background API (Basic plan).
//   PHOTOROOM_API_KEY=... npm run build && node examples/photoroom-remove-background.mjs [photo.jpg|png] [bg_color]
// A `sandbox_` key makes free, watermarked calls.
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.PHOTOROOM_API_KEY) {
  console.log('skipped: set PHOTOROOM_API_KEY to run this example (one billed call, $0.02; a sandbox_ key is free and watermarked)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { photoroom } = await import('pixmux/providers/photoroom');

const image = process.argv[2] ?? new URL('../test/fixtures/skimage_astronaut.png', import.meta.url);
const bgColor = process.argv[3];
const px = createPixmux({ providers: [photoroom({ baseURL: process.env.PHOTOROOM_BASE_URL })], retry: { retries: 2 }, input: { files: true } });
const result = await px.removeBackground({ image, format: 'png', providerOptions: { photoroom: bgColor ? { bg_color: bgColor } : {} } });
mkdirSync('out', { recursive: true });
writeFileSync('out/photoroom.png', result.images[0].bytes);
console.log(`wrote out/photoroom.png (${result.images[0].width}x${result.images[0].height}): provider ${result.provider}, $${result.costUsd}, ${result.timings.totalMs} ms`);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
