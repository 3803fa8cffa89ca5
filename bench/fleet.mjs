// The queue's own cost per job: throughput of 1, 2 and 3 worker processes on one Redis (pixmux/queue, BullMQ)
// against a single process running px.batch at the same total concurrency, on a stub provider with fixed latency
// (so the ideal is concurrency / latency jobs a second, and what is missing from it is overhead).
//   npm run build && node bench/fleet.mjs        (needs redis-server on PATH: scripts/ensure-redis-binary.sh)
//   BENCH_JOBS=2000 BENCH_LATENCY_MS=50 BENCH_CONCURRENCY=8 (per worker process)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { stubProvider } from './fleet-worker.mjs';

const dist = resolve(process.env.PIXMUX_DIST ?? new URL('../dist', import.meta.url).pathname);
const { createPixmux } = await import(pathToFileURL(`${dist}/index.js`).href);
const { createQueue } = await import(pathToFileURL(`${dist}/queue/index.js`).href);

const JOBS = Number(process.env.BENCH_JOBS ?? 1200);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PER_WORKER = Number(process.env.BENCH_CONCURRENCY ?? 8);
const workerScript = new URL('./fleet-worker.mjs', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'pixmux-fleet-bench-'));

const port = await new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => done(free));
  });
});
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
await new Promise((done) => setTimeout(done, 300));

/** One process, px.batch at `concurrency`, writing each result to a file as the workers do. */
async function batchRun(concurrency) {
  const { writeFile } = await import('node:fs/promises');
  const px = createPixmux({ providers: [stubProvider(LATENCY_MS)], cache: false, circuit: false });
  const out = mkdtempSync(join(scratch, 'batch-'));
  const started = performance.now();
  let done = 0;
  for await (const item of px.batch('generate', Array.from({ length: JOBS }, (_, i) => ({ prompt: `p${i}` })), { concurrency })) {
    if (!item.ok) throw item.error;
    await writeFile(join(out, `p${item.index}.png`), item.result.images[0].bytes);
    done += 1;
  }
  await px.dispose();
  return { done, seconds: (performance.now() - started) / 1000 };
}

/** `workers` processes of PER_WORKER each; the clock runs from the first enqueue to the last finished job. */
async function fleetRun(workers, round) {
  const name = `bench-${workers}-${round}`;
  const out = mkdtempSync(join(scratch, 'fleet-'));
  const children = Array.from({ length: workers }, () => spawn(process.execPath, [workerScript, url, name, out, String(PER_WORKER), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await Promise.all(children.map((child) => new Promise((done) => createInterface({ input: child.stdout }).once('line', done))));
  const queue = createQueue({ connection: url, name });
  // Connected and loaded before the clock starts: the first call imports bullmq and ioredis (about a second under load).
  await queue.progress();
  const finished = queue.finished();
  const started = performance.now();
  await queue.enqueueMany('generate', Array.from({ length: JOBS }, (_, i) => ({ request: { prompt: `p${i}` }, jobId: `p${i}` })));
  const enqueued = (performance.now() - started) / 1000;
  let done = 0;
  for await (const job of finished) {
    if (!job.ok) throw new Error(`${job.id}: ${job.failure.code}`);
    if (++done === JOBS) break;
  }
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  await Promise.all(children.map((child) => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM')))));
  return { done, seconds, enqueued };
}

const rows = [];
try {
  for (const workers of [1, 2, 3]) {
    const concurrency = workers * PER_WORKER;
    const batch = await batchRun(concurrency);
    const fleet = await fleetRun(workers, 0);
    const ideal = concurrency / (LATENCY_MS / 1000);
    const row = {
      setup: `${workers} worker process${workers > 1 ? 'es' : ''} × ${PER_WORKER}`,
      concurrency,
      ideal: ideal.toFixed(0),
      batch: (batch.done / batch.seconds).toFixed(0),
      fleet: (fleet.done / fleet.seconds).toFixed(0),
      ratio: (batch.done / batch.seconds / (fleet.done / fleet.seconds)).toFixed(2),
      overheadMs: ((fleet.seconds - batch.seconds) * 1000 * concurrency / JOBS).toFixed(2),
      enqueueMs: ((fleet.enqueued * 1000) / JOBS).toFixed(3),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  redis.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}

console.log(`\n${JOBS} jobs, stub latency ${LATENCY_MS} ms, ${PER_WORKER} at a time per worker process; jobs/s (ideal = concurrency / latency)`);
console.log('| setup | total concurrency | ideal | px.batch, 1 process | pixmux/queue fleet | batch ÷ fleet | queue overhead per job (ms of a slot) | enqueue per job (ms) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.setup} | ${row.concurrency} | ${row.ideal} | ${row.batch} | ${row.fleet} | ${row.ratio}× | ${row.overheadMs} | ${row.enqueueMs} |`);
