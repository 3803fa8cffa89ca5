// Generate with Google's Gemini image models through the Gemini API (gemini-2.5-flash-image by default;
// GOOGLE_MODEL=gemini-3-pro-image-preview for Nano Banana Pro). Imagen runs on Vertex AI only: see googleVertex()
// in pixmux/providers/google-vertex (README, "Google").
//   GEMINI_API_KEY=... npm run build && node examples/google-generate.mjs "a paper boat on a pond"
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.GEMINI_API_KEY && !process.env.GOOGLE_API_KEY) {
  console.log('skipped: set GEMINI_API_KEY (or GOOGLE_API_KEY) to run this example (it makes one billed call, about $0.039 with gemini-2.5-flash-image)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { google } = await import('pixmux/providers/google');

const px = createPixmux({ providers: [google({ model: process.env.GOOGLE_MODEL, baseURL: process.env.GOOGLE_BASE_URL })], retry: { retries: 2 } });
const result = await px.generate({
  prompt: process.argv[2] ?? 'a paper boat on a still pond at dawn, soft light',
  aspectRatio: '16:9',
});
mkdirSync('out', { recursive: true });
const file = `out/google.${result.images[0].mediaType.split('/')[1]}`;
writeFileSync(file, result.images[0].bytes);
console.log(`wrote ${file}: provider ${result.provider}, model ${result.model}, $${result.costUsd}, ${result.timings.totalMs} ms`);
if (result.metadata.text) console.log('the model said:', result.metadata.text);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
