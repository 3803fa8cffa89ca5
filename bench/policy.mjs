// What the fallback policy costs, side by side in one run:
//   1. a call through the policy vs the same provider called directly (in-process, and over local HTTP);
//   2. the time to pass over a provider whose circuit is open.
// Runs against the built package: `npm run build && node bench/policy.mjs`, or point PIXMUX_DIST at another build
// (`npx tsup --out-dir /tmp/pixmux-dist && PIXMUX_DIST=/tmp/pixmux-dist/index.js node bench/policy.mjs`).
import { createServer } from 'node:http';
import { makePng } from './png.mjs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const distPath = process.env.PIXMUX_DIST ?? new URL('../dist/index.js', import.meta.url).pathname;
const { createPixmux, createHttpClient, defineProvider, pixmuxError, base64ToBytes } = await import(pathToFileURL(resolve(distPath)).href);

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2_000);
const WARMUP = 200;
const png = makePng(64, 64);
const png64 = Buffer.from(png).toString('base64');
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

// ── providers ───────────────────────────────────────────────────────────────────────────────────────────
const instant = defineProvider({ id: 'instant', tier: 'cheap', price: () => 0.001, operations: { generate: async () => ({ images: [{ bytes: png }], costUsd: 0.001 }) } });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ b64_json: png64 }] }));
  });
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const baseURL = `http://127.0.0.1:${server.address().port}/v1`;
const overHttp = defineProvider({
  id: 'http',
  tier: 'cheap',
  price: () => 0.001,
  http: { baseURL },
  operations: {
    generate: async (request, ctx) => {
      const body = await ctx.http.post('images/generations', { json: { prompt: request.prompt, n: request.n } }).json();
      return { images: [{ bytes: base64ToBytes(body.data[0].b64_json) }], costUsd: 0.001 };
    },
  },
});
const broken = defineProvider({ id: 'broken', tier: 'cheap', price: () => 0.001, operations: { generate: async () => Promise.reject(pixmuxError('provider_error', 'down', { retryable: false })) } });
const backup = defineProvider({ id: 'backup', tier: 'premium', price: () => 0.001, operations: { generate: async () => ({ images: [{ bytes: png }], costUsd: 0.001 }) } });

// ── direct calls: the provider's own function with a hand-made context, no policy ────────────────────────
function directCaller(provider) {
  const http = createHttpClient({ provider: provider.id, ...provider.http });
  const request = { prompt: 'a red bicycle', negativePrompt: undefined, size: undefined, aspectRatio: undefined, n: 1, seed: undefined, format: 'png', model: undefined, providerOptions: {} };
  return async () => {
    const controller = new AbortController();
    const ctx = { provider: provider.id, operation: 'generate', signal: controller.signal, remainingMs: () => 120_000, http: http.extend({ signal: controller.signal }), download: async () => { throw new Error('unused'); }, warn() {}, logger: silentLogger, attempt: 1 };
    const result = await provider.operations.generate(request, ctx);
    if (!result.images.length) throw new Error('no image');
  };
}

function policyCaller(providers, options = {}) {
  const px = createPixmux({ providers, retry: { retries: 0 }, budget: { limits: [{ usd: 1e9, per: 'day' }] }, ...options });
  return () => px.generate({ prompt: 'a red bicycle' });
}

/** Runs `a` and `b` alternately, so that load from anything else on the machine falls on both alike. */
async function measurePair(a, b) {
  for (let i = 0; i < WARMUP; i++) {
    await a();
    await b();
  }
  const samples = [new Float64Array(ITERATIONS), new Float64Array(ITERATIONS)];
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [index, fn] of [a, b].entries()) {
      const start = process.hrtime.bigint();
      await fn();
      samples[index][i] = Number(process.hrtime.bigint() - start) / 1e3;
    }
  }
  return samples.map((list) => {
    list.sort();
    return { mean: list.reduce((x, y) => x + y, 0) / list.length, p50: list[Math.floor(list.length * 0.5)], p99: list[Math.floor(list.length * 0.99)] };
  });
}

const us = (value) => `${value.toFixed(1).padStart(8)} µs`;
const rows = [];

for (const [label, provider] of [['in-process provider', instant], ['local HTTP provider', overHttp]]) {
  const [direct, viaPolicy] = await measurePair(directCaller(provider), policyCaller([provider]));
  rows.push({ label, direct, viaPolicy });
}

// Open circuit: 'broken' fails once (threshold 1, long cooldown), after which every call passes it over to 'backup'.
const overOpen = createPixmux({ providers: [broken, backup], retry: { retries: 0 }, circuit: { failureThreshold: 1, cooldownMs: 3_600_000 } });
await overOpen.generate({ prompt: 'x' });
const skipProbe = await overOpen.generate({ prompt: 'x' });
if (skipProbe.attempts[0]?.skipped !== 'circuit_open') throw new Error('the circuit did not open');
const [backupOnly, passOver] = await measurePair(policyCaller([backup]), () => overOpen.generate({ prompt: 'x' }));

server.close();

console.log(`pixmux policy bench — ${ITERATIONS} sequential calls each, node ${process.version}, ${distPath}`);
console.log('');
const header = (a, b) => `${''.padEnd(23)} │ ${a.padEnd(35)} │ ${b.padEnd(35)} │ added (p50) │ ratio (p50)`;
const line = (label, x, y) => `${label.padEnd(23)} │ ${us(x.mean)} ${us(x.p50)} ${us(x.p99)} │ ${us(y.mean)} ${us(y.p50)} ${us(y.p99)} │ ${us(y.p50 - x.p50)} │ ${(y.p50 / x.p50).toFixed(2)}×`;
console.log(header('direct: mean / p50 / p99', 'via policy: mean / p50 / p99'));
for (const { label, direct, viaPolicy } of rows) console.log(line(label, direct, viaPolicy));
console.log('');
console.log(header('backup alone: mean / p50 / p99', 'open circuit skipped, then backup'));
console.log(line('pass over open circuit', backupOnly, passOver));

