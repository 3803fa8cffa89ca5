import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPixmux, type PixmuxEvent } from 'pixmux';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { local } from '../../providers/local/index.js';
import { COMPLETION_MARKER, DEFAULT_MODELS, ensureModel, MODELS, resolveModel, type DownloadProgress, type EnsureOptions, type ModelSpec } from '../../providers/local/models/index.js';
import { rejectionOf } from '../helpers/errors.js';
import { writeGenerateFolder } from './helpers/generate-models.js';
import { startModelServer, type Route } from './models/helpers/model-server.js';
import { buildTestWorker } from './helpers/worker-build.js';

// A stand-in for Hugging Face: each file of the manifest entry is served at its real path
// (`/<repo>/resolve/<revision>/<file>`). HEAD declares the hash the way the Hub does: a Git LFS file (the ONNX graphs
// and weights) answers 302 with `X-Linked-Etag` (its sha256) and `X-Linked-Size`, and its GET redirects to a CDN path;
// a small file kept in Git answers 200 with `ETag`, its Git blob sha1. The bytes are the tiny synthetic LCM networks.

const LCM = MODELS['lcm-dreamshaper-v7'];
const LCM_PREFIX = '/SimianLuo/LCM_Dreamshaper_v7/resolve/a85df6a8bd976cdd08b4fd8f3b73f229c9e54df5/';
const FAST: EnsureOptions = { retryDelayMs: 1, offline: false };

let scratch: string;
/** The synthetic LCM folder's files, by manifest name. */
let lcmFiles: Map<string, Uint8Array>;
let workerUrl: URL;

beforeAll(async () => {
  workerUrl = await buildTestWorker();
  scratch = await mkdtemp(path.join(tmpdir(), 'pixmux-generate-manifest-src-'));
  const folder = writeGenerateFolder(path.join(scratch, 'lcm'), { pipeline: 'lcm' });
  lcmFiles = new Map();
  for (const file of LCM.files) {
    const onDisk = path.join(folder, file.name);
    // The stand-in UNet keeps its weights inline; the real export's model.onnx_data and special_tokens_map.json are extra files.
    const bytes = existsSync(onDisk) ? readFileSync(onDisk) : Buffer.from(file.name.endsWith('onnx_data') ? new Uint8Array(300_000).map((_, i) => i % 251) : JSON.stringify({ pad_token: '<|endoftext|>' }));
    lcmFiles.set(file.name, new Uint8Array(bytes));
  }
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let cacheDir: string;
let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'pixmux-generate-manifest-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(cacheDir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const gitSha1 = (bytes: Uint8Array) => createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
const isLfs = (name: string) => /\.onnx(_data)?$/.test(name);

/** Routes for the LCM files; `change` alters one file's route (a lie, a cut, a 404). */
function hubRoutes(change: Record<string, (route: Route) => Route> = {}): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [name, bytes] of lcmFiles) {
    let route: Route;
    if (isLfs(name)) {
      routes[`/cdn/${name}`] = { body: bytes, chunkSize: 8_192 };
      route = {
        body: bytes,
        redirectTo: `/cdn/${name}`,
        head: { status: 302, headers: { 'x-linked-etag': `"${sha256(bytes)}"`, 'x-linked-size': String(bytes.byteLength), location: `https://cdn-lfs.example/${name}` } },
      };
    } else {
      route = { body: bytes, head: { headers: { etag: `"${gitSha1(bytes)}"`, 'content-length': String(bytes.byteLength) } } };
    }
    routes[`${LCM_PREFIX}${name}`] = change[name] ? change[name](route) : route;
  }
  return routes;
}

/** The manifest entry with its URLs pointed at the loopback server (same paths). */
function lcmSpec(srv: NonNullable<typeof server>): ModelSpec {
  return { ...LCM, files: LCM.files.map((file) => ({ ...file, urls: file.urls.map((url) => srv.url(new URL(url).pathname)) })) };
}

async function serve(routes: Record<string, Route>) {
  server = await startModelServer(routes);
  return server;
}

const modelFolder = () => path.join(cacheDir, 'models', 'lcm-dreamshaper-v7');

