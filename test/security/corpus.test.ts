import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createPixmux, defineProvider, PixmuxError, type ImageInput } from 'pixmux';
import { decodeImage } from '../../providers/local/pipelines/image-io.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { gifFrameBomb } from './helpers.js';

/**
 * The hostile-input corpus: inputs an attacker (or a broken client) sends, each of which must end in the right typed
 * error or a correct result — never a crash, a hang or an untyped error. Images go through the whole input path and
 * then a provider that decodes them exactly as the local provider does (sharp with the header's pixel limit, first
 * frame only), so both the header checks and the decoder's own limits are exercised.
 */

type Outcome = 'ok' | 'invalid_request' | 'invalid_image' | 'image_too_large';
interface Case {
  name: string;
  /** One outcome, or several when the decoder may legitimately go either way (a result that is still correct). */
  expect: Outcome | Outcome[];
  image?: () => ImageInput | Promise<ImageInput>;
  prompt?: string;
}

const MB = 1024 * 1024;
const enc = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Array<Uint8Array | number[]>) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

/** A PNG whose IHDR declares another size than its pixel data holds (CRC recomputed, so only the size lies). */
function lyingPng(width: number, height: number): Uint8Array {
  const png = makePng(20, 10);
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const jpeg = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).jpeg().toBuffer();

/** A JPEG whose frame header (SOF0) declares another size. */
async function lyingJpeg(width: number, height: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(await jpeg());
  for (let i = 2; i + 9 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xc0) {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      view.setUint16(i + 5, height);
      view.setUint16(i + 7, width);
      return bytes;
    }
  }
  throw new Error('no SOF0');
}

/** A JPEG with `count` APP1 segments of `size` bytes each (EXIF-like padding) after SOI. */
async function jpegWithApp1(count: number, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(await jpeg());
  const segment = concat([0xff, 0xe1, (size + 2) >> 8, (size + 2) & 255], enc('Exif\0\0'), new Uint8Array(size - 6));
  return concat(bytes.subarray(0, 2), ...Array.from({ length: count }, () => segment), bytes.subarray(2));
}

const svgExternal = enc('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://169.254.169.254/latest/meta-data/" width="10" height="10"/><image href="file:///etc/passwd"/></svg>');
const heicHeaderOnly = concat([0, 0, 0, 24], enc('ftypheic'), [0, 0, 0, 0], enc('mif1heic'));
const heicWithSize = concat(heicHeaderOnly, [0, 0, 0, 20], enc('ispe'), [0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 64]);

