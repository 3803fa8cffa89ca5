import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempDir, TINY_PNG, writeStubConfig } from './helpers.js';

interface MemorySummary {
  succeeded: number;
  failed: number;
  memory: { rssBytes: number; heapUsedBytes: number; maxRssBytes: number };
}

/** `count` tiny PNGs in `in/`, spread over folders of 1,000 (as a catalogue export would be). */
function photos(dir: string, count: number): void {
  for (let index = 0; index < count; index += 1) {
    const folder = join(dir, 'in', `batch-${Math.floor(index / 1000)}`);
    if (index % 1000 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `photo-${index}.png`), TINY_PNG);
  }
}

async function run(count: number): Promise<MemorySummary> {
  const dir = tempDir('pixmux-cli-memory-');
  writeStubConfig(dir);
  photos(dir, count);
  const result = await runCli(['remove-bg', 'in', '-o', 'out', '--provider', 'stub', '--concurrency', '16', '--json'], { cwd: dir, nodeArgs: ['--expose-gc', '--max-old-space-size=64'] });
  expect(result.code, result.stderr.slice(-2000)).toBe(0);
  const summary = JSON.parse(result.stdout) as MemorySummary;
  expect(summary).toMatchObject({ succeeded: count, failed: 0 });
  expect(readdirSync(join(dir, 'out')).length).toBe(count / 1000 >= 1 ? Math.ceil(count / 1000) : 1);
  return summary;
}

beforeAll(() => ensureBuilt(), 180_000);

describe('pixmux remove-bg over 10,000 items', () => {
  // No time is asserted: only that what the process holds does not grow with the number of items.
  it('keeps memory flat: the heap after the run and the peak RSS barely differ from a 500-item run', async () => {
    const small = await run(500);
    const large = await run(10_000);
    const mb = (bytes: number) => bytes / 2 ** 20;
    console.log(
      `500 items: heap ${mb(small.memory.heapUsedBytes).toFixed(1)} MB, peak RSS ${mb(small.memory.maxRssBytes).toFixed(1)} MB; ` +
        `10,000 items: heap ${mb(large.memory.heapUsedBytes).toFixed(1)} MB, peak RSS ${mb(large.memory.maxRssBytes).toFixed(1)} MB`,
    );
    // Anything kept per item (a result, its bytes, its attempts: well over 200 bytes each) would add > 2 MB here.
    expect(mb(large.memory.heapUsedBytes - small.memory.heapUsedBytes)).toBeLessThan(2);
    // Both runs have a 64 MB old space: a leak would end the large one out of memory. Peak RSS moves with GC timing,
    // so its bound is looser, still far below anything proportional to 10,000 items.
    expect(mb(large.memory.maxRssBytes - small.memory.maxRssBytes)).toBeLessThan(64);
  }, 600_000);
});