describe('the generate manifest entries', () => {
  it('list the Hugging Face folder layout at a pinned revision, hashes declared by the server; no generate model is a default', () => {
    expect(LCM.layout).toBe('folder');
    expect(LCM.files.map((file) => file.name)).toEqual([
      'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'unet/model.onnx_data',
      'tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer_config.json',
      'scheduler/scheduler_config.json',
    ]);
    for (const file of LCM.files) {
      expect(file.urls).toEqual([`https://huggingface.co${LCM_PREFIX}${file.name}`]);
      expect(file.hashFrom).toBe('huggingface');
    }
    expect(LCM).toMatchObject({ operation: 'generate', preset: 'lcm', license: 'MIT', commercial: true });
    const turbo = MODELS['sd-turbo'];
    expect(turbo).toMatchObject({ operation: 'generate', layout: 'folder', preset: 'sd-turbo', commercial: false });
    expect(turbo.files.map((file) => file.name)).not.toContain('unet/model.onnx_data');
    expect(turbo.files[0]!.urls[0]).toMatch(/^https:\/\/huggingface\.co\/schmuell\/sd-turbo-ort-web\/resolve\/main\/text_encoder\/model\.onnx$/);
    expect(DEFAULT_MODELS.generate).toBeUndefined();
  });

  it('the non-commercial sd-turbo is never chosen unasked: no default, a licence warning when named, not reachable by a call on another model', async () => {
    const noDefault = await rejectionOf(Promise.resolve().then(() => resolveModel('generate')));
    expect(noDefault).toMatchObject({ code: 'unsupported' });
    expect(noDefault.message).toMatch(/no default model for generate; name one of: lcm-dreamshaper-v7, sd-turbo/);
    expect(resolveModel('generate', 'lcm-dreamshaper-v7').warnings).toEqual([]);
    expect(resolveModel('generate', 'sd-turbo').warnings).toEqual([expect.stringMatching(/model "sd-turbo" is licensed Stability-AI-Non-Commercial \(uncertain\) and is not cleared for commercial use/)]);
    expect(local().supports!('generate', {} as never)).toMatch(/generate needs a model/);
    // A provider configured with the LCM model does not switch to sd-turbo because a call names it.
    const px = createPixmux({ providers: [local({ workerUrl, cacheDir, offline: true, device: 'cpu', models: { generate: 'lcm-dreamshaper-v7' } })], retry: { retries: 0 } });
    try {
      const error = await rejectionOf(px.generate({ prompt: 'a cat', size: '64x64', model: 'sd-turbo' }));
      const cause = (error.code === 'all_failed' ? error.cause : error) as { code: string; message: string };
      expect(cause.code).toBe('invalid_request');
      expect(cause.message).toMatch(/model "sd-turbo" is not the configured generate model "lcm-dreamshaper-v7"/);
    } finally {
      await px.dispose();
    }
  });
});

