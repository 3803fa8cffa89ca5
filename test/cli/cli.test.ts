import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { missingFixtures, SHARED_MODELS } from '../helpers/shared.js';
import { writeGenerateFolder } from '../local/helpers/generate-models.js';
import { ensureBuilt, FIXTURES, runCli, tempDir, writeStubConfig } from './helpers.js';

const PHOTOS = readdirSync(FIXTURES).filter((name) => /\.(png|jpg)$/.test(name)).sort();
const STEMS = PHOTOS.map((name) => name.replace(/\.\w+$/, '')).sort();
const SINET = join(SHARED_MODELS, 'sinet_portrait_softmax_320.onnx');

/** A temp project: the stub config and a copy of the fixture photos in `in/`. */
function project() {
  const dir = tempDir();
  writeStubConfig(dir);
  cpSync(FIXTURES, join(dir, 'in'), { recursive: true, filter: (path) => !path.endsWith('.md') });
  return dir;
}

const outputs = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const pngSize = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25] });

beforeAll(() => ensureBuilt(), 180_000);

describe('pixmux remove-bg', () => {
  it('writes one output per photo, skips outputs already present (resume), and redoes them with --force', async () => {
    const dir = project();
    const first = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(outputs(join(dir, 'out'))).toEqual(STEMS.map((stem) => `${stem}.png`));
    expect(first.stdout.match(/^ok /gm)).toHaveLength(PHOTOS.length);
    expect(first.stdout).toContain(`${PHOTOS.length} succeeded, 0 failed, 0 skipped`);
    expect(first.stdout).toMatch(/stub\s+5 served\s+\$\s*0\.0050/);

    const again = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout.match(/^skip /gm)).toHaveLength(PHOTOS.length);
    expect(again.stdout).toContain(`0 succeeded, 0 failed, ${PHOTOS.length} skipped`);

    rmSync(join(dir, 'out', `${STEMS[0]}.png`));
    const resumed = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub', '--json'], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ succeeded: 1, skipped: PHOTOS.length - 1, failed: 0 });

    const forced = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub', '--force', '--json'], { cwd: dir });
    expect(JSON.parse(forced.stdout)).toMatchObject({ succeeded: PHOTOS.length, skipped: 0 });
  });

  it('exits 1 when an item fails, keeps the others, and writes the failures file with the reason', async () => {
    const dir = project();
    const run = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'picky', '--failures', 'failures.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(outputs(join(dir, 'out'))).toEqual(STEMS.filter((stem) => stem !== 'skimage_rocket').map((stem) => `${stem}.png`));
    expect(run.stdout).toMatch(/^FAIL in\/skimage_rocket\.jpg: provider_unavailable: picky refuses JPEG$/m);
    const failures = JSON.parse(readFileSync(join(dir, 'failures.json'), 'utf8'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ input: 'in/skimage_rocket.jpg', code: 'provider_unavailable', message: 'picky refuses JPEG' });
    expect(failures[0].attempts[0]).toMatchObject({ provider: 'picky', ok: false });

    // The failed item is the only one a second run does again.
    const retry = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'picky', '--json'], { cwd: dir });
    expect(retry.code).toBe(1);
    expect(JSON.parse(retry.stdout)).toMatchObject({ succeeded: 0, failed: 1, skipped: PHOTOS.length - 1 });
  });

  it('falls back in the --provider order and says why, with cost per provider in the summary', async () => {
    const dir = project();
    const run = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'picky', '--provider', 'stub', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ succeeded: PHOTOS.length, failed: 0 });
    expect(summary.providers.picky).toMatchObject({ count: PHOTOS.length - 1, failures: 1 });
    expect(summary.providers.picky.costUsd).toBeCloseTo(0.002 * (PHOTOS.length - 1), 6);
    expect(summary.providers.stub).toMatchObject({ count: 1, failures: 0 });
    // With --json the item lines go to stderr, plain (no terminal).
    expect(run.stderr).toMatch(/^ok {3}in\/skimage_rocket\.jpg → out\/skimage_rocket\.png \(stub, \$0\.0010; picky failed \(provider_unavailable: picky refuses JPEG\) → fallback\)$/m);
  });

  it('--budget caps what the run spends: items past it fail with budget_exceeded (exit 1), the others are written', async () => {
    const dir = project();
    const run = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub', '--budget', '0.002', '--concurrency', '1', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ succeeded: 2, failed: PHOTOS.length - 2 });
    expect(summary.costUsd).toBeCloseTo(0.002, 6);
    expect(run.stderr.match(/^FAIL .*: budget_exceeded: /gm)).toHaveLength(PHOTOS.length - 2);
    expect(outputs(join(dir, 'out'))).toHaveLength(2);
  });

  it('prints plain lines, no terminal control codes, when not on a terminal', async () => {
    const dir = project();
    const run = await runCli(['remove-bg', 'in/*.png', '-o', 'out', '--provider', 'stub'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[\r\x1b]/);
    expect(run.stdout.trim().split('\n').slice(0, PHOTOS.length - 1).every((line) => line.startsWith('ok   in/'))).toBe(true);
    expect(outputs(join(dir, 'out'))).toEqual(STEMS.filter((stem) => stem !== 'skimage_rocket').map((stem) => `${stem}.png`));
  });

  it.each([
    ['an unknown command', ['frobnicate']],
    ['no -o', ['remove-bg', 'in']],
    ['a missing input', ['remove-bg', 'nowhere', '-o', 'out']],
    ['a bad --format', ['remove-bg', 'in', '-o', 'out', '--format', 'gif']],
    ['an unknown --provider', ['remove-bg', 'in', '-o', 'out', '--provider', 'nobody']],
    ['--preset without --model', ['remove-bg', 'in', '-o', 'out', '--preset', 'sinet']],
    ['an unknown flag', ['remove-bg', 'in', '-o', 'out', '--colour', 'red']],
    ['a bad --concurrency', ['remove-bg', 'in', '-o', 'out', '--concurrency', '0']],
  ])('exits 2 on a usage error: %s, and writes nothing', async (_name, args) => {
    const dir = project();
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^pixmux: .+\nRun pixmux --help for usage\.\n$/);
    expect(outputs(join(dir, 'out'))).toEqual([]);
  });

  it.skipIf(missingFixtures(SINET))('runs a local fixture model (--model file --preset): cut-outs at full size with alpha', async () => {
    const dir = tempDir();
    const run = await runCli(['remove-bg', join(FIXTURES, 'skimage_astronaut.png'), join(FIXTURES, 'skimage_rocket.jpg'), '-o', join(dir, 'out'), '--model', SINET, '--preset', 'sinet', '--json'], {
      cwd: dir,
      env: { PIXMUX_CACHE_DIR: join(dir, 'cache') },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ succeeded: 2, failed: 0, providers: { local: { count: 2, costUsd: 0 } } });
    const astronaut = pngSize(readFileSync(join(dir, 'out', 'skimage_astronaut.png')));
    expect(astronaut).toEqual({ width: 512, height: 512, colourType: 6 }); // RGBA
  });
});

