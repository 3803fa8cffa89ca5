import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/index.js');
export const FIXTURES = join(ROOT, 'test/fixtures');
/** A 1×1 PNG: what the stub providers answer, instantly. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Builds dist/ (JavaScript only) when it is missing or stale; the CLI tests run the built bin, as users do. */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export function tempDir(prefix = 'pixmux-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pixmux …` as a subprocess (stdout and stderr are pipes, so it is not on a terminal). */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, PIXMUX_OFFLINE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * A pixmux.config.mjs defining stub providers with defineProvider (through the `pixmux` the config function is
 * given, so the temp folder needs no node_modules): `stub` answers every call at once with a 1×1 PNG at $0.001;
 * `picky` refuses JPEG inputs (provider_unavailable, "picky refuses JPEG") and serves the rest at $0.002.
 */
export function writeStubConfig(dir: string, extra = ''): void {
  writeFileSync(
    join(dir, 'pixmux.config.mjs'),
    `const PNG = Buffer.from(${JSON.stringify(TINY_PNG.toString('base64'))}, 'base64');
export default ({ pixmux }) => {
  const answer = (costUsd) => async () => ({ images: [{ bytes: new Uint8Array(PNG) }], model: 'stub-model', costUsd });
  const stub = pixmux.defineProvider({
    id: 'stub', tier: 'cheap', maxConcurrency: 64,
    operations: { removeBackground: answer(0.001), restoreFace: answer(0.001), generate: answer(0.001) },
    price: () => 0.001,
  });
  const picky = pixmux.defineProvider({
    id: 'picky', tier: 'local', maxConcurrency: 64,
    operations: {
      removeBackground: async (request) => {
        if (request.image.mediaType === 'image/jpeg') throw pixmux.pixmuxError('provider_unavailable', 'picky refuses JPEG', { provider: 'picky', retryable: false });
        return { images: [{ bytes: new Uint8Array(PNG) }], model: 'picky-model', costUsd: 0.002 };
      },
    },
    price: () => 0.002,
  });
  ${extra}
  return { providers: [picky, stub] };
};
`,
  );
}
