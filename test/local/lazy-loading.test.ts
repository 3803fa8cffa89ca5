import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PixmuxError } from 'pixmux';
import { describe, expect, it } from 'vitest';
import { probeNativeLoads } from '../helpers/native-probe.js';
import { loadSharp } from '../../providers/local/native.js';
import { createWorkerPool } from '../../providers/local/pool/worker-pool.js';
import { resolvePreset } from '../../providers/local/pipelines/remove-background/presets.js';

const root = resolve(import.meta.dirname, '../..');

describe('optional native packages', () => {
  it('importing pixmux/providers/local and creating the provider loads neither onnxruntime-node nor sharp', async () => {
    const { probe, loaded } = await probeNativeLoads(
      { core: 'src/index.ts', local: 'providers/local/index.ts' },
      `const provider = local.local();
       const px = core.createPixmux({ providers: [provider] });
       globalThis.probe = { providers: px.providers, capacity: provider.capacity() };`,
    );
    expect(probe.providers).toEqual(['local']);
    expect((probe.capacity as { inFlight: number }).inFlight).toBe(0);
    expect(loaded).not.toMatch(/onnxruntime/i);
    expect(loaded).not.toMatch(/sharp|libvips/i);
  });

  it('pixmux/providers/local never imports @huggingface/tokenizers: only the worker does, on the first generate call', async () => {
    const bundle = async (entry: string) => {
      const result = await build({ entryPoints: [join(root, entry)], bundle: true, write: false, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
      return result.outputFiles.map((file) => file.text).join('\n');
    };
    expect(await bundle('providers/local/index.ts')).not.toContain('@huggingface/tokenizers');
    // The worker names it for a dynamic import() on first use (a static import would load it with the worker).
    const worker = await bundle('providers/local/worker.ts');
    expect(worker).toContain('"@huggingface/tokenizers"');
    expect(worker).not.toMatch(/^import .*@huggingface\/tokenizers/m);
  });

  it('a missing sharp is provider_unavailable and says what to install', async () => {
    const error = await loadSharp('local', () => Promise.reject(new Error("Cannot find package 'sharp'"))).catch((thrown: unknown) => thrown);
    expect(PixmuxError.isInstance(error)).toBe(true);
    const typed = error as PixmuxError;
    expect(typed.code).toBe('provider_unavailable');
    expect(typed.retryable).toBe(false);
    expect(typed.message).toMatch(/"sharp" could not be loaded \(Cannot find package 'sharp'\)/);
    expect(typed.message).toMatch(/npm install onnxruntime-node sharp/);
    expect(typed.message).toMatch(/CUDA 12/);
  });

  it('a missing onnxruntime-node is provider_unavailable from the worker, with the same advice', async () => {
    // The worker compiled outside the repo: `onnxruntime-node` does not resolve from there.
    const dir = mkdtempSync(join(tmpdir(), 'pixmux-no-ort-'));
    try {
      const outfile = join(dir, 'worker.mjs');
      await build({ entryPoints: [join(root, 'providers/local/worker.ts')], outfile, bundle: true, format: 'esm', platform: 'node', external: ['onnxruntime-node'], logLevel: 'silent' });
      const pool = createWorkerPool({
        workerUrl: pathToFileURL(outfile),
        size: 1,
        gpuSize: 1,
        intraOpNumThreads: 1,
        device: 'cpu',
        maxBatch: 1,
        maxBatchWaitMs: 0,
        provider: 'local',
      });
      const error = await pool.run({ modelPath: join(dir, 'any.onnx'), preset: resolvePreset({ size: [2, 2] }), image: new Uint8Array(12) }).catch((thrown: unknown) => thrown);
      await pool.dispose();
      expect(PixmuxError.isInstance(error)).toBe(true);
      const typed = error as PixmuxError;
      expect(typed.code).toBe('provider_unavailable');
      expect(typed.message).toMatch(/"onnxruntime-node" could not be loaded/);
      expect(typed.message).toMatch(/npm install onnxruntime-node sharp/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
