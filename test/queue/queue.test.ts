import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPixmux, PixmuxImage, type PixmuxResult } from 'pixmux';
import { createQueue, createWorker, DEFAULT_JOB_ATTEMPTS, DEFAULT_LOCK_DURATION_MS, DEFAULT_MAX_JOB_BYTES, DEFAULT_STALLED_INTERVAL_MS, type FinishedJob, type PixmuxQueue, type PixmuxWorker } from '../../src/queue/index.js';
import { rejectionOf } from '../helpers/errors.js';
import { makePng } from '../helpers/images.js';
import { fail, stub } from '../policy/stub.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../policy/redis-server.js';

const unavailable = redisUnavailableReason();
const PHOTO = makePng(8, 8);

let redis: RedisHandle | undefined;
const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  if (!unavailable) redis = await startRedis();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await redis?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-queue-'));
  dirs.push(dir);
  return dir;
};
let count = 0;
const uniqueName = () => `q-${process.pid}-${++count}`;

function queueFor(name: string, options: Partial<Parameters<typeof createQueue>[0]> = {}): PixmuxQueue {
  const queue = createQueue({ connection: redis!.url, name, backoffMs: 10, ...options });
  closers.push(() => queue.close());
  return queue;
}

async function workerFor(px: ReturnType<typeof createPixmux>, name: string, options: Partial<Parameters<typeof createWorker>[1]> = {}): Promise<PixmuxWorker> {
  const worker = await createWorker(px, { connection: redis!.url, name, output: tempDir(), ...options });
  closers.push(() => worker.close());
  return worker;
}

async function take(iterator: AsyncGenerator<FinishedJob>, n: number): Promise<FinishedJob[]> {
  const jobs: FinishedJob[] = [];
  for await (const job of iterator) {
    jobs.push(job);
    if (jobs.length === n) break;
  }
  return jobs;
}

describe("the README's Scaling out section states the queue's defaults", () => {
  it('job size cap, attempts, lock, stalled-job interval', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(Number(/over `maxJobBytes` \((\d+) KiB\)/.exec(readme)?.[1]) * 1024).toBe(DEFAULT_MAX_JOB_BYTES);
    expect(Number(/exponential backoff \((\d+) attempts by default\)/.exec(readme)?.[1])).toBe(DEFAULT_JOB_ATTEMPTS);
    expect(Number(/after `lockDurationMs` \((\d+) s\)/.exec(readme)?.[1]) * 1000).toBe(DEFAULT_LOCK_DURATION_MS);
    expect(Number(/every `stalledIntervalMs`, (\d+) s\)/.exec(readme)?.[1]) * 1000).toBe(DEFAULT_STALLED_INTERVAL_MS);
  });
});

