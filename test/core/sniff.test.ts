import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImage } from 'pixmux';

async function encode(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff', width: number, height: number, options: Record<string, unknown> = {}) {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } });
  const out = format === 'avif' ? base.avif({ effort: 0 }) : base.toFormat(format, options);
  return new Uint8Array(await out.toBuffer());
}

describe('sniffImage', () => {
  it.each([
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['gif', 'image/gif'],
    ['avif', 'image/avif'],
    ['tiff', 'image/tiff'],
  ] as const)('reads %s type and size from the header', async (format, mediaType) => {
    const bytes = await encode(format, 123, 45);
    expect(sniffImage(bytes)).toEqual({ ok: true, image: { mediaType, width: 123, height: 45 } });
  });

  it('reads lossless and extended WebP headers', async () => {
    const lossless = new Uint8Array(await sharp({ create: { width: 300, height: 20, channels: 4, background: '#0000' } }).webp({ lossless: true }).toBuffer());
    expect(sniffImage(lossless)).toMatchObject({ ok: true, image: { width: 300, height: 20 } });
    const withAlpha = new Uint8Array(await sharp({ create: { width: 77, height: 66, channels: 4, background: '#f008' } }).webp().toBuffer());
    expect(sniffImage(withAlpha)).toMatchObject({ ok: true, image: { mediaType: 'image/webp', width: 77, height: 66 } });
  });

  it('reads progressive JPEGs and real photos', async () => {
    const progressive = new Uint8Array(await sharp({ create: { width: 640, height: 427, channels: 3, background: '#123' } }).jpeg({ progressive: true }).toBuffer());
    expect(sniffImage(progressive)).toMatchObject({ ok: true, image: { width: 640, height: 427 } });
    const photo = new Uint8Array(await sharp('test/fixtures/skimage_rocket.jpg').toBuffer());
    expect(sniffImage(photo)).toMatchObject({ ok: true, image: { mediaType: 'image/jpeg', width: 640, height: 427 } });
  });

  it.each(['png', 'jpeg', 'webp', 'gif'] as const)('rejects a truncated %s', async (format) => {
    const bytes = await encode(format, 64, 64);
    const result = sniffImage(bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(result.ok).toBe(false);
  });

  it('rejects unknown and tiny data with a reason', () => {
    expect(sniffImage(new TextEncoder().encode('<html>not an image</html>'))).toEqual({ ok: false, reason: expect.stringMatching(/not a PNG, JPEG/) });
    expect(sniffImage(new Uint8Array([0x89, 0x50]))).toEqual({ ok: false, reason: expect.stringMatching(/too short/) });
  });
});
