// Generate an image on Together AI (black-forest-labs/FLUX.1-schnell by default, about $0.003 per megapixel).
//   TOGETHER_API_KEY=... npm run build && node examples/together-generate.mjs ["a prompt"] [model id]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.TOGETHER_API_KEY) {
  console.log('skipped: set TOGETHER_API_KEY to run this example (one 1024x768 FLUX.1-schnell image costs about $0.002)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { together } = await import('pixmux/providers/together');

const prompt = process.argv[2] ?? 'a red bicycle leaning on a white wall, soft morning light';
const px = createPixmux({ providers: [together({ baseURL: process.env.TOGETHER_BASE_URL })], timeoutMs: 60_000 });
const result = await px.generate({ prompt, size: '1024x768', format: 'png', ...(process.argv[3] ? { model: process.argv[3] } : {}) });
mkdirSync('out', { recursive: true });
result.images.forEach((image, index) => writeFileSync(`out/together-${index}.${image.mediaType.split('/')[1]}`, image.bytes));
const first = result.images[0];
console.log(
  `wrote out/together-0.${first.mediaType.split('/')[1]} (${first.width}x${first.height}): provider ${result.provider}, model ${result.model}, ` +
    `$${result.costUsd}, ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
