// @vitest-environment edge-runtime
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { huggingface } from '../../providers/huggingface/index.js';

/** A 1×1 PNG; node:zlib is not available in the edge runtime, so the fixture is inline. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('in an edge runtime', () => {
  it('has no Node globals to lean on', () => {
    expect(typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime).toBe('string');
  });

  it('runs the core and an HTTP provider with a custom fetch', async () => {
    const requests: Array<{ url: string; body: unknown }> = [];
    const fetchStub: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      requests.push({ url: request.url, body: await request.json() });
      return new Response(JSON.stringify({ data: [{ b64_json: PNG_BASE64 }] }), { headers: { 'content-type': 'application/json' } });
    };
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: 'https://gateway.example/v1', model: 'flux', apiKey: 'edge-key-123456', fetch: fetchStub })] });
    const result = await px.generate({ prompt: 'a lighthouse', size: '512x512' });
    expect(requests).toEqual([{ url: 'https://gateway.example/v1/images/generations', body: expect.objectContaining({ prompt: 'a lighthouse', size: '512x512' }) }]);
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 1, height: 1 });
    expect(result.images[0]!.base64()).toBe(PNG_BASE64);
  });

  it('reads base64 and data-URL inputs, and refuses file paths with a typed error', async () => {
    const px = createPixmux({
      providers: [defineProvider({ id: 'echo', operations: { removeBackground: async (request) => ({ images: [{ bytes: request.image.bytes }] }) } })],
    });
    await expect(px.removeBackground({ image: PNG_BASE64 })).resolves.toMatchObject({ provider: 'echo' });
    await expect(px.removeBackground({ image: `data:image/png;base64,${PNG_BASE64}` })).resolves.toMatchObject({ provider: 'echo' });
    await expect(px.removeBackground({ image: './photo.png' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('files: true') });
    // No resolver here: URLs written as private or loopback IP literals are refused before any fetch.
    await expect(px.removeBackground({ image: 'http://127.0.0.1:9/photo.png' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(px.removeBackground({ image: 'http://[::ffff:169.254.169.254]/latest' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('cuts out with Hugging Face masks: PNG decoded and encoded with the platform streams, no Node or native code', async () => {
    // The 1×1 PNG is opaque-transparent RGBA; a mask of full coverage keeps its pixel, alpha included.
    const fetchStub: typeof fetch = async () => new Response(JSON.stringify([{ label: 'foreground', score: 1, mask: PNG_BASE64 }]), { headers: { 'content-type': 'application/json' } });
    const px = createPixmux({ providers: [huggingface({ apiKey: 'hf_edge0123456789', fetch: fetchStub })] });
    const result = await px.removeBackground({ image: PNG_BASE64 });
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 1, height: 1 });
  });
});
