import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PixmuxError } from 'pixmux';
import { ensureModel, modelFilePath, type DownloadProgress, type EnsureOptions, type ModelSpec } from '../../../providers/local/models/index.js';
import { fakeModelBytes, fakeSpec, sameBytes, startModelServer, type Route } from './helpers/model-server.js';
import { rejectionOf as expectPixmuxError } from '../../helpers/errors.js';

const FAST: EnsureOptions = { retryDelayMs: 1, offline: false };

let cacheDir: string;
let server: Awaited<ReturnType<typeof startModelServer>> | undefined;

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'pixmux-models-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(cacheDir, { recursive: true, force: true });
});

async function serve(routes: Record<string, Route>) {
  server = await startModelServer(routes);
  return server;
}

/** Resolves `reached` once a progress event says `bytes` are on disk: the moment a test server may cut the connection. */
function bytesOnDisk(bytes: number) {
  let resolve!: () => void;
  const reached = new Promise<void>((done) => (resolve = done));
  return { reached: () => reached, saw: (event: DownloadProgress) => void (event.receivedBytes >= bytes && resolve()) };
}

function partPath(spec: ModelSpec) {
  return `${modelFilePath(cacheDir, spec, spec.files[0]!)}.part`;
}

describe('ensureModel downloads', () => {
  it('downloads, verifies and places the file; progress is monotonic and ends at the total; a second call uses the cache', async () => {
    const model = fakeModelBytes(600_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes, chunkSize: 8_192 } });
    const spec = fakeSpec('plain', model, [srv.url('/m.onnx')], { md5: model.md5 });
    const events: DownloadProgress[] = [];

    const first = await ensureModel(spec, { ...FAST, cacheDir, onProgress: (event) => events.push(event) });

    expect(first.downloaded).toBe(true);
    expect(first.paths).toEqual([path.join(cacheDir, 'models', 'plain', 'plain.onnx')]);
    expect(await sameBytes(first.paths[0]!, model.bytes)).toBe(true);
    expect(existsSync(partPath(spec))).toBe(false);
    expect(existsSync(`${first.paths[0]}.lock`)).toBe(false);
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) expect(events[i]!.receivedBytes).toBeGreaterThanOrEqual(events[i - 1]!.receivedBytes);
    expect(events.at(-1)).toEqual({ model: 'plain', file: 'plain.onnx', receivedBytes: 600_000, totalBytes: 600_000 });
    expect(events.every((event) => event.totalBytes === 600_000)).toBe(true);

    const second = await ensureModel(spec, { ...FAST, cacheDir });
    expect(second).toEqual({ paths: first.paths, downloaded: false });
    expect(srv.requests).toHaveLength(1);
  });

  it('resumes after the server drops the connection mid-body: the next attempt sends Range and gets 206', async () => {
    const model = fakeModelBytes(300_000);
    const onDisk = bytesOnDisk(120_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes, cutAfterBytes: 120_000, cutWhen: onDisk.reached } });
    const spec = fakeSpec('cut', model, [srv.url('/m.onnx')]);
    const events: DownloadProgress[] = [];

    const result = await ensureModel(spec, { ...FAST, cacheDir, onProgress: (event) => (events.push(event), onDisk.saw(event)) });

    expect(result.downloaded).toBe(true);
    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.range)).toEqual([undefined, 'bytes=120000-']);
    for (let i = 1; i < events.length; i++) expect(events[i]!.receivedBytes).toBeGreaterThanOrEqual(events[i - 1]!.receivedBytes);
    expect(events.at(-1)?.receivedBytes).toBe(300_000);
  });

  it('restarts from zero when the server ignores Range and answers 200', async () => {
    const model = fakeModelBytes(150_000);
    const onDisk = bytesOnDisk(50_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes, cutAfterBytes: 50_000, ignoreRange: true, cutWhen: onDisk.reached } });
    const spec = fakeSpec('no-range', model, [srv.url('/m.onnx')]);
    const events: DownloadProgress[] = [];

    const result = await ensureModel(spec, { ...FAST, cacheDir, onProgress: (event) => (events.push(event), onDisk.saw(event)) });

    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.range)).toEqual([undefined, 'bytes=50000-']);
    for (let i = 1; i < events.length; i++) expect(events[i]!.receivedBytes).toBeGreaterThan(events[i - 1]!.receivedBytes);
    expect(events.at(-1)?.receivedBytes).toBe(150_000);
  });

  it('resumes a .part left by an earlier process, hashing the bytes already on disk', async () => {
    const model = fakeModelBytes(100_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('left-over', model, [srv.url('/m.onnx')]);
    await mkdir(path.dirname(partPath(spec)), { recursive: true });
    await writeFile(partPath(spec), model.bytes.subarray(0, 40_000));

    const result = await ensureModel(spec, { ...FAST, cacheDir });

    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.range)).toEqual(['bytes=40000-']);
  });

  it('starts over once when a resumed .part turns out to hold other bytes (an older file)', async () => {
    const model = fakeModelBytes(60_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('bad-part', model, [srv.url('/m.onnx')]);
    await mkdir(path.dirname(partPath(spec)), { recursive: true });
    await writeFile(partPath(spec), new Uint8Array(10_000).fill(7));

    const result = await ensureModel(spec, { ...FAST, cacheDir });

    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.range)).toEqual(['bytes=10000-', undefined]);
  });

  it('verifies a complete .part without a request, and uses it', async () => {
    const model = fakeModelBytes(20_000);
    const srv = await serve({});
    const spec = fakeSpec('complete-part', model, [srv.url('/m.onnx')]);
    await mkdir(path.dirname(partPath(spec)), { recursive: true });
    await writeFile(partPath(spec), model.bytes);
    const result = await ensureModel(spec, { ...FAST, cacheDir });
    expect(result.downloaded).toBe(true);
    expect(srv.requests).toHaveLength(0);
    expect(existsSync(partPath(spec))).toBe(false);
  });

  it('takes a 416 answer as "nothing left" when the .part already is the whole file (size not in the manifest)', async () => {
    const model = fakeModelBytes(20_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('range-416', model, [srv.url('/m.onnx')]);
    delete spec.files[0]!.size;
    await mkdir(path.dirname(partPath(spec)), { recursive: true });
    await writeFile(partPath(spec), model.bytes);
    const result = await ensureModel(spec, { ...FAST, cacheDir });
    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.range)).toEqual(['bytes=20000-']);
  });

  it('rejects a file whose hash is wrong with bad_response and removes it', async () => {
    const model = fakeModelBytes(50_000);
    const other = fakeModelBytes(50_000);
    const srv = await serve({ '/m.onnx': { body: other.bytes } });
    const spec = fakeSpec('wrong-hash', model, [srv.url('/m.onnx')]);

    const error = await expectPixmuxError(ensureModel(spec, { ...FAST, cacheDir }));

    expect(error.code).toBe('bad_response');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`instead of ${model.sha256}`);
    expect(existsSync(modelFilePath(cacheDir, spec, spec.files[0]!))).toBe(false);
    expect(existsSync(partPath(spec))).toBe(false);
  });

  it('checks the publisher md5 too', async () => {
    const model = fakeModelBytes(20_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('md5', model, [srv.url('/m.onnx')], { md5: '0'.repeat(32) });
    const error = await expectPixmuxError(ensureModel(spec, { ...FAST, cacheDir }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('md5');
  });

  it('stops a server that sends more bytes than the manifest size', async () => {
    const model = fakeModelBytes(30_000);
    const srv = await serve({ '/m.onnx': { body: new Uint8Array([...model.bytes, 1, 2, 3]) } });
    const spec = fakeSpec('too-long', model, [srv.url('/m.onnx')]);
    const error = await expectPixmuxError(ensureModel(spec, { ...FAST, cacheDir }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('more than the expected 30000 bytes');
    expect(existsSync(partPath(spec))).toBe(false);
  });

  it('falls back to the next URL when one answers 404 or 5xx', async () => {
    const model = fakeModelBytes(40_000);
    const srv = await serve({ '/gone.onnx': { body: model.bytes, status: 404 }, '/broken.onnx': { body: model.bytes, status: 503 }, '/ok.onnx': { body: model.bytes } });
    const spec = fakeSpec('mirrors', model, [srv.url('/gone.onnx'), srv.url('/broken.onnx'), srv.url('/ok.onnx')]);

    const result = await ensureModel(spec, { ...FAST, cacheDir });

    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.map((request) => request.path)).toEqual(['/gone.onnx', '/broken.onnx', '/ok.onnx']);
  });

  it('falls back to the next URL when a mirror serves wrong bytes', async () => {
    const model = fakeModelBytes(40_000);
    const srv = await serve({ '/evil.onnx': { body: fakeModelBytes(40_000).bytes }, '/ok.onnx': { body: model.bytes } });
    const spec = fakeSpec('bad-mirror', model, [srv.url('/evil.onnx'), srv.url('/ok.onnx')]);
    const result = await ensureModel(spec, { ...FAST, cacheDir });
    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
  });

  it('reports provider_unavailable, with how to place the file by hand, when every URL is a 4xx or a 5xx', async () => {
    const model = fakeModelBytes(1_000);
    const srv = await serve({ '/a': { body: model.bytes, status: 404 }, '/b': { body: model.bytes, status: 403 }, '/c': { body: model.bytes, status: 502 } });

    const missing = await expectPixmuxError(ensureModel(fakeSpec('missing', model, [srv.url('/a'), srv.url('/b')]), { ...FAST, cacheDir }));
    expect(missing.code).toBe('provider_unavailable');
    expect(missing.message).toContain('/a: HTTP 404');
    expect(missing.message).toContain('/b: HTTP 403');

    const flaky = await expectPixmuxError(ensureModel(fakeSpec('flaky', model, [srv.url('/a'), srv.url('/c')]), { ...FAST, cacheDir }));
    // The policy should move on rather than retry a model download; a later call resumes it.
    expect(flaky.code).toBe('provider_unavailable');
    expect(flaky.retryable).toBe(false);
    expect(flaky.message).toContain('A later call resumes the partial download');
    expect(flaky.message).toContain('put each one at the path shown');
  });

  it('gives up on a dead host after the attempts per URL, saying how often it tried and where the file goes', async () => {
    const model = fakeModelBytes(1_000);
    const srv = await serve({});
    const deadUrl = srv.url('/m.onnx');
    await srv.close();
    server = undefined;
    const error = await expectPixmuxError(ensureModel(fakeSpec('dead', model, [deadUrl]), { ...FAST, cacheDir, attemptsPerUrl: 2 }));
    expect(error.code).toBe('provider_unavailable');
    expect(error.retryable).toBe(false);
    expect(error.message.match(/network error/g)).toHaveLength(1);
    expect(error.message).toMatch(/network error.*\(2 tries\)/);
    expect(error.message).toContain(path.join(cacheDir, 'models', 'dead'));
  });

  it('cuts a stalled download and resumes it', async () => {
    const model = fakeModelBytes(10_000);
    const routes: Record<string, Route> = { '/m.onnx': { body: model.bytes, stall: true } };
    const srv = await serve(routes);
    const spec = fakeSpec('stall', model, [srv.url('/m.onnx')]);
    const fetchOnce: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      routes['/m.onnx'] = { body: model.bytes }; // the second attempt gets a healthy server
      return response;
    };
    // 1 s without a byte is a stall; shorter, a busy machine could pause the healthy second download that long.
    const result = await ensureModel(spec, { ...FAST, cacheDir, stallTimeoutMs: 1_000, fetch: fetchOnce });
    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests).toHaveLength(2);
  });

  it('aborts with the caller signal, keeps the .part, and a later call resumes it', async () => {
    const model = fakeModelBytes(200_000);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    // The server sends 64,000 bytes and then nothing (the connection stays open): the abort, on the progress event
    // for them, is the only thing that ends the download, however loaded the machine.
    const routes: Record<string, Route> = { '/m.onnx': { body: model.bytes, stallAfterBytes: 64_000, hold } };
    const srv = await serve(routes);
    const spec = fakeSpec('abort', model, [srv.url('/m.onnx')]);
    const controller = new AbortController();
    const pending = ensureModel(spec, {
      ...FAST,
      cacheDir,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.receivedBytes >= 64_000) controller.abort();
      },
    });
    release();
    const error = await expectPixmuxError(pending);
    expect(error.code).toBe('aborted');
    expect((await stat(partPath(spec))).size).toBe(64_000);
    expect(existsSync(`${modelFilePath(cacheDir, spec, spec.files[0]!)}.lock`)).toBe(false);

    const result = await ensureModel(spec, { ...FAST, cacheDir });
    expect(await sameBytes(result.paths[0]!, model.bytes)).toBe(true);
    expect(srv.requests.at(-1)?.range).toBe('bytes=64000-');
  });

  it('replaces a corrupt cached file with a fresh download', async () => {
    const model = fakeModelBytes(30_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('corrupt-cache', model, [srv.url('/m.onnx')]);
    const target = modelFilePath(cacheDir, spec, spec.files[0]!);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, new Uint8Array(30_000));

    const result = await ensureModel(spec, { ...FAST, cacheDir });
    expect(result.downloaded).toBe(true);
    expect(await sameBytes(target, model.bytes)).toBe(true);
  });

  it('accepts a correct file put in the cache by hand, without a request', async () => {
    const model = fakeModelBytes(30_000);
    const srv = await serve({});
    const spec = fakeSpec('by-hand', model, [srv.url('/m.onnx')]);
    const target = modelFilePath(cacheDir, spec, spec.files[0]!);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, model.bytes);

    expect(await ensureModel(spec, { ...FAST, cacheDir })).toEqual({ paths: [target], downloaded: false });
    expect(srv.requests).toHaveLength(0);
    expect(existsSync(`${target}.verified.json`)).toBe(true);
  });

  it('downloads a model without a published size, reporting the server length as the total', async () => {
    const model = fakeModelBytes(25_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const spec = fakeSpec('sizeless', model, [srv.url('/m.onnx')]);
    delete spec.files[0]!.size;
    const events: DownloadProgress[] = [];
    await ensureModel(spec, { ...FAST, cacheDir, onProgress: (event) => events.push(event) });
    expect(events.at(-1)).toMatchObject({ receivedBytes: 25_000, totalBytes: 25_000 });
  });

  it('keeps going when the progress listener throws', async () => {
    const model = fakeModelBytes(20_000);
    const srv = await serve({ '/m.onnx': { body: model.bytes } });
    const result = await ensureModel(fakeSpec('listener', model, [srv.url('/m.onnx')]), {
      ...FAST,
      cacheDir,
      onProgress: () => {
        throw new Error('listener bug');
      },
    });
    expect(result.downloaded).toBe(true);
  });

  it('rejects a spec whose file name would escape the cache folder', async () => {
    const model = fakeModelBytes(10);
    const spec = fakeSpec('escape', model, ['http://127.0.0.1:9/x']);
    spec.files[0]!.name = '../../etc/passwd';
    const error = await expectPixmuxError(ensureModel(spec, { ...FAST, cacheDir }));
    expect(error.code).toBe('invalid_request');
    const badHash = fakeSpec('bad-hash', model, ['http://127.0.0.1:9/x']);
    badHash.files[0]!.sha256 = 'abc';
    expect((await expectPixmuxError(ensureModel(badHash, { ...FAST, cacheDir }))).code).toBe('invalid_request');
    expect((await expectPixmuxError(ensureModel(undefined as unknown as ModelSpec, { ...FAST, cacheDir }))).code).toBe('invalid_request');
  });

  it('reports an unwritable cache folder as provider_unavailable', async () => {
    const model = fakeModelBytes(10);
    const blocker = path.join(cacheDir, 'file-not-folder');
    await writeFile(blocker, 'x');
    const error = await expectPixmuxError(ensureModel(fakeSpec('nowhere', model, ['http://127.0.0.1:9/x']), { ...FAST, cacheDir: blocker }));
    expect(error.code).toBe('provider_unavailable');
  });
});
