// One worker process of bench/fleet.mjs: the built pixmux with a stub provider of fixed latency, working the queue
// named in argv until SIGTERM. Prints `ready` once it takes jobs.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.PIXMUX_DIST ?? new URL('../dist', import.meta.url).pathname);
const { createPixmux, defineProvider } = await import(pathToFileURL(`${dist}/index.js`).href);
const { createWorker } = await import(pathToFileURL(`${dist}/queue/index.js`).href);
const [url, name, output, concurrency, latencyMs] = process.argv.slice(2);

export const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
export function stubProvider(latency) {
  return defineProvider({
    id: 'stub',
    tier: 'local',
    maxConcurrency: 1024,
    price: () => 0,
    operations: { generate: () => new Promise((done) => setTimeout(() => done({ images: [{ bytes: PNG }], model: 'stub', costUsd: 0 }), latency)) },
  });
}

if (url) {
  const px = createPixmux({ providers: [stubProvider(Number(latencyMs))], cache: false, circuit: false });
  const worker = await createWorker(px, { connection: url, name, output, concurrency: Number(concurrency) });
  process.once('SIGTERM', () => void worker.close());
  process.stdout.write('ready\n');
  await worker.closed;
  await px.dispose();
}
