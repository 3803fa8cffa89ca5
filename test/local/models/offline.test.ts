import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureModel, MODELS, modelFilePath, type ModelSpec } from '../../../providers/local/models/index.js';
import { fakeModelBytes, fakeSpec } from './helpers/model-server.js';
import { rejectionOf as rejection } from '../../helpers/errors.js';

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'pixmux-offline-'));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(cacheDir, { recursive: true, force: true });
});

/** A fetch that fails the test if anything calls it. */
function forbiddenFetch() {
  return vi.fn<typeof fetch>(async () => {
    throw new Error('offline mode made a request');
  });
}

describe('offline mode', () => {
  it('fails without any request, listing each file, its URLs and the exact path to put it at', async () => {
    const fetch = forbiddenFetch();
    const spec: ModelSpec = MODELS['gfpgan-1.4']!;
    const error = await rejection(ensureModel(spec, { cacheDir, offline: true, fetch }));

    expect(fetch).not.toHaveBeenCalled();
    expect(error.code).toBe('provider_unavailable');
    expect(error.retryable).toBe(false);
    const file = spec.files[0]!;
    expect(error.message).toContain(file.name);
    for (const url of file.urls) expect(error.message).toContain(url);
    expect(error.message).toContain(modelFilePath(cacheDir, spec, file));
    expect(error.message).toContain(file.sha256);
    expect(error.message).toContain("path: '/path/to/model.onnx', preset: 'gfpgan'");
    expect(existsSync(path.join(cacheDir, 'models'))).toBe(false); // nothing written either
  });

  it('reads PIXMUX_OFFLINE=1 when the option is not given, and lists every missing file of a multi-file model', async () => {
    vi.stubEnv('PIXMUX_OFFLINE', '1');
    const fetch = forbiddenFetch();
    const a = fakeModelBytes(100);
    const b = fakeModelBytes(200);
    const spec = fakeSpec('two-files', a, ['https://models.example/a.onnx']);
    spec.files.push({ name: 'weights.bin', urls: ['https://models.example/weights.bin', 'https://mirror.example/weights.bin'], sha256: b.sha256, size: 200 });

    const error = await rejection(ensureModel(spec, { cacheDir, fetch }));

    expect(fetch).not.toHaveBeenCalled();
    expect(error.message).toContain('PIXMUX_OFFLINE=1');
    expect(error.message).toContain(modelFilePath(cacheDir, spec, spec.files[0]!));
    expect(error.message).toContain(modelFilePath(cacheDir, spec, spec.files[1]!));
    expect(error.message).toContain('https://mirror.example/weights.bin');
    expect(error.message).toContain('200 bytes');
  });

  it('uses files already in the cache', async () => {
    const model = fakeModelBytes(1_000);
    const spec = fakeSpec('cached', model, ['https://models.example/m.onnx']);
    const target = modelFilePath(cacheDir, spec, spec.files[0]!);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, model.bytes);
    const fetch = forbiddenFetch();
    expect(await ensureModel(spec, { cacheDir, offline: true, fetch })).toEqual({ paths: [target], downloaded: false });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('removes a corrupt cached file and says so with bad_response', async () => {
    const model = fakeModelBytes(1_000);
    const spec = fakeSpec('corrupt', model, ['https://models.example/m.onnx']);
    const target = modelFilePath(cacheDir, spec, spec.files[0]!);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, new Uint8Array(1_000));
    const fetch = forbiddenFetch();
    const error = await rejection(ensureModel(spec, { cacheDir, offline: true, fetch }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain(target);
    expect(existsSync(target)).toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('an explicit offline: false wins over PIXMUX_OFFLINE=1', async () => {
    vi.stubEnv('PIXMUX_OFFLINE', '1');
    const notFound = vi.fn<typeof fetch>(async () => new Response('nope', { status: 404 }));
    const error = await rejection(ensureModel(fakeSpec('online', fakeModelBytes(10), ['https://models.example/m.onnx']), { cacheDir, offline: false, fetch: notFound }));
    expect(notFound).toHaveBeenCalledOnce();
    expect(error.code).toBe('provider_unavailable');
    expect(error.message).toContain('HTTP 404');
  });
});
