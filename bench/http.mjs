// What pixmux costs over a raw fetch, side by side in one run: the same OpenAI-style endpoint (a local
// node:http server answering with a real ~1 MP PNG as base64) called with plain fetch + JSON.parse + base64 decode,
// and through createPixmux + openaiCompatible (validation, policy, retries armed, image sniffing, events).
// Prints latency (mean / p50 / p99), the added time and the ratio, and heap growth per call.
//   npm run build && node bench/http.mjs        (BENCH_ITERATIONS=500 by default)
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.PIXMUX_DIST ?? new URL('../dist', import.meta.url).pathname);
const { createPixmux } = await import(pathToFileURL(`${dist}/index.js`).href);
const { openaiCompatible } = await import(pathToFileURL(`${dist}/providers/openai-compatible/index.js`).href);
const sharp = (await import('sharp')).default;

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 500);
const WARMUP = 50;

// A realistic payload: a 1024×1024 photo-like PNG (noise compresses badly, like real photos).
const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png({ compressionLevel: 1 }).toBuffer();
const body = JSON.stringify({ created: 1, data: [{ b64_json: png.toString('base64') }] });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const baseURL = `http://127.0.0.1:${server.address().port}/v1`;

async function rawFetch() {
  const response = await fetch(`${baseURL}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
    body: JSON.stringify({ model: 'm', prompt: 'a red bicycle', n: 1, response_format: 'b64_json' }),
  });
  const json = await response.json();
  return new Uint8Array(Buffer.from(json.data[0].b64_json, 'base64'));
}

const px = createPixmux({ providers: [openaiCompatible({ baseURL, model: 'm', apiKey: 'bench-key' })] });
async function viaPixmux() {
  const result = await px.generate({ prompt: 'a red bicycle' });
  return result.images[0].bytes;
}

async function measure(run) {
  for (let i = 0; i < WARMUP; i++) await run();
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const times = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    const bytes = await run();
    times.push(performance.now() - started);
    if (bytes.byteLength !== png.byteLength) throw new Error('wrong image size');
  }
  globalThis.gc?.();
  const heapPerCallKb = (process.memoryUsage().heapUsed - heapBefore) / ITERATIONS / 1024;
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { mean, p50: times[Math.floor(times.length * 0.5)], p99: times[Math.floor(times.length * 0.99)], heapPerCallKb };
}

const raw = await measure(rawFetch);
const pix = await measure(viaPixmux);
server.close();

const ms = (value) => `${value.toFixed(2).padStart(7)} ms`;
console.log(`pixmux vs raw fetch — ${ITERATIONS} sequential calls each, ${(png.byteLength / 1e6).toFixed(2)} MB PNG as base64 JSON, node ${process.version}${globalThis.gc ? '' : ' (run with --expose-gc for steadier heap figures)'}\n`);
console.log('             │ mean        p50         p99        │ heap growth / call');
console.log(`raw fetch    │ ${ms(raw.mean)} ${ms(raw.p50)} ${ms(raw.p99)} │ ${raw.heapPerCallKb.toFixed(1)} KB`);
console.log(`pixmux       │ ${ms(pix.mean)} ${ms(pix.p50)} ${ms(pix.p99)} │ ${pix.heapPerCallKb.toFixed(1)} KB`);
console.log(`\nadded p50 ${(pix.p50 - raw.p50).toFixed(2)} ms, ratio p50 ${(pix.p50 / raw.p50).toFixed(2)}×, ratio mean ${(pix.mean / raw.mean).toFixed(2)}×`);
