import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Importing pixmux or an HTTP provider must load no native code: neither onnxruntime-node nor sharp.
 * The sources are bundled as users get them (dependencies external) and imported in a fresh Node process,
 * which reports every CommonJS module and shared object it has loaded.
 */
describe('importing pixmux', () => {
  it('loads neither onnxruntime-node nor sharp', async () => {
    const root = resolve(import.meta.dirname, '../..');
    // Inside node_modules/.cache so that bare imports (ky, zod, …) resolve from the repo's node_modules.
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, 'node_modules/.cache/pixmux-lazy-'));
    await build({
      entryPoints: { core: join(root, 'src/index.ts'), provider: join(root, 'providers/openai-compatible/index.ts') },
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      alias: { pixmux: join(root, 'src/index.ts') },
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
    });
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `import { createRequire } from 'node:module';
       const core = await import('./core.mjs');
       const provider = await import('./provider.mjs');
       const px = core.createPixmux({ providers: [provider.openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' })] });
       const require = createRequire(import.meta.url);
       console.log(JSON.stringify({
         exports: Object.keys(core).length,
         providers: px.providers,
         modules: Object.keys(require.cache),
         shared: process.report.getReport().sharedObjects,
       }));`,
    );
    const output = execFileSync(process.execPath, [probe], { cwd: root, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    const report = JSON.parse(output) as { exports: number; providers: string[]; modules: string[]; shared: string[] };
    expect(report.exports).toBeGreaterThan(10);
    expect(report.providers).toEqual(['openai-compatible']);
    const loaded = [...report.modules, ...report.shared].join('\n');
    expect(loaded).not.toMatch(/onnxruntime/i);
    expect(loaded).not.toMatch(/sharp|libvips/i);
  });
});
