// A Node HTTP endpoint in front of pixmux: POST /generate {"prompt": "…"} answers with the PNG, and the provider
// that made it and what it cost in headers. A failure answers with the error's code and a status that fits it.
//   IMAGE_API_URL=http://gpu-box:8000/v1 node examples/http-endpoint.mjs      (PORT, default 3000; 0 picks one)
import { createServer } from 'node:http';
import { createPixmux, PixmuxError } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';

const px = createPixmux({
  providers: [openaiCompatible({ baseURL: process.env.IMAGE_API_URL ?? 'http://localhost:8000/v1', model: process.env.IMAGE_MODEL ?? 'flux-schnell' })],
  timeoutMs: 60_000,
});

/** HTTP status for each pixmux error code: the caller's fault, a refusal, or ours to retry. */
const STATUS = { invalid_request: 400, invalid_image: 400, image_too_large: 413, content_policy: 422, budget_exceeded: 402, rate_limited: 429, timeout: 504, aborted: 499 };

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/generate') return void res.writeHead(404).end();
  const abort = new AbortController();
  res.on('close', () => abort.abort()); // the client went away: stop paying for the call
  try {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { prompt } = JSON.parse(body || '{}');
    const result = await px.generate({ prompt, signal: abort.signal });
    const image = result.images[0];
    res.writeHead(200, { 'content-type': image.mediaType, 'x-provider': result.provider, 'x-cost-usd': String(result.costUsd) }).end(image.bytes);
  } catch (error) {
    const code = PixmuxError.isInstance(error) ? error.code : 'invalid_request';
    const status = STATUS[code] ?? 502;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message: error instanceof Error ? error.message : String(error) } }));
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/generate`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => px.dispose().then(() => process.exit(0))));
