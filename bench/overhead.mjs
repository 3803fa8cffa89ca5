// Per-call cost, side by side in one run: one loopback stub of OpenAI's images API (node:http, answering every
// POST with a 1×1 PNG as b64_json), called with
//   raw           plain fetch + JSON.parse + base64 decode (what a hand-written client does),
//   raw-http      plain node:http.request + JSON.parse + base64 decode (the floor of pixmux's own Node transport),
//   pixmux        createPixmux + openaiCompatible from the built dist/ (validation, policy, retries armed, sniffing),
//   pixmux-fetch  the same with `httpTransport: 'fetch'` (every request through fetch, as on an edge runtime),
//   ai-sdk        generateImage from `ai` with createOpenAICompatible from `@ai-sdk/openai-compatible` (dev dependencies),
// at concurrency 64 and at concurrency 1. Each round gives each client the same wall time, in a rotating order;
// the figures are medians over the rounds. Prints calls/s and the ratios pixmux/raw and pixmux/ai-sdk (the issue's
// targets), pixmux/raw-http (what pixmux costs over its own transport) and pixmux-fetch/raw.
// The stub runs in the same process, so every figure includes its share of the CPU.
//   npm run bench:overhead                  (builds first)
//   BENCH_ROUNDS=7 BENCH_ROUND_MS=1500 BENCH_CONCURRENCY=64,1 node bench/overhead.mjs
import { Agent, createServer, request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.PIXMUX_DIST ?? new URL('../dist', import.meta.url).pathname);
const { createPixmux } = await import(pathToFileURL(`${dist}/index.js`).href);
const { openaiCompatible } = await import(pathToFileURL(`${dist}/providers/openai-compatible/index.js`).href);
const { generateImage } = await import('ai');
const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '64,1').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY?.split(',');

// A 1×1 PNG: the payload is negligible, so what is measured is each client's own per-call work.
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PNG_BYTES = Buffer.from(PNG_B64, 'base64').byteLength;
const body = JSON.stringify({ created: 1_700_000_000, data: [{ b64_json: PNG_B64 }] });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const baseURL = `http://127.0.0.1:${server.address().port}/v1`;
const apiKey = 'bench-key-0123456789';

const requestBody = () => JSON.stringify({ model: 'm', prompt: 'a red bicycle', n: 1, response_format: 'b64_json' });
async function raw() {
  const response = await fetch(`${baseURL}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: requestBody(),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const json = await response.json();
  return Buffer.from(json.data[0].b64_json, 'base64');
}

const keepAlive = new Agent({ keepAlive: true, scheduling: 'lifo' });
function rawHttp() {
  return new Promise((resolve, reject) => {
    const payload = requestBody();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'content-length': Buffer.byteLength(payload) };
    const request = httpRequest(`${baseURL}/images/generations`, { method: 'POST', headers, agent: keepAlive }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
        const json = JSON.parse(Buffer.concat(chunks).toString());
        resolve(Buffer.from(json.data[0].b64_json, 'base64'));
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

// High enough that the provider's own bound is never what limits the run.
const px = createPixmux({ providers: [openaiCompatible({ baseURL, model: 'm', apiKey, maxConcurrency: 1024 })] });
async function pixmux() {
  const result = await px.generate({ prompt: 'a red bicycle' });
  return result.images[0].bytes;
}

const pxFetch = createPixmux({ httpTransport: 'fetch', providers: [openaiCompatible({ baseURL, model: 'm', apiKey, maxConcurrency: 1024 })] });
async function pixmuxFetch() {
  const result = await pxFetch.generate({ prompt: 'a red bicycle' });
  return result.images[0].bytes;
}

const compatible = createOpenAICompatible({ name: 'bench', baseURL, apiKey });
const imageModel = compatible.imageModel('m');
async function aiSdk() {
  const result = await generateImage({ model: imageModel, prompt: 'a red bicycle', maxRetries: 2 });
  return result.image.uint8Array;
}

const clients = [
  ['raw', raw],
  ['raw-http', rawHttp],
  ['pixmux', pixmux],
  ['pixmux-fetch', pixmuxFetch],
  ['ai-sdk', aiSdk],
].filter(([name]) => !ONLY || ONLY.includes(name));

/** Runs `fn` from `concurrency` loops for `ms` milliseconds; returns completed calls per second. */
async function throughput(fn, concurrency, ms) {
  let done = 0;
  const endAt = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < endAt) {
      const bytes = await fn();
      if (bytes.byteLength !== PNG_BYTES) throw new Error(`wrong image size ${bytes.byteLength}`);
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done * 1000) / (performance.now() - started);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const results = {};
for (const concurrency of CONCURRENCIES) {
  for (const [, fn] of clients) await throughput(fn, concurrency, WARMUP_MS / clients.length);
  const samples = Object.fromEntries(clients.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no client always runs right after the same neighbour (GC debt, JIT state).
    for (let i = 0; i < clients.length; i++) {
      const [name, fn] = clients[(round + i) % clients.length];
      samples[name].push(await throughput(fn, concurrency, ROUND_MS));
    }
  }
  results[concurrency] = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { median: median(values), min: Math.min(...values), max: Math.max(...values) }]));
}
server.close();
keepAlive.destroy();
await px.dispose();
await pxFetch.dispose();

const fmt = (value) => Math.round(value).toLocaleString('en-US').padStart(7);
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—').padStart(6);
console.log(`per-call cost on a loopback stub of the OpenAI images API (1×1 PNG as b64_json), node ${process.version}`);
console.log(`${ROUNDS} rounds × ${ROUND_MS} ms per client and concurrency, medians of calls/s (min–max in brackets)\n`);
const RATIOS = [
  ['pixmux/raw', 'pixmux', 'raw'],
  ['pixmux/ai-sdk', 'pixmux', 'ai-sdk'],
  ['pixmux/raw-http', 'pixmux', 'raw-http'],
  ['pixmux-fetch/raw', 'pixmux-fetch', 'raw'],
];
console.log(`concurrency │ ${clients.map(([name]) => name.padStart(21)).join(' ')} │ ${RATIOS.map(([label]) => label).join('  ')}`);
for (const concurrency of CONCURRENCIES) {
  const row = results[concurrency];
  const cells = clients.map(([name]) => `${fmt(row[name].median)} (${fmt(row[name].min).trim()}–${fmt(row[name].max).trim()})`.padStart(21));
  const ratios = RATIOS.map(([label, a, b]) => ratio(row[a]?.median, row[b]?.median).padStart(label.length));
  console.log(`${String(concurrency).padStart(11)} │ ${cells.join(' ')} │ ${ratios.join('  ')}`);
}
