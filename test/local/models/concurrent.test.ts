import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel, modelFilePath, type EnsuredModel, type ModelSpec } from '../../../providers/local/models/index.js';
import { fakeModelBytes, fakeSpec, sameBytes, startModelServer } from './helpers/model-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let workDir: string;
let childScript: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'pixmux-concurrent-'));
  // Child processes run plain Node, so the TypeScript module store is bundled for them first
  // (esbuild comes with tsup), with 'pixmux' pointing at the sources as in the tests.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(ROOT, 'providers/local/models/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: path.join(workDir, 'models.mjs'),
    alias: { pixmux: path.join(ROOT, 'src/index.ts') },
    logLevel: 'error',
  });
  childScript = path.join(workDir, 'child.mjs');
  await writeFile(
    childScript,
    `import { ensureModel } from './models.mjs';
const [spec, cacheDir] = [JSON.parse(process.argv[2]), process.argv[3]];
process.stdout.write('start\\n');
try {
  const result = await ensureModel(spec, { cacheDir, offline: false, retryDelayMs: 1 });
  process.stdout.write(JSON.stringify(result) + '\\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.code, message: error.message }) + '\\n');
  process.exitCode = 1;
}
`,
  );
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Runs one child; `started` resolves when it is about to call ensureModel, `done` with its result. */
function spawnChild(spec: ModelSpec, cacheDir: string) {
  const child = spawn(process.execPath, [childScript, JSON.stringify(spec), cacheDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.startsWith('start\n')) markStarted();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<EnsuredModel>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve(JSON.parse(last) as EnsuredModel);
      else reject(new Error(`child exited ${code}: ${last} ${stderr}`));
    });
  });
  return { child, started, done };
}

/** Polls (every 20 ms, for up to 10 s) until the file reaches the size. */
async function waitForSize(filePath: string, size: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const current = await stat(filePath).then((info) => info.size, () => -1);
    if (current >= size) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${filePath} never reached ${size} bytes`);
}

describe('concurrent downloaders', () => {
  it('two callers in one process share one download through the lock', async () => {
    const model = fakeModelBytes(300_000);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const server = await startModelServer({ '/m.onnx': { body: model.bytes, hold } });
    const cacheDir = await mkdtemp(path.join(workDir, 'cache-'));
    try {
      const spec = fakeSpec('shared-in-process', model, [server.url('/m.onnx')]);
      const first = ensureModel(spec, { cacheDir, offline: false, retryDelayMs: 1 });
      const second = ensureModel(spec, { cacheDir, offline: false, retryDelayMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50)); // both are in: one downloading, one waiting for the lock
      release();
      const results = await Promise.all([first, second]);

      expect(server.requests).toHaveLength(1);
      expect(results.map((result) => result.downloaded).sort()).toEqual([false, true]);
      expect(results[0]!.paths).toEqual(results[1]!.paths);
      expect(await sameBytes(results[0]!.paths[0]!, model.bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('two processes share one download: exactly one request, both get the verified file', async () => {
    const model = fakeModelBytes(400_000);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const server = await startModelServer({ '/m.onnx': { body: model.bytes, hold } });
    const cacheDir = await mkdtemp(path.join(workDir, 'cache-'));
    try {
      const spec = fakeSpec('shared-across-processes', model, [server.url('/m.onnx')]);
      const a = spawnChild(spec, cacheDir);
      const b = spawnChild(spec, cacheDir);
      // The first request is held until both processes are inside ensureModel, so the second one meets the lock.
      await Promise.all([a.started, b.started]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      const results = await Promise.all([a.done, b.done]);

      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.range).toBeUndefined();
      expect(results.map((result) => result.downloaded).sort()).toEqual([false, true]);
      expect(results[0]!.paths).toEqual(results[1]!.paths);
      expect(await sameBytes(results[0]!.paths[0]!, model.bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a process killed mid-download leaves a lock that the next process breaks (dead pid), resuming its .part', async () => {
    const model = fakeModelBytes(300_000);
    const server = await startModelServer({ '/m.onnx': { body: model.bytes, stallAfterBytes: 100_000 } });
    const cacheDir = await mkdtemp(path.join(workDir, 'cache-'));
    try {
      const spec = fakeSpec('crashed-holder', model, [server.url('/m.onnx')]);
      const target = modelFilePath(cacheDir, spec, spec.files[0]!);
      const victim = spawnChild(spec, cacheDir);
      victim.done.catch(() => {});
      await waitForSize(`${target}.part`, 100_000);
      const lockOwner = JSON.parse(await readFile(`${target}.lock`, 'utf8')) as { pid: number };
      expect(lockOwner.pid).toBe(victim.child.pid);
      victim.child.kill('SIGKILL');
      await new Promise((resolve) => victim.child.once('exit', resolve));
      expect(existsSync(`${target}.lock`)).toBe(true); // the crash left its lock behind

      const result = await ensureModel(spec, { cacheDir, offline: false, retryDelayMs: 1, signal: AbortSignal.timeout(10_000) });

      expect(result.downloaded).toBe(true);
      expect(await sameBytes(target, model.bytes)).toBe(true);
      expect(server.requests.map((request) => request.range)).toEqual([undefined, 'bytes=100000-']);
      expect(existsSync(`${target}.lock`)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
