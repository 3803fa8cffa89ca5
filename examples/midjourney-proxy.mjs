// Midjourney has no official public API (as of 2026): access is the Discord bot and the web app. Third-party
// proxies drive an account for you, each with its own protocol and terms-of-service risk, so pixmux ships no
// Midjourney provider. This is how a team wraps the proxy it chose with `defineProvider`, and puts it in a
// fallback chain like any built-in provider.
//
// The protocol below is the common shape (submit "imagine", get a task id, poll the task, download the image
// URLs); adapt `submit` and `readTask` to your proxy's field names. Run it against yours with:
//   MIDJOURNEY_PROXY_URL=https://your-proxy/api MIDJOURNEY_PROXY_KEY=... npm run build && node examples/midjourney-proxy.mjs "a lighthouse at dusk"
import { mkdirSync, writeFileSync } from 'node:fs';

const { MIDJOURNEY_PROXY_URL: proxyUrl, MIDJOURNEY_PROXY_KEY: proxyKey } = process.env;
if (!proxyUrl || !proxyKey) {
  console.log('skipped: set MIDJOURNEY_PROXY_URL and MIDJOURNEY_PROXY_KEY to run this example (a third-party Midjourney proxy; one billed job)');
  process.exit(0);
}

// Imported after the check, so the example skips cleanly even before `npm run build`.
const { createPixmux, defineProvider, pixmuxError, pollJob } = await import('pixmux');

/** Your proxy's price for one imagine job (four images); check its pricing page. */
const PRICE_PER_JOB_USD = Number(process.env.MIDJOURNEY_PRICE_PER_JOB ?? 0.1);
const IMAGES_PER_JOB = 4;

/** Starts a job: `POST {proxy}/imagine { prompt }` → `{ taskId }`. */
async function submit(request, context) {
  const prompt = request.negativePrompt ? `${request.prompt} --no ${request.negativePrompt}` : request.prompt;
  const ratio = request.aspectRatio ? ` --ar ${request.aspectRatio}` : '';
  const seed = request.seed !== undefined ? ` --seed ${request.seed}` : '';
  const response = await context.http.post('imagine', { json: { prompt: `${prompt}${ratio}${seed}` } });
  const { taskId } = await response.json();
  if (typeof taskId !== 'string') throw pixmuxError('bad_response', 'midjourney-proxy: no taskId in the answer', { provider: context.provider });
  return taskId;
}

/** Reads a job: `GET {proxy}/tasks/{id}` → `{ status: pending | running | completed | failed, imageUrls, error }`. */
async function readTask(taskId, context, signal) {
  const task = await (await context.http.get(`tasks/${encodeURIComponent(taskId)}`, { signal })).json();
  if (task.status === 'completed') return { done: true, value: task.imageUrls ?? [] };
  if (task.status === 'failed') {
    const code = /banned|moderat|nsfw|policy/i.test(task.error ?? '') ? 'content_policy' : 'provider_error';
    throw pixmuxError(code, `midjourney-proxy: the job failed: ${task.error ?? 'no reason given'}`, { provider: context.provider });
  }
  return { done: false };
}

const midjourney = defineProvider({
  id: 'midjourney-proxy',
  tier: 'premium',
  maxConcurrency: 3, // most Midjourney plans run 3 fast jobs at once
  maxImagesPerCall: IMAGES_PER_JOB, // one job gives four images; the core splits a larger n
  // Header values are secrets to pixmux: the key never shows in errors, logs or events.
  http: { baseURL: proxyUrl, headers: { authorization: `Bearer ${proxyKey}` } },
  price: (_operation, request) => PRICE_PER_JOB_USD * Math.ceil(request.n / IMAGES_PER_JOB),
  operations: {
    generate: async (request, context) => {
      if (request.size) context.warn(`midjourney-proxy: Midjourney takes an aspect ratio, not a size; ${request.size.width}x${request.size.height} was not sent`);
      const taskId = await submit(request, context);
      // Polled within the call's deadline; past it, the job is left to finish at the proxy (add a cancel if yours has one).
      const urls = await pollJob({ signal: context.signal, remainingMs: context.remainingMs, provider: context.provider, initialDelayMs: 1_000, maxDelayMs: 5_000, check: (signal) => readTask(taskId, context, signal) });
      if (urls.length === 0) throw pixmuxError('bad_response', 'midjourney-proxy: the job completed without images', { provider: context.provider });
      // Result URLs expire: download them now, through pixmux's capped, deadline-bound downloader.
      const images = await Promise.all(urls.slice(0, request.n).map((url) => context.download(url)));
      return { images, model: 'midjourney', costUsd: PRICE_PER_JOB_USD, metadata: { taskId } };
    },
  },
});

const px = createPixmux({ providers: [midjourney], timeoutMs: 600_000 });
const result = await px.generate({ prompt: process.argv[2] ?? 'a lighthouse on a cliff at dusk', aspectRatio: '16:9', n: 4 });
mkdirSync('out', { recursive: true });
result.images.forEach((image, index) => writeFileSync(`out/midjourney-${index}.${image.mediaType.split('/')[1]}`, image.bytes));
console.log(`wrote ${result.images.length} images to out/: provider ${result.provider}, task ${result.metadata.taskId}, $${result.costUsd}, ${result.timings.totalMs} ms`);
if (result.warnings.length > 0) console.log('warnings:', result.warnings);
