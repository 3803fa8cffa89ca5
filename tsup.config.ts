import { readdirSync, existsSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/** Every `providers/<name>/index.ts` is its own entry and subpath export (`pixmux/providers/<name>`). */
const providerEntries = Object.fromEntries(
  readdirSync('providers', { withFileTypes: true })
    .filter((dirent) => dirent.isDirectory() && existsSync(`providers/${dirent.name}/index.ts`))
    .map((dirent) => [`providers/${dirent.name}/index`, `providers/${dirent.name}/index.ts`]),
);

/** Extra entry files a provider needs at run time (the local provider's worker thread). */
const workerEntries: Record<string, string> = existsSync('providers/local/worker.ts') ? { 'providers/local/worker': 'providers/local/worker.ts' } : {};

/**
 * Entry points built on the client's public surface, each its own subpath (`pixmux/ai-sdk`, `pixmux/queue`):
 * `src/<name>/index.ts` when it exists. Like the providers, they import the core as 'pixmux'.
 */
const surfaceEntries = Object.fromEntries(
  ['ai-sdk', 'queue']
    .filter((name) => existsSync(`src/${name}/index.ts`))
    .map((name) => [`${name}/index`, `src/${name}/index.ts`]),
);

const entry = { index: 'src/index.ts', ...providerEntries, ...workerEntries, ...surfaceEntries };

/**
 * p-limit (and its own dependency) is bundled into both builds: the CJS build because it ships ESM only, the ESM
 * build because resolving and loading it as a separate package was a measurable part of importing pixmux
 * (bench/import.mjs), for a few dozen lines of code. zod stays an ordinary dependency: the core and the providers
 * share one copy of it, loaded only by the modules that still build zod schemas.
 */
const bundled = [/^p-limit$/, /^yocto-queue$/];

const shared: Options = {
  entry,
  target: 'node20',
  platform: 'neutral',
  sourcemap: true,
  treeshake: true,
  // Providers import the core as 'pixmux', exactly as third-party providers do; it stays one shared copy.
  external: ['pixmux', 'onnxruntime-node', 'sharp', '@huggingface/tokenizers', /^node:/],
  // `npm start` and the CLI tests build JavaScript only (scripts/build-if-stale.mjs); `npm run build` adds the types.
  dts: process.env.PIXMUX_BUILD_JS_ONLY !== '1',
};

/**
 * The `pixmux` command (package.json `bin`): ESM only, built on the public surface — it imports `pixmux` and
 * `pixmux/providers/*` like any user, so they stay external and resolve to the package's own exports.
 */
const cli: Options = {
  entry: { 'cli/index': 'src/cli/index.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: false,
  splitting: false,
  dts: false,
  external: [/^pixmux(\/.*)?$/, 'onnxruntime-node', 'sharp', 'playwright-core'],
};

export default defineConfig([
  { ...shared, format: ['esm'], clean: true, splitting: true, noExternal: bundled },
  { ...shared, format: ['cjs'], clean: false, splitting: false, noExternal: bundled },
  cli,
]);
