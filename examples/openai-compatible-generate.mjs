// Generate through any server that speaks OpenAI's images API: your own GPU box, LocalAI, a gateway.
//   OPENAI_COMPATIBLE_BASE_URL=http://gpu-box:8000/v1 OPENAI_COMPATIBLE_MODEL=flux-schnell \
//   npm run build && node examples/openai-compatible-generate.mjs "a red bicycle"
import { mkdirSync, writeFileSync } from 'node:fs';
import { createPixmux } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';

const baseURL = process.env.OPENAI_COMPATIBLE_BASE_URL;
if (!baseURL) {
  console.log('skipped: set OPENAI_COMPATIBLE_BASE_URL (and OPENAI_COMPATIBLE_MODEL, optionally OPENAI_COMPATIBLE_API_KEY) to run this example');
  process.exit(0);
}

const px = createPixmux({
  providers: [openaiCompatible({ baseURL, model: process.env.OPENAI_COMPATIBLE_MODEL ?? 'default' })],
  retry: { retries: 2 },
});
const result = await px.generate({ prompt: process.argv[2] ?? 'a red bicycle on a white background', size: '1024x1024' });
mkdirSync('out', { recursive: true });
writeFileSync('out/openai-compatible.png', result.images[0].bytes);
console.log(`wrote out/openai-compatible.png: provider ${result.provider}, model ${result.model}, $${result.costUsd}, ${result.timings.totalMs} ms`);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
