import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

/** Bundles the worker-process fixture (pixmux from the sources, packages external) and returns its file and a cleanup. */
export async function buildWorkerScript(): Promise<{ file: string; remove: () => void }> {
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules/.cache/pixmux-fleet-'));
  const file = join(dir, 'worker.mjs');
  await build({
    entryPoints: [join(root, 'test/queue/fixtures/worker-process.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    alias: { pixmux: join(root, 'src/index.ts') },
    logLevel: 'silent',
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A worker process and what it has said: the prompts it started and the job ids whose runs ended there. */
export interface FleetWorker {
  child: ChildProcess;
  started: string[];
  ended: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** Prompts started but not ended here (jobs are named after their prompts in these tests). */
  inFlight(): string[];
}

export function startWorker(file: string, config: Record<string, unknown>): FleetWorker {
  const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, PIXMUX_FLEET: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const started: string[] = [];
  const ended: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('start ')) started.push(line.slice(6));
    else if (line.startsWith('end ')) ended.push(line.slice(4));
    else if (line === 'ready') markReady();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    started,
    ended,
    ready,
    exited,
    inFlight: () => {
      const done = new Set(ended);
      return started.filter((prompt) => !done.has(prompt));
    },
  };
}
