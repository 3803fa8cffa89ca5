// Generate with OpenAI's GPT-image models (gpt-image-2 by default).
//   OPENAI_API_KEY=sk-... npm run build && node examples/openai-generate.mjs "a watercolour fox" [quality: low|medium|high]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.OPENAI_API_KEY) {
  console.log('skipped: set OPENAI_API_KEY to run this example (it makes one billed call, about $0.02 at low quality)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { openai } = await import('pixmux/providers/openai');

const px = createPixmux({ providers: [openai({ baseURL: process.env.OPENAI_BASE_URL })], retry: { retries: 2 } });
const result = await px.generate({
  prompt: process.argv[2] ?? 'a watercolour fox sitting in tall grass',
  size: '1024x1024',
  providerOptions: { openai: { quality: process.argv[3] ?? 'low' } },
});
mkdirSync('out', { recursive: true });
const file = `out/openai.${result.images[0].mediaType.split('/')[1]}`;
writeFileSync(file, result.images[0].bytes);
console.log(`wrote ${file}: provider ${result.provider}, model ${result.model}, $${result.costUsd}, ${result.timings.totalMs} ms`);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
