import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { SHARED_IMAGES, SHARED_MODELS } from '../../helpers/shared.js';

const root = resolve(import.meta.dirname, '../../..');

/**
 * Node 20 cannot start a worker from TypeScript, so tests compile providers/local/worker.ts with esbuild
 * (as tsup does for dist/) into node_modules/.cache, where `onnxruntime-node` resolves from the repo.
 */
export async function buildTestWorker(): Promise<URL> {
  const dir = join(root, 'node_modules/.cache/pixmux-local-worker');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `worker-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, 'providers/local/worker.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['onnxruntime-node', 'sharp', '@huggingface/tokenizers'],
    logLevel: 'silent',
  });
  return pathToFileURL(outfile);
}

/** The shared fixture folders (real photos and small real ONNX models), when this machine has them. */
export { SHARED_IMAGES, SHARED_MODELS };
export const SINET = join(SHARED_MODELS, 'sinet_portrait_softmax_320.onnx');
export const PPHUMANSEG = join(SHARED_MODELS, 'pphumanseg_lite_portrait_398x224.onnx');
export const REPO_FIXTURES = join(root, 'test/fixtures');