function bmp(width: number, height: number): Uint8Array {
  const out = new Uint8Array(54);
  const view = new DataView(out.buffer);
  out.set(enc('BM'));
  view.setUint32(2, 54, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  return out;
}

function webpVp8x(width: number, height: number, riffLength = 22): Uint8Array {
  const out = concat(enc('RIFF'), [riffLength, 0, 0, 0], enc('WEBPVP8X'), [10, 0, 0, 0, 0, 0, 0, 0], [(width - 1) & 255, ((width - 1) >> 8) & 255, (width - 1) >> 16], [(height - 1) & 255, ((height - 1) >> 8) & 255, (height - 1) >> 16]);
  return out;
}

/** An animated GIF with `frames` 1×1 frames. */
function manyFrameGif(frames: number): Uint8Array {
  const frame = [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00];
  return concat(enc('GIF89a'), [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255], ...Array.from({ length: frames }, () => frame), [0x3b]);
}

const png = makePng(20, 10);
const CASES: Case[] = [
  // Decompression bombs and headers that lie.
  { name: 'GIF frame bomb (16×16 screen, 16000×16000 frame)', expect: 'image_too_large', image: gifFrameBomb },
  { name: 'GIF whose frame sits at offset 65000,65000', expect: 'image_too_large', image: () => { const b = gifFrameBomb().slice(); b.set([0xe8, 0xfd, 0xe8, 0xfd, 16, 0, 16, 0], 14); return b; } },
  { name: 'PNG header claiming 20000×20000 for 20×10 of data', expect: 'image_too_large', image: () => lyingPng(20_000, 20_000) },
  { name: 'PNG header claiming 1×1 for 20×10 of data', expect: ['invalid_image', 'ok'], image: () => lyingPng(1, 1) },
  { name: 'PNG header claiming 2000×1000 (under the limit) for 20×10 of data', expect: 'invalid_image', image: () => lyingPng(2000, 1000) },
  { name: 'JPEG frame header claiming 60000×60000', expect: 'image_too_large', image: () => lyingJpeg(60_000, 60_000) },
  { name: 'JPEG frame header claiming 2×2 for 64×48 of data', expect: ['invalid_image', 'ok'], image: () => lyingJpeg(2, 2) },
  { name: 'WebP VP8X claiming 16384×16384', expect: 'image_too_large', image: () => webpVp8x(16_384, 16_384) },
  { name: 'BMP header claiming 100000×100000', expect: 'image_too_large', image: () => bmp(100_000, 100_000) },
  { name: 'BMP header only, 16×16', expect: 'invalid_image', image: () => bmp(16, 16) },
  { name: 'a 2048-frame GIF (frames read up to a bound, first frame decoded)', expect: 'ok', image: () => manyFrameGif(2048) },
  // Truncated, corrupt and empty.
  { name: 'zero bytes', expect: 'invalid_image', image: () => new Uint8Array() },
  { name: 'eleven bytes of PNG signature', expect: 'invalid_image', image: () => png.subarray(0, 11) },
  { name: 'PNG cut in half', expect: 'invalid_image', image: () => png.subarray(0, Math.floor(png.length / 2)) },
  { name: 'PNG with its pixel data flipped', expect: 'invalid_image', image: () => { const b = png.slice(); for (let i = 41; i < b.length - 16; i++) b[i] = b[i]! ^ 0xff; return b; } },
  { name: 'PNG with a wrong IHDR checksum', expect: 'invalid_image', image: () => { const b = png.slice(); b[29] = b[29]! ^ 0xff; return b; } },
  { name: 'PNG followed by 1 MB of garbage', expect: 'invalid_image', image: () => concat(png, new Uint8Array(MB).fill(7)) },
  { name: 'JPEG without its end-of-image marker', expect: 'invalid_image', image: async () => new Uint8Array(await jpeg()).subarray(0, 200) },
  { name: 'JPEG marker with a zero length', expect: 'invalid_image', image: () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xe0, 0, 0, 0xff, 0xd9, 0, 0]) },
  { name: '1 MB of zero bytes', expect: 'invalid_image', image: () => new Uint8Array(MB) },
  { name: 'WebP whose RIFF length exceeds the file', expect: 'invalid_image', image: () => webpVp8x(16, 16, 200) },
  { name: 'TIFF header with a directory and no pixels', expect: 'invalid_image', image: () => new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 2, 0, 0, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0, 1, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0]) },
  { name: 'TIFF with a width of zero', expect: 'invalid_image', image: () => new Uint8Array([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 1, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0]) },
  { name: 'GIF with a colour table flag and nothing after it', expect: 'invalid_image', image: () => concat(enc('GIF89a'), [1, 0, 1, 0, 0x87, 0, 0, 0x3b, 0, 0, 0, 0, 0x3b]) },
  // Formats that must not be decoded, or that are only a header.
  { name: 'SVG with external references (metadata URL, file:)', expect: 'invalid_image', image: () => svgExternal },
  { name: 'SVG as a data URL', expect: 'invalid_image', image: () => `data:image/svg+xml;base64,${toBase64(svgExternal)}` },
  { name: 'HEIC header only', expect: 'invalid_image', image: () => heicHeaderOnly },
  { name: 'HEIC header with a size box and no image', expect: 'invalid_image', image: () => heicWithSize },
  // Unusual but valid images decode correctly.
  { name: '16-bit PNG', expect: 'ok', image: () => sharp({ create: { width: 9, height: 7, channels: 3, background: '#808080' } }).toColourspace('rgb16').png().toBuffer() },
  { name: 'CMYK JPEG', expect: 'ok', image: () => sharp({ create: { width: 9, height: 7, channels: 3, background: '#c04080' } }).toColourspace('cmyk').jpeg().toBuffer() },
  { name: 'animated GIF (2 frames)', expect: 'ok', image: () => manyFrameGif(2) },
  { name: 'animated WebP', expect: 'ok', image: () => sharp({ create: { width: 8, height: 16, channels: 3, background: '#123456' } }).webp().toBuffer().then((b) => sharp(b, { pages: -1 }).webp({ loop: 0 }).toBuffer()) },
  { name: 'JPEG with a 60 KB EXIF segment', expect: 'ok', image: () => jpegWithApp1(1, 60_000) },
  { name: 'JPEG with 500 EXIF segments (30 MB)', expect: 'image_too_large', image: () => jpegWithApp1(500, 60_000) },
  { name: 'grayscale PNG with alpha', expect: 'ok', image: () => sharp({ create: { width: 5, height: 5, channels: 4, background: { r: 9, g: 9, b: 9, alpha: 0.5 } } }).toColourspace('b-w').png().toBuffer() },
  { name: 'PNG in a Uint8Array view into a larger buffer', expect: 'ok', image: () => concat(new Uint8Array(100), png).subarray(100) },
  // Strings: base64, data URLs, paths and URLs.
  { name: 'malformed base64', expect: 'invalid_request', image: () => 'iVBORw0K***not base64***' },
  { name: 'base64 of text', expect: 'invalid_image', image: () => toBase64(enc('this is plain text, not an image at all')) },
  { name: 'base64 wrapped at 76 columns', expect: 'ok', image: () => toBase64(png).replace(/(.{76})/g, '$1\n') },
  { name: '1 MB of "A" (base64 of zeros)', expect: 'invalid_image', image: () => 'A'.repeat(MB) },
  { name: 'data URL whose type says text/html over PNG bytes (bytes decide)', expect: 'ok', image: () => `data:text/html;base64,${toBase64(png)}` },
  { name: 'data URL of HTML', expect: 'invalid_image', image: () => 'data:text/html,<script>alert(1)</script>' },
  { name: 'data URL with broken percent-encoding', expect: 'invalid_image', image: () => 'data:image/png,%E0%A4%A' },
  { name: 'data URL without a comma', expect: 'invalid_image', image: () => 'data:image/png;base64' },
  { name: 'data URL with invalid base64', expect: 'invalid_image', image: () => 'data:image/png;base64,@@@@' },
  { name: 'absolute path /etc/shadow', expect: 'invalid_request', image: () => '/etc/shadow' },
  { name: 'relative path ../../secret', expect: 'invalid_request', image: () => '../../secret' },
  { name: 'file:///proc/self/pagemap', expect: 'invalid_request', image: () => 'file:///proc/self/pagemap' },
  { name: 'metadata URL', expect: 'invalid_request', image: () => 'http://169.254.169.254/latest/meta-data/' },
  { name: 'javascript: URL', expect: 'invalid_request', image: () => 'javascript:alert(1)' },
  { name: 'gopher:// URL', expect: 'invalid_request', image: () => 'gopher://127.0.0.1:6379/_FLUSHALL' },
  { name: 'a Blob over the byte limit', expect: 'image_too_large', image: () => new Blob([new Uint8Array(26 * MB)]) },
  { name: 'a number', expect: 'invalid_image', image: () => 42 as unknown as ImageInput },
  { name: 'an object that looks like bytes', expect: 'invalid_image', image: () => ({ length: 10, 0: 0x89 }) as unknown as ImageInput },
  // Prompts.
  { name: 'empty prompt', expect: 'invalid_request', prompt: '' },
  { name: 'whitespace-only prompt', expect: 'invalid_request', prompt: ' \n\t ' },
  { name: '100 KB prompt', expect: 'invalid_request', prompt: 'a'.repeat(100 * 1024) },
  { name: 'prompt full of control characters', expect: 'ok', prompt: 'a\u0000b\u0007c\u001b[31md\u202e\r\n'.repeat(50) },
  { name: 'prompt with lone surrogates', expect: 'ok', prompt: 'x\ud800y\udfffz' },
];

