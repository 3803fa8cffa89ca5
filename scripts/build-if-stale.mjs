#!/usr/bin/env node
// Builds dist/ (JavaScript only, no type declarations) when it is missing or older than the sources, quietly:
// `npm start` and the CLI tests need the built package, not its d.ts files, and a fresh clone should not wait for
// a full `npm run build` on every run. The build's output is shown only when it fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outputs = ['dist/index.js', 'dist/index.cjs', 'dist/providers/local/index.js', 'dist/providers/local/worker.js', 'dist/providers/local/worker.cjs', 'dist/cli/index.js', 'dist/queue/index.js'];
const sources = ['src', 'providers', 'tsup.config.ts', 'package.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function isStale() {
  const paths = outputs.map((file) => join(root, file));
  if (!paths.every((path) => existsSync(path))) return true;
  const built = Math.min(...paths.map((path) => statSync(path).mtimeMs));
  return Math.max(...sources.map((source) => newest(join(root, source)))) > built;
}

/**
 * One build at a time: test files that need dist/ may call this in parallel, and tsup cleans dist/ before it writes.
 * The lock is a directory (mkdir is atomic); one older than two minutes is left over from a killed build.
 */
const lock = join(root, 'node_modules/.cache/pixmux-build.lock');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
function withLock(fn) {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      else sleep(200);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (isStale()) {
  withLock(() => {
    if (!isStale()) return; // built by another process while this one waited
    process.stderr.write('building dist/ (JavaScript only) …\n');
    const tsup = join(root, 'node_modules/tsup/dist/cli-default.js');
    const result = spawnSync(process.execPath, [tsup, '--silent'], { cwd: root, env: { ...process.env, PIXMUX_BUILD_JS_ONLY: '1' }, encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(`${result.stdout}${result.stderr}\nbuild failed (tsup exited ${result.status ?? result.signal})\n`);
      process.exitCode = 1;
    }
  });
}
