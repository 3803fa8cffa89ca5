// Generate with Stability AI (Stable Image Core by default; STABILITY_MODEL=ultra or sd3.5-large for others).
//   STABILITY_API_KEY=sk-... npm run build && node examples/stability-generate.mjs "a lighthouse at dusk"
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.STABILITY_API_KEY) {
  console.log('skipped: set STABILITY_API_KEY to run this example (it makes one billed call: 3 credits with core)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { stability } = await import('pixmux/providers/stability');

const px = createPixmux({ providers: [stability({ model: process.env.STABILITY_MODEL ?? 'core', baseURL: process.env.STABILITY_BASE_URL })], retry: { retries: 2 } });
const result = await px.generate({
  prompt: process.argv[2] ?? 'a lighthouse on a cliff at dusk, photographic',
  negativePrompt: 'text, watermark',
  aspectRatio: '16:9',
});
mkdirSync('out', { recursive: true });
const file = `out/stability.${result.images[0].mediaType.split('/')[1]}`;
writeFileSync(file, result.images[0].bytes);
console.log(`wrote ${file}: provider ${result.provider}, model ${result.model}, $${result.costUsd}, seed ${result.metadata.seed}, ${result.timings.totalMs} ms`);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
