import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { http, HttpResponse } from 'msw';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageInput, ImageLimits } from 'pixmux';
import { echoClient as sharedEchoClient } from '../security/helpers.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { rejectionOf as failureOf } from '../helpers/errors.js';

const server = useMswServer();
const png = makePng(20, 10);

/** The shared echo client, opted in to both sources: paths in a temp folder, and msw's made-up hosts (no resolver knows them). */
const echoClient = (limits: ImageLimits = {}) => sharedEchoClient({ limits, input: { files: true, urls: { allowPrivateNetwork: true } } });

describe('input images', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-input-'));
  const file = join(dir, 'photo.png');
  writeFileSync(file, png);

  const forms: Array<[string, () => ImageInput]> = [
    ['Uint8Array', () => png],
    ['Buffer', () => Buffer.from(png)],
    ['ArrayBuffer', () => png.slice().buffer],
    ['Blob', () => new Blob([png.slice()], { type: 'image/png' })],
    ['data URL', () => `data:image/png;base64,${toBase64(png)}`],
    ['base64', () => toBase64(png)],
    ['http URL', () => 'http://images.test/photo.png'],
    ['URL object', () => new URL('http://images.test/photo.png')],
    ['file path', () => file],
    ['file URL', () => pathToFileURL(file).href],
  ];

  it.each(forms)('accepts a %s', async (_name, make) => {
    server.use(http.get('http://images.test/photo.png', () => new HttpResponse(png, { headers: { 'content-type': 'image/png' } })));
    const { px, received } = echoClient();
    const result = await px.removeBackground({ image: make() });
    expect(received[0]).toMatchObject({ mediaType: 'image/png', width: 20, height: 10 });
    expect(Array.from(received[0]!.bytes)).toEqual(Array.from(png));
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 20, height: 10 });
  });

  it.each([
    ['text bytes', new TextEncoder().encode('hello, not an image at all')],
    ['a truncated PNG', png.subarray(0, 40)],
    ['an empty string', ''],
    ['a missing file', '/definitely/not/here.png'],
    ['a number', 42 as unknown as ImageInput],
    ['a malformed data URL', 'data:image/png;base64'],
  ])('rejects %s with invalid_image', async (_name, image) => {
    const { px, received } = echoClient();
    const error = await failureOf(px.removeBackground({ image: image as ImageInput }));
    expect(error.code).toBe('invalid_image');
    expect(received).toHaveLength(0);
  });

  it('rejects a URL that fails to download with invalid_image', async () => {
    server.use(http.get('http://images.test/missing.png', () => new HttpResponse(null, { status: 404 })));
    const error = await failureOf(echoClient().px.removeBackground({ image: 'http://images.test/missing.png' }));
    expect(error).toMatchObject({ code: 'invalid_image', status: 404 });
  });

  it('enforces the byte limit, also while downloading', async () => {
    const big = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(big.byteLength).toBeGreaterThan(1000);
    const { px } = echoClient({ maxBytes: 1000 });
    expect((await failureOf(px.removeBackground({ image: big }))).code).toBe('image_too_large');
    server.use(http.get('http://images.test/big.png', () => new HttpResponse(big)));
    expect((await failureOf(px.removeBackground({ image: 'http://images.test/big.png' }))).code).toBe('image_too_large');
  });

  it('enforces the pixel limit from the header alone', async () => {
    const { px } = echoClient({ maxPixels: 100 });
    const error = await failureOf(px.removeBackground({ image: png }));
    expect(error.code).toBe('image_too_large');
    expect(error.message).toMatch(/20x10/);
  });

  it('times out a slow image download', async () => {
    server.use(http.get('http://images.test/slow.png', () => new Promise<Response>(() => {})));
    const { px } = echoClient({ downloadTimeoutMs: 50 });
    const error = await failureOf(px.removeBackground({ image: 'http://images.test/slow.png' }));
    expect(error.code).toBe('timeout');
  });
});
