// Generate an image with FLUX.1-schnell on Hugging Face, then cut a photo out with RMBG-1.4, both through the
// Inference Providers router (hf-inference). pixmux turns RMBG's mask into the cut-out itself, without native code.
//   HF_TOKEN=hf_... npm run build && node examples/huggingface-remove-background.mjs [photo.png] ["a prompt"]
// The cut-out needs a PNG input (pixmux decodes PNG without native code; see `decodeImage` for JPEG).
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.HF_TOKEN) {
  console.log('skipped: set HF_TOKEN to run this example (a token with the "Make calls to Inference Providers" permission; two billed calls on your HF credits)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { huggingface } = await import('pixmux/providers/huggingface');

const px = createPixmux({ providers: [huggingface({ baseURL: process.env.HF_BASE_URL })], retry: { retries: 2 }, input: { files: true } });
mkdirSync('out', { recursive: true });

const generated = await px.generate({ prompt: process.argv[3] ?? 'a lighthouse on a cliff at dusk', size: '1024x768' });
const generatedFile = `out/huggingface.${generated.images[0].mediaType.split('/')[1]}`;
writeFileSync(generatedFile, generated.images[0].bytes);
console.log(`wrote ${generatedFile}: model ${generated.model}, ~$${generated.costUsd}, ${generated.timings.totalMs} ms`);

const image = process.argv[2] ?? new URL('../test/fixtures/skimage_astronaut.png', import.meta.url);
const cut = await px.removeBackground({ image });
writeFileSync('out/huggingface-cutout.png', cut.images[0].bytes);
console.log(`wrote out/huggingface-cutout.png (${cut.images[0].width}x${cut.images[0].height}): model ${cut.model}, segments ${JSON.stringify(cut.metadata.segments)}, ${cut.timings.totalMs} ms`);
for (const warning of [...generated.warnings, ...cut.warnings]) console.log('warning:', warning);
