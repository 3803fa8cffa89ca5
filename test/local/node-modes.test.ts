import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, FIXTURES, ROOT } from '../cli/helpers.js';
import { missingFixtures, SHARED_MODELS } from '../helpers/shared.js';

const run = promisify(execFile);
const MODEL = join(SHARED_MODELS, 'sinet_portrait_softmax_320.onnx');
const PHOTO = join(FIXTURES, 'skimage_astronaut.png');

/** One local removeBackground with the built package; prints the cut-out's size and the device. */
const body = `
  const px = createPixmux({ providers: [local({ device: 'cpu', workers: 1, models: { removeBackground: { path: ${JSON.stringify(MODEL)}, preset: 'sinet' } } })] });
  try {
    const result = await px.removeBackground({ image: readFileSync(${JSON.stringify(PHOTO)}) });
    console.log('cutout', result.images[0].width, result.images[0].height, result.metadata.device);
  } finally {
    await px.dispose();
  }`;
const ESM = `import { createPixmux } from 'pixmux';\nimport { local } from 'pixmux/providers/local';\nimport { readFileSync } from 'node:fs';\n${body}\n`;
const CJS = `const { createPixmux } = require('pixmux');\nconst { local } = require('pixmux/providers/local');\nconst { readFileSync } = require('node:fs');\n(async () => {${body}\n})().catch((error) => { console.error(error); process.exit(1); });\n`;

beforeAll(() => ensureBuilt(), 180_000);

// Each mode resolves 'pixmux' to the built dist/ through the package's own exports (run from the repo root).
describe.skipIf(missingFixtures(MODEL))('local() from every way Node runs code (built dist/)', () => {
  const modes: [string, () => string[]][] = [
    ['node -e (CommonJS eval)', () => ['-e', CJS]],
    ['node --input-type=module -e', () => ['--input-type=module', '-e', ESM]],
    ['node --input-type module -e (flag value apart)', () => ['--input-type', 'module', '-e', ESM]],
    ['an ES module file', () => [write('app.mjs', ESM)]],
    ['a CommonJS file', () => [write('app.cjs', CJS)]],
  ];
  let app: string | undefined;
  /** A file in a temp project whose node_modules/pixmux links to this repo, as an installed package would be. */
  const write = (name: string, text: string) => {
    if (app === undefined) {
      app = mkdtempSync(join(tmpdir(), 'pixmux-node-modes-'));
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(ROOT, join(app, 'node_modules', 'pixmux'), 'dir');
    }
    writeFileSync(join(app, name), text);
    return join(app, name);
  };

  it.each(modes)('%s', async (_name, args) => {
    const { stdout } = await run(process.execPath, args(), { cwd: ROOT, env: { ...process.env, PIXMUX_OFFLINE: '1' } });
    expect(stdout.trim()).toBe('cutout 512 512 cpu');
  });
});
