import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempDir } from './helpers.js';

beforeAll(ensureBuilt, 300_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('pixmux models verify', () => {
  it('a folder model without pinned hashes is checked against the SHA-256 its verified download recorded', async () => {
    const dir = tempDir();
    const cache = join(dir, 'cache');
    const folder = join(cache, 'models', 'lcm-dreamshaper-v7', 'scheduler');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'scheduler_config.json');
    const bytes = Buffer.from('{"num_train_timesteps":1000}');
    writeFileSync(file, bytes);
    writeFileSync(`${file}.verified.json`, JSON.stringify({ sha256: sha256(bytes), size: bytes.length, mtimeMs: 0 }));

    const good = await runCli(['models', 'verify', 'lcm-dreamshaper-v7', '--json'], { cwd: dir, env: { PIXMUX_CACHE_DIR: cache } });
    const files = JSON.parse(good.stdout).files as { file: string; state: string; detail?: string }[];
    expect(files.find((entry) => entry.file === 'scheduler/scheduler_config.json')).toMatchObject({ state: 'ok' });
    // The other files of the model are not there: named as missing, and the command fails.
    expect(files.filter((entry) => entry.state === 'missing').length).toBeGreaterThan(0);
    expect(good.code).toBe(1);

    writeFileSync(file, Buffer.from('{"num_train_timesteps":999}'));
    const changed = await runCli(['models', 'verify', 'lcm-dreamshaper-v7', '--json'], { cwd: dir, env: { PIXMUX_CACHE_DIR: cache } });
    const after = (JSON.parse(changed.stdout).files as { file: string; state: string; detail?: string }[]).find((entry) => entry.file === 'scheduler/scheduler_config.json');
    expect(after).toMatchObject({ state: 'mismatch', detail: expect.stringContaining(`expected ${sha256(bytes)}`) });

    writeFileSync(`${file}.verified.json`, 'not json');
    const unrecorded = await runCli(['models', 'verify', 'lcm-dreamshaper-v7', '--json'], { cwd: dir, env: { PIXMUX_CACHE_DIR: cache } });
    expect((JSON.parse(unrecorded.stdout).files as { file: string; detail?: string }[]).find((entry) => entry.file === 'scheduler/scheduler_config.json')?.detail).toMatch(/no pinned or recorded hash/);
  }, 120_000);
});
