// Generate an image with Black Forest Labs' FLUX API (flux-2-pro by default, from 3 credits = $0.03 per image).
// BFL runs each image as a task: pixmux submits it, polls the returned polling_url and downloads the result,
// whose signed URL expires about ten minutes later.
//   BFL_API_KEY=... npm run build && node examples/bfl-generate.mjs ["a prompt"] [endpoint, e.g. flux-pro-1.1]
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.BFL_API_KEY) {
  console.log('skipped: set BFL_API_KEY to run this example (one flux-2-pro image costs about $0.03)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { bfl } = await import('pixmux/providers/bfl');

const prompt = process.argv[2] ?? 'a red bicycle leaning on a white wall, soft morning light';
const px = createPixmux({ providers: [bfl({ baseURL: process.env.BFL_BASE_URL })], timeoutMs: 120_000 });
const result = await px.generate({
  prompt,
  size: '1024x768',
  format: 'png',
  providerOptions: { bfl: { safety_tolerance: 2 } },
  ...(process.argv[3] ? { model: process.argv[3] } : {}),
});
mkdirSync('out', { recursive: true });
const image = result.images[0];
writeFileSync(`out/bfl-0.${image.mediaType.split('/')[1]}`, image.bytes);
console.log(
  `wrote out/bfl-0.${image.mediaType.split('/')[1]} (${image.width}x${image.height}): provider ${result.provider}, model ${result.model}, ` +
    `$${result.costUsd}, task ${result.metadata.taskId ?? '?'}, ${result.timings.totalMs} ms`,
);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
