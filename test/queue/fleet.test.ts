import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, type FinishedJob, type PixmuxQueue } from '../../src/queue/index.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../policy/redis-server.js';
import { buildWorkerScript, startWorker, type FleetWorker } from './fleet-helpers.js';

const unavailable = redisUnavailableReason();

let redis: RedisHandle | undefined;
let script: { file: string; remove: () => void } | undefined;
const dirs: string[] = [];
beforeAll(async () => {
  if (unavailable) return;
  [redis, script] = await Promise.all([startRedis(), buildWorkerScript()]);
});
afterAll(async () => {
  await redis?.stop();
  script?.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-fleet-'));
  dirs.push(dir);
  return dir;
};

/** Reads `finished()` until `count` jobs have come, calling `onEach` with how many so far. */
async function collect(iterator: AsyncGenerator<FinishedJob>, count: number, onEach: (seen: number) => void = () => {}) {
  const finished: FinishedJob[] = [];
  for await (const job of iterator) {
    finished.push(job);
    onEach(finished.length);
    if (finished.length === count) break;
  }
  return finished;
}

const stopAll = async (workers: FleetWorker[]) => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.exited));
};

describe.skipIf(unavailable)('a fleet of worker processes on one Redis', () => {
  // Stalled jobs come back fast in these tests; the lock stays long enough that a loaded machine never loses a live one.
  const crashSafe = { stalledIntervalMs: 500, lockDurationMs: 4_000, maxStalledCount: 3 };

  it('1,000 jobs over three workers, one SIGKILLed halfway: every job ends exactly once, in a result or a typed failure', { timeout: 600_000 }, async () => {
    const name = `fleet-${Date.now()}`;
    const output = tempDir();
    const markers = tempDir();
    const queue: PixmuxQueue = createQueue({ connection: redis!.url, name, backoffMs: 20, attempts: 3 });
    const ids = Array.from({ length: 1_000 }, (_, index) => (index % 50 === 7 ? `deny-${index}` : index % 25 === 3 ? `flaky-${index}` : `ok-${index}`));
    const finishedJobs = queue.finished();
    await queue.enqueueMany('generate', ids.map((id) => ({ request: { prompt: id }, jobId: id })));
    // Enqueueing again with the same ids adds nothing.
    await queue.enqueueMany('generate', ids.slice(0, 100).map((id) => ({ request: { prompt: id }, jobId: id })));

    const config = { url: redis!.url, name, output, markers, concurrency: 4, latencyMs: 15, ...crashSafe };
    const workers = [0, 1, 2].map(() => startWorker(script!.file, config));
    let victimInFlight: string[] = [];
    const finished = await collect(finishedJobs, ids.length, (seen) => {
      const victim = workers[0]!;
      // Halfway, kill the first worker while it holds jobs: they must come back through the stalled-job check.
      if (seen >= ids.length / 2 && victim.child.exitCode === null && victim.child.signalCode === null && victim.inFlight().length > 0) {
        victimInFlight = victim.inFlight();
        victim.child.kill('SIGKILL');
      }
    });
    const progress = await queue.progress();
    await stopAll(workers);
    await queue.close();

    expect(workers[0]!.child.signalCode).toBe('SIGKILL');
    expect(victimInFlight.length).toBeGreaterThan(0);
    // Everything the victim wrote before it died has been read by now: what it started and never ended was cut short.
    victimInFlight = workers[0]!.inFlight();
    expect(victimInFlight.length).toBeGreaterThan(0);
    // Exactly once: every id, no id twice, nothing left waiting or running.
    const seenIds = finished.map((job) => job.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect([...seenIds].sort()).toEqual([...ids].sort());
    expect(progress).toMatchObject({ waiting: 0, delayed: 0, active: 0, done: ids.filter((id) => !id.startsWith('deny-')).length, failed: ids.filter((id) => id.startsWith('deny-')).length });

    const byId = new Map(finished.map((job) => [job.id, job]));
    // The jobs the killed worker held ended anyway, on another worker.
    for (const id of victimInFlight) {
      const job = byId.get(id)!;
      if (id.startsWith('deny-')) expect(job).toMatchObject({ ok: false, failure: { code: 'content_policy' } });
      else expect(job.ok).toBe(true);
      expect(workers.slice(1).some((worker) => worker.ended.includes(id))).toBe(true);
    }
    for (const id of ids) {
      const job = byId.get(id)!;
      if (id.startsWith('deny-')) {
        // Permanent: failed at once, typed, not retried.
        expect(job).toEqual({ id, ok: false, failure: { code: 'content_policy', message: `stub refuses ${id}`, retryable: false, attempt: 1, costUsd: 0 } });
      } else {
        expect(job).toMatchObject({ id, ok: true, result: { outputs: [join(output, `${id}.png`)], provider: 'stub', model: 'stub-1', cached: false } });
        // Retryable: the hiccup ran again after its backoff, and the second run succeeded.
        if (id.startsWith('flaky-') && !victimInFlight.includes(id)) expect(job.ok && job.result.attempt).toBe(2);
      }
    }
    // One file per successful job, named by its id: runs that happened twice overwrote their own file. A write the
    // kill cut short stays in .partial/, never among the results.
    const files = readdirSync(output).filter((name) => name !== '.partial').sort();
    expect(files).toEqual(ids.filter((id) => !id.startsWith('deny-')).map((id) => `${id}.png`).sort());
    const partials = readdirSync(join(output, '.partial'));
    expect(partials.every((name) => name.endsWith('.partial'))).toBe(true);
    expect(partials.length).toBeLessThanOrEqual(config.concurrency);
  });

  it('a shared $-limit across three workers holds to the cent', { timeout: 600_000 }, async () => {
    const name = `budget-${Date.now()}`;
    const output = tempDir();
    const queue = createQueue({ connection: redis!.url, name });
    const ids = Array.from({ length: 400 }, (_, index) => `job-${index}`);
    const finishedJobs = queue.finished();
    await queue.enqueueMany('generate', ids.map((id) => ({ request: { prompt: id }, jobId: id })));
    const config = { url: redis!.url, name, output, markers: tempDir(), concurrency: 4, latencyMs: 5, priceUsd: 0.01, budget: { usd: 2.5, prefix: `pixmux-test:{${name}}:` } };
    const workers = [0, 1, 2].map(() => startWorker(script!.file, config));
    const finished = await collect(finishedJobs, ids.length);
    const progress = await queue.progress();
    await stopAll(workers);
    await queue.close();

    const results = finished.filter((job) => job.ok);
    const refused = finished.filter((job) => !job.ok);
    const spentCents = results.reduce((sum, job) => sum + Math.round((job.ok ? job.result.costUsd : 0) * 100), 0);
    expect(spentCents).toBe(250);
    expect(results).toHaveLength(250);
    expect(progress.costUsd).toBeCloseTo(2.5, 9);
    expect(refused).toHaveLength(150);
    for (const job of refused) expect(job).toMatchObject({ ok: false, failure: { code: 'budget_exceeded', retryable: false, attempt: 1 } });
    // Every worker took part.
    for (const worker of workers) expect(worker.ended.length).toBeGreaterThan(0);
  });

  it('SIGTERM: a worker finishes the jobs it is running, then exits', { timeout: 120_000 }, async () => {
    const name = `term-${Date.now()}`;
    const output = tempDir();
    const queue = createQueue({ connection: redis!.url, name });
    const finishedJobs = queue.finished();
    await queue.enqueueMany('generate', ['slow-a', 'slow-b'].map((id) => ({ request: { prompt: id }, jobId: id })));
    const worker = startWorker(script!.file, { url: redis!.url, name, output, markers: tempDir(), concurrency: 2, latencyMs: 1_500 });
    while (worker.started.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const finished = await collect(finishedJobs, 2);
    await queue.close();
    expect(finished.map((job) => [job.id, job.ok && job.result.attempt]).sort()).toEqual([
      ['slow-a', 1],
      ['slow-b', 1],
    ]);
    expect(existsSync(join(output, 'slow-a.png')) && existsSync(join(output, 'slow-b.png'))).toBe(true);
  });
});