describe('ensureModel with a folder-layout entry', () => {
  it('downloads every file into the layout, checks each against the declared hash, writes the marker last; progress per file and in all', async () => {
    const srv = await serve(hubRoutes());
    const events: DownloadProgress[] = [];
    const result = await ensureModel(lcmSpec(srv), { ...FAST, cacheDir, onProgress: (event) => events.push(event) });

    expect(result.downloaded).toBe(true);
    expect(result.folder).toBe(modelFolder());
    for (const [name, bytes] of lcmFiles) expect(Buffer.from(readFileSync(path.join(modelFolder(), name))).equals(Buffer.from(bytes))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(modelFolder(), COMPLETION_MARKER), 'utf8'))).toEqual({ id: 'lcm-dreamshaper-v7', files: LCM.files.map((file) => ({ name: file.name, size: lcmFiles.get(file.name)!.byteLength })) });
    // Each file: one HEAD for its declared hash (not following the CDN redirect), one GET.
    const unet = `${LCM_PREFIX}unet/model.onnx_data`;
    expect(srv.requestsFor(unet).map((request) => request.method)).toEqual(['HEAD', 'GET']);
    expect(srv.requestsFor('/cdn/unet/model.onnx_data').map((request) => request.method)).toEqual(['GET']);

    // Per file: its position, its size as the total (X-Linked-Size or the length), ending complete; in all: monotonic.
    const count = LCM.files.length;
    for (const [index, file] of LCM.files.entries()) {
      const own = events.filter((event) => event.file === file.name);
      expect(own.every((event) => event.fileIndex === index + 1 && event.fileCount === count)).toBe(true);
      expect(own.at(-1)).toMatchObject({ receivedBytes: lcmFiles.get(file.name)!.byteLength, totalBytes: lcmFiles.get(file.name)!.byteLength });
    }
    const overall = events.map((event) => event.modelReceivedBytes!);
    expect(overall).toEqual([...overall].sort((a, b) => a - b));
    expect(overall.at(-1)).toBe([...lcmFiles.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0));
    expect(events.every((event) => event.modelTotalBytes === 0)).toBe(true); // sizes are not pinned in the manifest

    // A second call trusts the verified downloads' records: no request at all.
    const before = srv.requests.length;
    expect(await ensureModel(lcmSpec(srv), { ...FAST, cacheDir })).toMatchObject({ downloaded: false, folder: modelFolder() });
    expect(srv.requests.length).toBe(before);
  });

  it('resumes a file whose connection was cut, with a Range request to the CDN', async () => {
    const weights = lcmFiles.get('unet/model.onnx_data')!;
    let reached!: () => void;
    const onDisk = new Promise<void>((resolve) => (reached = resolve));
    const routes = hubRoutes();
    routes['/cdn/unet/model.onnx_data'] = { body: weights, cutAfterBytes: 100_000, cutWhen: () => onDisk };
    const srv = await serve(routes);
    const seen = (event: DownloadProgress) => void (event.file === 'unet/model.onnx_data' && event.receivedBytes >= 100_000 && reached());

    await ensureModel(lcmSpec(srv), { ...FAST, cacheDir, onProgress: seen });

    expect(srv.requestsFor('/cdn/unet/model.onnx_data').map((request) => request.range)).toEqual([undefined, 'bytes=100000-']);
    expect(Buffer.from(readFileSync(path.join(modelFolder(), 'unet/model.onnx_data'))).equals(Buffer.from(weights))).toBe(true);
    expect(existsSync(path.join(modelFolder(), COMPLETION_MARKER))).toBe(true);
  });

  it('refuses bytes that do not match the declared sha256, size or Git blob hash with bad_response naming the file; the folder stays unmarked', async () => {
    const cases: Array<{ name: string; change: (route: Route) => Route; detail: RegExp }> = [
      {
        name: 'unet/model.onnx',
        change: (route) => ({ ...route, head: { ...route.head!, headers: { ...route.head!.headers, 'x-linked-etag': `"${'0'.repeat(64)}"` } } }),
        detail: /sha256 [0-9a-f]{64} instead of 0{64} \(declared by the server\)/,
      },
      {
        name: 'unet/model.onnx_data',
        change: (route) => ({ ...route, head: { ...route.head!, headers: { ...route.head!.headers, 'x-linked-size': '299999' } } }),
        detail: /the server sent more than the expected 299999 bytes/,
      },
      {
        name: 'tokenizer/vocab.json',
        change: (route) => ({ ...route, head: { headers: { etag: `"${'a'.repeat(40)}"` } } }),
        detail: /git blob sha1 [0-9a-f]{40} instead of a{40} \(declared by the server\)/,
      },
      {
        name: 'scheduler/scheduler_config.json',
        change: (route) => ({ ...route, head: { headers: {} } }),
        detail: /the server declared no sha256 \(X-Linked-Etag\) or Git blob hash \(ETag\)/,
      },
    ];
    for (const { name, change, detail } of cases) {
      await server?.close();
      await rm(cacheDir, { recursive: true, force: true });
      const srv = await serve(hubRoutes({ [name]: change }));
      const error = await rejectionOf(ensureModel(lcmSpec(srv), { ...FAST, cacheDir }));
      expect(error.code, name).toBe('bad_response');
      expect(error.message).toContain(`could not download ${name} for model "lcm-dreamshaper-v7"`);
      expect(error.message).toMatch(detail);
      expect(existsSync(path.join(modelFolder(), name))).toBe(false);
      expect(existsSync(path.join(modelFolder(), COMPLETION_MARKER))).toBe(false);
    }
  });

  it('a partial folder is not used: offline, the missing files are named; online, only they are fetched', async () => {
    const srv = await serve(hubRoutes({ 'vae_decoder/model.onnx': (route) => ({ ...route, status: 404, head: { status: 404, headers: {} } }) }));
    const missing = await rejectionOf(ensureModel(lcmSpec(srv), { ...FAST, cacheDir }));
    expect(missing.code).toBe('provider_unavailable');
    expect(missing.message).toMatch(/could not download vae_decoder\/model\.onnx/);
    expect(readdirSync(modelFolder()).sort()).not.toContain(COMPLETION_MARKER);
    expect(statSync(path.join(modelFolder(), 'unet/model.onnx')).isFile()).toBe(true);

    const offline = await rejectionOf(ensureModel(lcmSpec(srv), { cacheDir, offline: true }));
    expect(offline.code).toBe('provider_unavailable');
    expect(offline.message).toMatch(/- vae_decoder\/model\.onnx \(size not published, hash declared by Hugging Face at download/);
    expect(offline.message).not.toMatch(/- unet\/model\.onnx /);
    expect(offline.message).toMatch(/pipeline: 'lcm'/);

    await server!.close();
    const fixed = await serve(hubRoutes());
    const events: DownloadProgress[] = [];
    await ensureModel(lcmSpec(fixed), { ...FAST, cacheDir, onProgress: (event) => events.push(event) });
    // The 404 stopped the first call after the files before it; this one fetches the rest only.
    expect(new Set(events.map((event) => event.file))).not.toContain('text_encoder/model.onnx');
    expect(new Set(events.map((event) => event.file))).toContain('vae_decoder/model.onnx');
    expect(existsSync(path.join(modelFolder(), COMPLETION_MARKER))).toBe(true);
  });
});

