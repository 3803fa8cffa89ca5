// Generate an image with Clipdrop's text-to-image (one 1024×1024 PNG), then cut it out with Clipdrop's
// remove-background; the credits each call spent and the credits left come back in metadata.
//   CLIPDROP_API_KEY=... npm run build && node examples/clipdrop-generate.mjs "a red fox, studio photo"
import { mkdirSync, writeFileSync } from 'node:fs';

if (!process.env.CLIPDROP_API_KEY) {
  console.log('skipped: set CLIPDROP_API_KEY to run this example (two billed calls, 1 credit each)');
  process.exit(0);
}

// Imported after the key check, so the example skips cleanly even before `npm run build`.
const { createPixmux } = await import('pixmux');
const { clipdrop } = await import('pixmux/providers/clipdrop');

const px = createPixmux({ providers: [clipdrop({ baseURL: process.env.CLIPDROP_BASE_URL })], retry: { retries: 2 } });
mkdirSync('out', { recursive: true });
const generated = await px.generate({ prompt: process.argv[2] ?? 'a red fox sitting in snow, studio photo' });
writeFileSync('out/clipdrop.png', generated.images[0].bytes);
const cut = await px.removeBackground({ image: generated.images[0].bytes });
writeFileSync('out/clipdrop-cutout.png', cut.images[0].bytes);
for (const [file, result] of [['out/clipdrop.png', generated], ['out/clipdrop-cutout.png', cut]]) {
  console.log(`wrote ${file}: ${result.model}, credits spent ${result.metadata.creditsConsumed ?? '?'}, left ${result.metadata.remainingCredits ?? '?'}, $${result.costUsd}`);
}
for (const warning of [...generated.warnings, ...cut.warnings]) console.log('warning:', warning);
