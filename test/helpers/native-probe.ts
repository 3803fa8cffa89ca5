import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

export interface NativeProbeReport {
  /** Whatever the probe script put in `globalThis.probe`. */
  probe: Record<string, unknown>;
  /** Every CommonJS module and shared object the process loaded, one per line. */
  loaded: string;
}

/**
 * Bundles source entries as users receive them (dependencies external, `pixmux` resolved to the sources), imports
 * them in a fresh Node process, runs `script` (which sees each entry as a module named after its key and may set
 * `globalThis.probe`), and reports every CommonJS module and shared object the process has loaded.
 */
export async function probeNativeLoads(entries: Record<string, string>, script: string): Promise<NativeProbeReport> {
  // Inside node_modules/.cache so that bare imports (ky, zod, …) resolve from the repo's node_modules.
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules/.cache/pixmux-probe-'));
  try {
    await build({
      entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(root, path)])),
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      alias: { pixmux: join(root, 'src/index.ts') },
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
    });
    const imports = Object.keys(entries).map((name) => `const ${name} = await import('./${name}.mjs');`).join('\n');
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `import { createRequire } from 'node:module';
${imports}
globalThis.probe = {};
${script}
const require = createRequire(import.meta.url);
console.log(JSON.stringify({ probe: globalThis.probe, loaded: [...Object.keys(require.cache), ...process.report.getReport().sharedObjects].join('\\n') }));`,
    );
    return JSON.parse(execFileSync(process.execPath, [probe], { cwd: root, encoding: 'utf8' })) as NativeProbeReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