describe('pixmux generate, providers', () => {
  it('generate writes n images beside the named file', async () => {
    const dir = project();
    const run = await runCli(['generate', 'a red bicycle', '-o', 'art/bike.png', '--n', '2', '--seed', '7', '--provider', 'stub', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ files: ['art/bike.png', 'art/bike-2.png'], provider: 'stub' });
    expect(outputs(join(dir, 'art'))).toEqual(['bike-2.png', 'bike.png']);
  });

  it('generate runs a local model folder (--model folder --preset sd-turbo|lcm)', async () => {
    const dir = tempDir();
    const model = writeGenerateFolder(join(dir, 'sd-turbo'), { pipeline: 'sd-turbo' });
    const run = await runCli(['generate', 'a cat', '-o', 'cat.png', '--size', '64x64', '--seed', '3', '--provider', 'local', '--model', model, '--preset', 'sd-turbo', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ files: ['cat.png'], provider: 'local' });
    expect(pngSize(readFileSync(join(dir, 'cat.png')))).toMatchObject({ width: 64, height: 64 });
    const bad = await runCli(['generate', 'a cat', '-o', 'cat.png', '--provider', 'local', '--model', model, '--preset', 'u2net'], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/needs --preset sd-turbo or --preset lcm/);
  });

  it('providers lists tiers, estimates and whether a key is present, never the key', async () => {
    const dir = tempDir();
    const key = 'sk-test-do-not-print-1234567890';
    const run = await runCli(['providers', '--json'], { cwd: dir, env: { OPENAI_API_KEY: key, REPLICATE_API_TOKEN: '' } });
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain(key);
    const listed = JSON.parse(run.stdout);
    expect(listed.providers.map((provider: { id: string }) => provider.id)).toEqual(['local', 'openai']);
    expect(listed.providers[1]).toMatchObject({ tier: 'premium', credentials: true, envVar: 'OPENAI_API_KEY' });
    expect(listed.providers[1].operations.generate.estimateUsd).toBeGreaterThan(0);
    expect(listed.notConfigured.map((vendor: { id: string }) => vendor.id)).toContain('replicate');
  });

  it('builds Hugging Face, Photoroom and Clipdrop from their environment variables', async () => {
    const keys = { HF_TOKEN: 'hf_cli0123456789abcdef', PHOTOROOM_API_KEY: 'pr-cli-0123456789', CLIPDROP_API_KEY: 'cd-cli-0123456789' };
    const run = await runCli(['providers', '--json'], { cwd: tempDir(), env: { ...keys, OPENAI_API_KEY: '', REPLICATE_API_TOKEN: '' } });
    expect(run.code, run.stderr).toBe(0);
    for (const key of Object.values(keys)) expect(`${run.stdout}${run.stderr}`).not.toContain(key);
    const listed = JSON.parse(run.stdout) as { providers: Array<{ id: string; envVar?: string; operations: Record<string, { estimateUsd: number | null }> }> };
    const byId = Object.fromEntries(listed.providers.map((provider) => [provider.id, provider]));
    expect(byId.huggingface).toMatchObject({ envVar: 'HF_TOKEN', operations: { generate: { estimateUsd: 0.003 }, removeBackground: { estimateUsd: 0.001 } } });
    expect(byId.photoroom).toMatchObject({ envVar: 'PHOTOROOM_API_KEY', operations: { removeBackground: { estimateUsd: 0.02 } } });
    expect(byId.clipdrop).toMatchObject({ envVar: 'CLIPDROP_API_KEY', operations: { generate: { estimateUsd: 0.02 }, removeBackground: { estimateUsd: 0.02 } } });
  });
});