describe("local({ models: { generate: 'lcm-dreamshaper-v7' } })", () => {
  it('downloads the entry from its real URLs on first use (model.download events), then runs the LCM pipeline on it', async () => {
    const srv = await serve(hubRoutes());
    // The provider's fetch sends the manifest's https://huggingface.co URLs to the loopback server, same paths.
    const hubFetch = ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(String(input).replace('https://huggingface.co', srv.url('')), init)) as typeof fetch;
    const events: PixmuxEvent[] = [];
    const provider = local({ workerUrl, workers: 1, cacheDir, offline: false, fetch: hubFetch, device: 'cpu', models: { generate: 'lcm-dreamshaper-v7' } });
    const px = createPixmux({ providers: [provider], retry: { retries: 0 }, onEvent: (event) => events.push(event) });
    try {
      const result = await px.generate({ prompt: 'a cat', size: '64x64', seed: 7, providerOptions: { local: { steps: 2 } } });
      expect(result.model).toBe('lcm-dreamshaper-v7');
      expect(result.metadata).toMatchObject({ pipeline: 'lcm', steps: 2, seed: 7 });
      expect(result.images).toHaveLength(1);
      const downloads = events.filter((event): event is Extract<PixmuxEvent, { type: 'model.download' }> => event.type === 'model.download');
      expect(new Set(downloads.map((event) => event.file))).toEqual(new Set(LCM.files.map((file) => file.name)));
      expect(downloads[0]).toMatchObject({ provider: 'local', model: 'lcm-dreamshaper-v7', fileIndex: 1, fileCount: LCM.files.length });
      expect(srv.requestsFor(`${LCM_PREFIX}unet/model.onnx`).map((request) => request.method)).toEqual(['HEAD', 'GET']);

      // The second call uses the complete folder: no request, the same image for the same seed.
      const before = srv.requests.length;
      const again = await px.generate({ prompt: 'a cat', size: '64x64', seed: 7, providerOptions: { local: { steps: 2 } } });
      expect(srv.requests.length).toBe(before);
      expect(Buffer.from(again.images[0]!.bytes).equals(Buffer.from(result.images[0]!.bytes))).toBe(true);
    } finally {
      await px.dispose();
    }
  });
});
