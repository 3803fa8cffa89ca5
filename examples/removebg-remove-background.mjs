// Remove a photo's background with remove.bg.
//   REMOVE_BG_API_KEY=... npm run build && node examples/removebg-remove-background.mjs [photo.jpg|png] [full|preview]
// Free accounts get preview size only: pass "preview" as the second argument.
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.REMOVE_BG_API_KEY) {
  console.log('skipped: set REMOVE_BG_API_KEY to run this example (it uses 1 credit, or 0.25 with "preview")');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { removebg } = await import('pixmux/providers/removebg');

const image = process.argv[2] ?? new URL('../test/fixtures/skimage_astronaut.png', import.meta.url);
const px = createPixmux({ providers: [removebg({ size: process.argv[3] ?? 'full', baseURL: process.env.REMOVE_BG_BASE_URL })], retry: { retries: 2 }, input: { files: true } });
const result = await px.removeBackground({ image, format: 'png' });
mkdirSync('out', { recursive: true });
writeFileSync('out/removebg.png', result.images[0].bytes);
console.log(
  `wrote out/removebg.png (${result.images[0].width}x${result.images[0].height}): provider ${result.provider}, model ${result.model}, $${result.costUsd}, ` +
    `credits ${result.metadata.creditsCharged ?? '?'}, foreground ${result.metadata.foregroundType ?? '?'}, ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
