// Restore the faces in a photo with PixelAPI (3 credits, about $0.003 on the Starter plan).
//   PIXELAPI_API_KEY=pk_live_... npm run build && node examples/pixelapi-restore-face.mjs [photo.jpg|png]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.PIXELAPI_API_KEY) {
  console.log('skipped: set PIXELAPI_API_KEY to run this example (it uses 3 credits)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { pixelapi } = await import('pixmux/providers/pixelapi');

const image = process.argv[2] ?? new URL('../test/fixtures/skimage_astronaut.png', import.meta.url);
const px = createPixmux({ providers: [pixelapi({ baseURL: process.env.PIXELAPI_BASE_URL })], timeoutMs: 120_000, input: { files: true } });
const result = await px.restoreFace({ image });
mkdirSync('out', { recursive: true });
const extension = result.images[0].mediaType.split('/')[1];
writeFileSync(`out/pixelapi-restored.${extension}`, result.images[0].bytes);
console.log(
  `wrote out/pixelapi-restored.${extension} (${result.images[0].width}x${result.images[0].height}): provider ${result.provider}, model ${result.model}, ` +
    `$${result.costUsd}, job ${result.metadata.generationId ?? '?'}, ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