describe('pixmux/queue: checks before anything connects', () => {
  it('bad options and bad jobs are typed invalid_request errors, before Redis is touched', async () => {
    expect(() => createQueue({ connection: 'http://x', name: 'a' })).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/redis:\/\//) }));
    expect(() => createQueue({ connection: 'redis://127.0.0.1:9', name: 'a:b' })).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/name/) }));
    expect(() => createQueue({ connection: 'redis://127.0.0.1:9', name: 'a', attempts: 0 })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    const queue = createQueue({ connection: 'redis://127.0.0.1:9', name: 'offline' });
    for (const jobId of ['123', '../escape', 'a/../b', '/abs', 'has:colon', 'x'.repeat(201), '']) {
      expect(await rejectionOf(queue.enqueue('generate', { prompt: 'x' }, { jobId }))).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/jobId/) });
    }
    expect(await rejectionOf(queue.enqueue('removeBackground', {} as never))).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/needs an image/) });
    expect(await rejectionOf(queue.enqueue('removeBackground', { image: 42 } as never))).toMatchObject({ code: 'invalid_request' });
    expect(await rejectionOf(queue.enqueue('teleport' as never, { prompt: 'x' } as never))).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/unknown operation/) });
    // Image bytes travel by reference: over the cap, a typed error that says what to do instead.
    const large = new Uint8Array(DEFAULT_MAX_JOB_BYTES);
    expect(await rejectionOf(queue.enqueue('removeBackground', { image: large }))).toMatchObject({ code: 'image_too_large', message: expect.stringMatching(/URL, a path the workers can read, or \{ key \}/) });
    expect(await rejectionOf(queue.enqueue('removeBackground', { image: `data:image/png;base64,${'A'.repeat(70_000)}` }))).toMatchObject({ code: 'image_too_large' });
    await queue.close();
    await expect(createWorker({} as never, { connection: 'redis://127.0.0.1:9', name: 'a', output: '/tmp' })).rejects.toMatchObject({ code: 'invalid_request' });
    const px = createPixmux({ providers: [stub('s').provider] });
    await expect(createWorker(px, { connection: 'redis://127.0.0.1:9', name: 'a', output: 42 as never })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/output/) });
    await expect(createWorker(px, { connection: 'redis://127.0.0.1:9', name: 'a', output: '/tmp', concurrency: 0 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(createWorker(px, { connection: 'redis://127.0.0.1:9', name: 'a', output: '/tmp', stalledIntervalMs: 5 })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('pixmux/queue when Redis cannot be reached', () => {
  it("a producer's calls fail typed and retryable (provider_unavailable), not with the driver's error or a hang", async () => {
    const queue = createQueue({ connection: { host: '127.0.0.1', port: 1, retryStrategy: () => null }, name: 'unreachable' });
    for (const call of [() => queue.progress(), () => queue.enqueue('generate', { prompt: 'x' }), () => queue.outcome('a')]) {
      expect(await rejectionOf(call())).toMatchObject({ name: 'PixmuxError', code: 'provider_unavailable', retryable: true, message: expect.stringMatching(/^queue: Redis failed: /) });
    }
    await queue.close();
  });
});

describe.skipIf(unavailable)('pixmux/queue with a real Redis', () => {
  it('images by URL/path, key and small inline bytes reach the worker; outputs are named by job id; progress counts and costs', async () => {
    const name = uniqueName();
    const queue = queueFor(name);
    const seen: Uint8Array[] = [];
    const api = stub('api', { priceUsd: 0.02, answer: () => ({ images: [{ bytes: PHOTO }], model: 'm', costUsd: 0.02 }) });
    const px = createPixmux({ providers: [api.provider], input: { files: true } });
    const original = px.removeBackground.bind(px);
    px.removeBackground = async (request) => {
      seen.push(request.image as Uint8Array);
      return original(request);
    };
    const folder = tempDir();
    const photoPath = join(folder, 'in.png');
    writeFileSync(photoPath, PHOTO);
    const finished = queue.finished();
    await queue.enqueue('removeBackground', { image: photoPath }, { jobId: 'by-path' });
    await queue.enqueue('removeBackground', { image: { key: 'bucket/p1.png' } }, { jobId: 'shop/by-key' });
    await queue.enqueue('removeBackground', { image: PHOTO, format: 'png' }, { jobId: 'inline' });
    const output = tempDir();
    await workerFor(px, name, { output, concurrency: 2, readInput: async (key) => (key === 'bucket/p1.png' ? PHOTO : new Uint8Array()) });
    const jobs = await take(finished, 3);
    expect(jobs.every((job) => job.ok)).toBe(true);
    expect(seen).toEqual(expect.arrayContaining([photoPath, PHOTO, PHOTO]));
    expect(readFileSync(join(output, 'shop/by-key.png'))).toEqual(Buffer.from(PHOTO));
    expect(await queue.outcome('by-path')).toEqual({ id: 'by-path', ok: true, result: { outputs: [join(output, 'by-path.png')], provider: 'api', model: 'm', costUsd: 0.02, cached: false, attempt: 1 } });
    expect(await queue.outcome('nope')).toBeUndefined();
    expect(await queue.progress()).toEqual({ waiting: 0, delayed: 0, active: 0, done: 3, failed: 0, costUsd: 0.06 });
  });

  it('enqueueing with a jobId is idempotent: the job runs once', async () => {
    const name = uniqueName();
    const queue = queueFor(name);
    const api = stub('api');
    const px = createPixmux({ providers: [api.provider] });
    const first = await queue.enqueue('generate', { prompt: 'once' }, { jobId: 'same' });
    const second = await queue.enqueue('generate', { prompt: 'twice?' }, { jobId: 'same' });
    expect(first).toEqual({ id: 'same' });
    expect(second).toEqual({ id: 'same' });
    const finished = queue.finished({ from: 'start' });
    await workerFor(px, name);
    expect((await take(finished, 1))[0]).toMatchObject({ id: 'same', ok: true });
    expect(await queue.progress()).toMatchObject({ waiting: 0, done: 1 });
    expect(api.state.calls).toBe(1);
  });

  it('failures are recorded typed: permanent ones fail at once, retryable ones run again with backoff until attempts run out', async () => {
    const name = uniqueName();
    const queue = queueFor(name, { attempts: 3 });
    const denied = stub('denied', { answer: fail('content_policy') });
    const flaky = stub('flaky', { answer: fail('provider_error', 503) });
    const px = createPixmux({ providers: [denied.provider, flaky.provider], retry: { retries: 0 }, circuit: false });
    const finished = queue.finished();
    await queue.enqueue('generate', { prompt: 'x', providers: ['denied'] }, { jobId: 'permanent' });
    await queue.enqueue('generate', { prompt: 'x', providers: ['flaky'] }, { jobId: 'retryable' });
    const runs: Array<{ id: string; willRetry: boolean }> = [];
    await workerFor(px, name, { onJob: (outcome) => runs.push({ id: outcome.id, willRetry: outcome.willRetry }) });
    const jobs = new Map((await take(finished, 2)).map((job) => [job.id, job]));
    expect(jobs.get('permanent')).toEqual({ id: 'permanent', ok: false, failure: { code: 'content_policy', message: 'stub failure: content_policy', retryable: false, attempt: 1, costUsd: 0 } });
    expect(jobs.get('retryable')).toMatchObject({ ok: false, failure: { code: 'provider_error', retryable: true, attempt: 3 } });
    expect(denied.state.calls).toBe(1);
    expect(flaky.state.calls).toBe(3);
    expect(runs.filter((run) => run.id === 'retryable').map((run) => run.willRetry)).toEqual([true, true, false]);
    expect(await queue.progress()).toMatchObject({ failed: 2, done: 0 });
    // BullMQ's own view shows the code first, for dashboards.
    const connection = new Redis(redis!.url, { maxRetriesPerRequest: null });
    const bull = new Queue(name, { connection });
    expect((await bull.getJob('permanent'))!.failedReason).toBe('content_policy: stub failure: content_policy');
    await bull.close();
    await connection.quit();
  });

  it('a key without readInput, and a job not made by pixmux/queue, fail typed and at once', async () => {
    const name = uniqueName();
    const queue = queueFor(name);
    const px = createPixmux({ providers: [stub('api').provider] });
    const finished = queue.finished();
    await queue.enqueue('removeBackground', { image: { key: 'k' } }, { jobId: 'no-reader' });
    const connection = new Redis(redis!.url, { maxRetriesPerRequest: null });
    const foreign = new Queue(name, { connection });
    await foreign.add('x', { hello: 'world' } as never, { jobId: 'foreign', attempts: 3 });
    await workerFor(px, name);
    const jobs = new Map((await take(finished, 2)).map((job) => [job.id, job]));
    expect(jobs.get('no-reader')).toMatchObject({ ok: false, failure: { code: 'invalid_request', message: expect.stringMatching(/readInput/), attempt: 1 } });
    expect(jobs.get('foreign')).toMatchObject({ ok: false, failure: { code: 'invalid_request', message: expect.stringMatching(/not made by pixmux\/queue/), attempt: 1 } });
    await foreign.close();
    await connection.quit();
  });

  it('an output function stores the result and says where; a failing one makes the run retryable', async () => {
    const name = uniqueName();
    const queue = queueFor(name, { attempts: 2 });
    const px = createPixmux({ providers: [stub('api').provider] });
    const stored: Array<{ id: string; attempt: number; provider: string }> = [];
    let calls = 0;
    const output = async (result: PixmuxResult, job: { id: string; attempt: number }) => {
      calls += 1;
      if (calls === 1) throw new Error('bucket unreachable');
      expect(result.images[0]).toBeInstanceOf(PixmuxImage);
      stored.push({ id: job.id, attempt: job.attempt, provider: result.provider });
      return `s3://bucket/${job.id}.png`;
    };
    const finished = queue.finished();
    await queue.enqueue('generate', { prompt: 'p' }, { jobId: 'to-s3' });
    await workerFor(px, name, { output });
    expect((await take(finished, 1))[0]).toEqual({ id: 'to-s3', ok: true, result: { outputs: ['s3://bucket/to-s3.png'], provider: 'api', model: 'api-model', costUsd: 0.01, cached: false, attempt: 2 } });
    expect(stored).toEqual([{ id: 'to-s3', attempt: 2, provider: 'api' }]);
  });

  it('removeFinished forgets finished jobs past the count; finished() still reports each one', async () => {
    expect(() => createQueue({ connection: redis!.url, name: 'x', removeFinished: {} })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => createQueue({ connection: redis!.url, name: 'x', removeFinished: { count: -1 } })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    const name = uniqueName();
    const queue = queueFor(name, { removeFinished: { count: 2 } });
    const forgetful = queueFor(`${name}-none`, { removeFinished: { count: 0 } });
    const px = createPixmux({ providers: [stub('api').provider, stub('no', { answer: fail('content_policy') }).provider], retry: { retries: 0 } });
    const finished = queue.finished();
    await queue.enqueueMany('generate', ['a', 'b', 'c', 'd', 'e'].map((id) => ({ request: { prompt: id, providers: [id === 'e' ? 'no' : 'api'] }, jobId: id })));
    await workerFor(px, name);
    const jobs = await take(finished, 5);
    expect(jobs.map((job) => job.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(jobs.find((job) => job.id === 'e')).toMatchObject({ ok: false, failure: { code: 'content_policy' } });
    const progress = await queue.progress();
    expect(progress.done).toBe(2);
    expect(progress.failed).toBe(1);
    // Kept nowhere: the failure still comes typed, read from BullMQ's reason.
    const gone = forgetful.finished();
    await forgetful.enqueue('generate', { prompt: 'x', providers: ['no'] }, { jobId: 'gone' });
    await workerFor(px, `${name}-none`);
    expect((await take(gone, 1))[0]).toEqual({ id: 'gone', ok: false, failure: { code: 'content_policy', message: 'stub failure: content_policy', retryable: false, attempt: 0, costUsd: 0 } });
    expect(await forgetful.outcome('gone')).toBeUndefined();
  });

  it('finished() ends when its signal aborts, and close() stops a subscription nobody reads', async () => {
    const queue = queueFor(uniqueName());
    const controller = new AbortController();
    const iterator = queue.finished({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const jobs: FinishedJob[] = [];
    for await (const job of iterator) jobs.push(job);
    expect(jobs).toEqual([]);
    queue.finished();
    await queue.close();
  });
});
