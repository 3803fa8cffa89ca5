// Soak: 20,000 calls at concurrency 256 through the fallback policy against two loopback stub servers, one of which
// injects faults (500s, 429s with a hint, dropped connections, slow answers, bodies that are not JSON, result URLs).
// Prints heap and RSS after a full GC at intervals, event-loop delay percentiles, what the calls ended in, and the
// handles still open once the client and servers are closed. Heap should stay flat; nothing should be left open.
//
//   npm run build && node --expose-gc bench/soak.mjs        (SOAK_CALLS, SOAK_CONCURRENCY to change the size)
import { createServer } from 'node:http';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { makePng } from './png.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc bench/soak.mjs');
  process.exit(1);
}
const distPath = process.env.PIXMUX_DIST ?? new URL('../dist/index.js', import.meta.url).pathname;
const { createPixmux, PixmuxError } = await import(pathToFileURL(resolve(distPath)).href);
const { openaiCompatible } = await import(pathToFileURL(resolve(distPath, '../providers/openai-compatible/index.js')).href);

const CALLS = Number(process.env.SOAK_CALLS ?? 20_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 256);
const SAMPLES = 10;
const MB = 1024 * 1024;

const png = makePng(64, 64);
const imageJson = JSON.stringify({ data: [{ b64_json: Buffer.from(png).toString('base64') }] });

// ── stubs ─────────────────────────────────────────────────────────────────────────────────────────────────
const faults = { ok: 0, error500: 0, rateLimited: 0, dropped: 0, slow: 0, notJson: 0, url: 0 };
let sequence = 0;
function flaky(req, res) {
  if (req.url.startsWith('/files/')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  req.resume();
  req.on('end', () => {
    const roll = (sequence++ * 7919) % 100; // deterministic spread of faults
    if (roll < 10) return void (faults.error500++, res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"injected failure","code":"server_error"}}'));
    if (roll < 15) return void (faults.rateLimited++, res.writeHead(429, { 'retry-after-ms': '5' }).end('{"error":{"message":"slow down"}}'));
    if (roll < 18) return void (faults.dropped++, req.socket.destroy());
    if (roll < 21) return void (faults.slow++, setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(imageJson), 150));
    if (roll < 23) return void (faults.notJson++, res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [ not json'));
    if (roll < 26) return void (faults.url++, res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ url: `http://127.0.0.1:${flakyServer.address().port}/files/out.png` }] })));
    faults.ok++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(imageJson);
  });
}
function steady(req, res) {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(imageJson));
}
const flakyServer = createServer(flaky);
const steadyServer = createServer(steady);
await Promise.all([flakyServer, steadyServer].map((server) => new Promise((done) => server.listen(0, '127.0.0.1', done))));

// ── the client ────────────────────────────────────────────────────────────────────────────────────────────
const px = createPixmux({
  providers: [
    openaiCompatible({ id: 'flaky', baseURL: `http://127.0.0.1:${flakyServer.address().port}/v1`, model: 'm', apiKey: 'soak-key-0123456789', maxConcurrency: 128, responseFormat: 'b64_json', prices: { default: { perImage: 0.001 } } }),
    openaiCompatible({ id: 'steady', baseURL: `http://127.0.0.1:${steadyServer.address().port}/v1`, model: 'm', tier: 'premium', maxConcurrency: 128, prices: { default: { perImage: 0.01 } } }),
  ],
  retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 },
  circuit: { failureThreshold: 50, cooldownMs: 100 },
  policy: { spill: { maxQueue: 256, maxWaitMs: 5_000 } },
  budget: { limits: [{ usd: 1e9, per: 'day' }] },
  timeoutMs: 30_000,
});

// ── run ───────────────────────────────────────────────────────────────────────────────────────────────────
const outcomes = new Map();
const samples = [];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
function sample(done) {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  samples.push({ done, heapMb: heapUsed / MB, rssMb: rss / MB });
}

sample(0);
loopDelay.enable();
const started = performance.now();
let next = 0;
let finished = 0;
const every = Math.ceil(CALLS / SAMPLES);
async function worker() {
  while (next < CALLS) {
    next += 1;
    let label;
    try {
      const result = await px.generate({ prompt: 'a red bicycle' });
      label = `ok:${result.provider}`;
    } catch (error) {
      label = PixmuxError.isInstance(error) ? `error:${error.code}` : `untyped:${String(error)}`;
    }
    outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    finished += 1;
    if (finished % every === 0) {
      loopDelay.disable();
      sample(finished);
      loopDelay.enable();
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;
loopDelay.disable();

await px.dispose();
for (const server of [flakyServer, steadyServer]) {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
}
await new Promise((done) => setTimeout(done, 200));
// stdout and stderr are a TTY or a pipe (when piped to a file); anything else still open was left behind.
const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap');

// ── report ────────────────────────────────────────────────────────────────────────────────────────────────
const ms = (ns) => (ns / 1e6).toFixed(1);
console.log(`soak: ${CALLS} calls at concurrency ${CONCURRENCY}, ${seconds.toFixed(1)} s (${(CALLS / seconds).toFixed(0)} calls/s)`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.versions.node}`);
console.log(`faults injected by the flaky stub: ${JSON.stringify(faults)}`);
console.log(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
console.log('heap and RSS after GC:');
for (const s of samples) console.log(`  ${String(s.done).padStart(6)} calls  heap ${s.heapMb.toFixed(1).padStart(6)} MB  rss ${s.rssMb.toFixed(1).padStart(6)} MB`);
const settled = samples.slice(2);
const heapGrowth = settled.length > 1 ? settled.at(-1).heapMb - settled[0].heapMb : 0;
console.log(`heap growth from ${settled[0]?.done ?? 0} calls to the end: ${heapGrowth.toFixed(1)} MB`);
console.log(`event-loop delay: p50 ${ms(loopDelay.percentile(50))} ms, p90 ${ms(loopDelay.percentile(90))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`);
console.log(`open handles at the end: ${open.length === 0 ? 'none' : open.join(', ')}`);
const untyped = [...outcomes.keys()].filter((key) => key.startsWith('untyped'));
if (untyped.length > 0) {
  console.error(`untyped failures: ${untyped.join('; ')}`);
  process.exitCode = 1;
}

