// pixmux with the Vercel AI SDK, both ways: AI SDK image models as pixmux providers (fromAiSdk), and the pixmux
// client, with its fallback, budget and cache, as the AI SDK image model that generateImage calls (toAiSdk).
//   IMAGE_API_URL=http://gpu-box:8000/v1 (an OpenAI-compatible server, tried first) and/or OPENAI_API_KEY=sk-... \
//   npm run build && node examples/ai-sdk.mjs "a watercolour fox"
// Needs `ai`, `@ai-sdk/openai` and `@ai-sdk/openai-compatible` installed next to pixmux.
import { mkdirSync, writeFileSync } from 'node:fs';

const gpuBox = process.env.IMAGE_API_URL;
const openaiKey = process.env.OPENAI_API_KEY;
if (!gpuBox && !openaiKey) {
  console.log('skipped: set IMAGE_API_URL (an OpenAI-compatible image server) and/or OPENAI_API_KEY to run this example (OpenAI bills about $0.02 an image)');
  process.exit(0);
}

// Imported after the check, so the example skips cleanly even before `npm run build`.
const { generateImage } = await import('ai');
const { createPixmux } = await import('pixmux');
const { fromAiSdk, toAiSdk } = await import('pixmux/ai-sdk');

const providers = [];
if (gpuBox) {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  const box = createOpenAICompatible({ name: 'gpu-box', baseURL: gpuBox });
  providers.push(fromAiSdk(box.imageModel(process.env.IMAGE_API_MODEL ?? 'flux-schnell'), { tier: 'local', price: 0 }));
}
if (openaiKey) {
  const { openai } = await import('@ai-sdk/openai');
  // Priced so the daily budget below can count it: gpt-image-2 at low quality, about $0.02 for 1024×1024.
  providers.push(fromAiSdk(openai.image('gpt-image-2'), { tier: 'premium', price: 0.02, providerOptions: { openai: { quality: 'low' } } }));
}

const px = createPixmux({
  providers, // the GPU box first; OpenAI when it is down or busy
  retry: { retries: 1 },
  budget: { limits: [{ usd: 5, per: 'day' }] },
});

const { images, warnings } = await generateImage({
  model: toAiSdk(px),
  prompt: process.argv[2] ?? 'a watercolour fox sitting in tall grass',
  size: '1024x1024',
});
const made = images[0].providerMetadata?.pixmux;
mkdirSync('out', { recursive: true });
const file = `out/ai-sdk.${images[0].mediaType.split('/')[1]}`;
writeFileSync(file, images[0].uint8Array);
console.log(`wrote ${file}: provider ${made.provider}, model ${made.model}, $${made.costUsd}, ${made.attempts.length} attempt(s)`);
if (warnings.length > 0) console.log('warnings:', warnings);
