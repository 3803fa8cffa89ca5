// Generate an image on Replicate (black-forest-labs/flux-schnell by default, $0.003 per image).
//   REPLICATE_API_TOKEN=r8_... npm run build && node examples/replicate-generate.mjs ["a prompt"] [owner/name or owner/name:version]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.REPLICATE_API_TOKEN) {
  console.log('skipped: set REPLICATE_API_TOKEN to run this example (one flux-schnell image costs about $0.003)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { replicate } = await import('pixmux/providers/replicate');

const prompt = process.argv[2] ?? 'a red bicycle leaning on a white wall, soft morning light';
const px = createPixmux({ providers: [replicate({ baseURL: process.env.REPLICATE_BASE_URL })], timeoutMs: 120_000 });
const result = await px.generate({ prompt, aspectRatio: '4:3', format: 'png', ...(process.argv[3] ? { model: process.argv[3] } : {}) });
mkdirSync('out', { recursive: true });
result.images.forEach((image, index) => writeFileSync(`out/replicate-${index}.${image.mediaType.split('/')[1]}`, image.bytes));
const first = result.images[0];
console.log(
  `wrote out/replicate-0.${first.mediaType.split('/')[1]} (${first.width}x${first.height}): provider ${result.provider}, model ${result.model}, ` +
    `$${result.costUsd}, prediction ${result.metadata.predictionId ?? '?'}, ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