const decoded: string[] = [];
function client() {
  return createPixmux({
    providers: [
      defineProvider({
        id: 'decoder',
        operations: {
          removeBackground: async (request) => {
            // Exactly what the local provider does with an input before inference.
            const image = await decodeImage(sharp, request.image.bytes, 'decoder', request.image.width * request.image.height);
            decoded.push(`${image.width}x${image.height}`);
            return { images: [{ bytes: request.image.bytes }] };
          },
          generate: async () => ({ images: [{ bytes: makePng(2, 2) }] }),
        },
      }),
    ],
    retry: { retries: 0 },
  });
}

async function outcomeOf(item: Case): Promise<string> {
  const px = client();
  const call = item.prompt !== undefined ? px.generate({ prompt: item.prompt }) : Promise.resolve(item.image!()).then((image) => px.removeBackground({ image }));
  const hang = new Promise<string>((resolve) => setTimeout(() => resolve('hang'), 15_000).unref());
  const settled = call.then(
    () => 'ok',
    (error: unknown) => {
      if (!PixmuxError.isInstance(error)) return `untyped: ${String(error)}`;
      return error.code === 'all_failed' ? (error.attempts?.at(-1)?.error?.code ?? error.code) : error.code;
    },
  );
  return Promise.race([settled, hang]);
}

describe('hostile-input corpus', () => {
  afterAll(() => {
    console.info(`hostile-input corpus: ${CASES.length} cases, ${decoded.length} decoded by sharp`);
  });

  it('holds at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((item) => [item.name, item] as const))('%s', async (_name, item) => {
    const outcome = await outcomeOf(item);
    expect([item.expect].flat()).toContain(outcome);
  });

  it('holds a zlib bomb PNG to its header too (a tiny IDAT that inflates to 100 MB)', async () => {
    // 5000×5000 RGBA of zeros compresses to ~100 KB; its header declares 25 MP, under the limit, so it decodes —
    // but only to what it declares. With a 1 MP limit it is refused from the header alone.
    const width = 5000;
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, width);
    new DataView(ihdr.buffer).setUint32(4, width);
    ihdr.set([8, 6, 0, 0, 0], 8);
    const idat = deflateSync(new Uint8Array(width * (1 + width * 4)), { level: 9 });
    const chunk = (type: string, data: Uint8Array) => {
      const out = new Uint8Array(12 + data.length);
      const view = new DataView(out.buffer);
      view.setUint32(0, data.length);
      out.set(enc(type), 4);
      out.set(data, 8);
      view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
      return out;
    };
    const bomb = concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array()));
    expect(bomb.length).toBeLessThan(200_000);
    const px = createPixmux({ providers: [defineProvider({ id: 'echo', operations: { removeBackground: async (r) => ({ images: [{ bytes: r.image.bytes }] }) } })], limits: { maxPixels: 1_000_000 } });
    await expect(px.removeBackground({ image: bomb })).rejects.toMatchObject({ code: 'image_too_large' });
  });
});
