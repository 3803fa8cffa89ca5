// An edge or serverless handler (Web Request in, Web Response out; no Node APIs), as Vercel, Netlify, Cloudflare or
// Deno deploy it: the client is made once per instance and reused across invocations.
//   node examples/serverless-handler.mjs "a red bicycle"      (calls the handler once, as a platform would)
import { createPixmux, PixmuxError } from 'pixmux';
import { openaiCompatible } from 'pixmux/providers/openai-compatible';

const px = createPixmux({
  providers: [openaiCompatible({ baseURL: globalThis.process?.env.IMAGE_API_URL ?? 'http://localhost:8000/v1', model: 'flux-schnell' })],
  timeoutMs: 25_000, // inside the platform's own limit
});

/** @param {Request} request */
export async function handler(request) {
  const { prompt } = await request.json().catch(() => ({}));
  try {
    const result = await px.generate({ prompt, signal: request.signal });
    return new Response(result.images[0].bytes, { headers: { 'content-type': result.images[0].mediaType, 'x-provider': result.provider } });
  } catch (error) {
    const code = PixmuxError.isInstance(error) ? error.code : 'provider_error';
    return Response.json({ error: { code } }, { status: code === 'invalid_request' ? 400 : 502 });
  }
}

export default { fetch: handler };

if (globalThis.process?.argv?.[1] && import.meta.url === `file://${globalThis.process.argv[1]}`) {
  const response = await handler(new Request('http://localhost/', { method: 'POST', body: JSON.stringify({ prompt: process.argv[2] ?? 'a red bicycle' }) }));
  console.log(`${response.status} ${response.headers.get('content-type')} from ${response.headers.get('x-provider') ?? '-'}, ${(await response.arrayBuffer()).byteLength} bytes`);
}
