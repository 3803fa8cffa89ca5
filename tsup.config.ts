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

const entry = { index: 'src/index.ts', ...providerEntries, ...workerEntries };

/** ky, p-retry and p-limit ship ESM only: bundle them (and their own dependencies) into the CJS build. */
const esmOnly = [/^ky$/, /^p-retry$/, /^p-limit$/, /^is-network-error$/, /^yocto-queue$/];

const shared: Options = {
  entry,
  target: 'node20',
  platform: 'neutral',
  sourcemap: true,
  treeshake: true,
  // Providers import the core as 'pixmux', exactly as third-party providers do; it stays one shared copy.
  external: ['pixmux', 'onnxruntime-node', 'sharp', /^node:/],
  dts: true,
};

export default defineConfig([
  { ...shared, format: ['esm'], clean: true, splitting: true },
  { ...shared, format: ['cjs'], clean: false, splitting: false, noExternal: esmOnly },
]);
