// A batch script: one image per prompt in a text file, written to a folder, with bounded concurrency. Every line
// ends in a file or a reported error (a batch never loses an item); the exit code says whether any failed.
//   IMAGE_API_URL=http://gpu-box:8000/v1 node examples/batch-script.mjs prompts.txt out/
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createPixmux } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';

const [promptsFile, outDir = 'out'] = process.argv.slice(2);
if (!promptsFile) {
  console.error('usage: node examples/batch-script.mjs <prompts.txt> [out-dir]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const px = createPixmux({ providers: [openaiCompatible({ baseURL: process.env.IMAGE_API_URL ?? 'http://localhost:8000/v1', model: 'flux-schnell' })] });

/** The prompts, read lazily: a file of a million lines never sits in memory. */
async function* requests() {
  for await (const line of createInterface({ input: createReadStream(promptsFile) })) if (line.trim()) yield { prompt: line.trim(), seed: 7 };
}

let ok = 0;
let failed = 0;
let costUsd = 0;
for await (const item of px.batch('generate', requests(), { concurrency: 8 })) {
  if (item.ok) {
    writeFileSync(join(outDir, `${String(item.index).padStart(5, '0')}.png`), item.result.images[0].bytes);
    ok += 1;
    costUsd += item.result.costUsd;
  } else {
    failed += 1;
    console.error(`line ${item.index + 1}: ${item.error.code}: ${item.error.message}`);
  }
}
console.log(`${ok} written, ${failed} failed, $${costUsd.toFixed(4)}`);
await px.dispose();
process.exitCode = failed > 0 ? 1 : 0;
