import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImage } from 'pixmux';

async function encode(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff', width: number, height: number, options: Record<string, unknown> = {}) {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } });
  const out = format === 'avif' ? base.avif({ effort: 0 }) : base.toFormat(format, options);
  return new Uint8Array(await out.toBuffer());
}

/** An uncompressed 24-bit BMP (BITMAPINFOHEADER); a negative height is a top-down bitmap. */
function bmp(width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * Math.abs(height);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]); // 'BM'
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true); // pixel data offset
  view.setUint32(14, 40, true); // header size
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, 24, true); // bits per pixel
  return bytes;
}

/** An ISO-BMFF box: 32-bit size, four-letter type, payload. */
function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const length = 8 + payload.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(new TextEncoder().encode(type), 4);
  let offset = 8;
  for (const part of payload) (out.set(part, offset), (offset += part.length));
  return out;
}

function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((value, index) => new DataView(out.buffer).setUint32(index * 4, value));
  return out;
}

const fourcc = (text: string) => new TextEncoder().encode(text);

/**
 * A HEIF file laid out as an iPhone writes it: `ftyp` with its brands, `meta` whose item properties hold an `ispe`
 * (image spatial extents) per image — here a thumbnail, then the primary image — and their associations, then `mdat`.
 */
function heif(majorBrand: string, compatible: string[], sizes: Array<[number, number]>): Uint8Array {
  const ftyp = box('ftyp', fourcc(majorBrand), u32(0), ...compatible.map(fourcc));
  const ispes = sizes.map(([width, height]) => box('ispe', u32(0, width, height)));
  const ipma = box('ipma', u32(0, 0));
  const meta = box('meta', u32(0), box('hdlr', u32(0, 0), fourcc('pict'), u32(0, 0, 0), new Uint8Array(1)), box('iprp', box('ipco', ...ispes), ipma));
  const mdat = box('mdat', new Uint8Array(32));
  const out = new Uint8Array(ftyp.length + meta.length + mdat.length);
  out.set(ftyp);
  out.set(meta, ftyp.length);
  out.set(mdat, ftyp.length + meta.length);
  return out;
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

  it('reads BMP type and size, bottom-up and top-down (negative height)', () => {
    expect(sniffImage(bmp(123, 45))).toEqual({ ok: true, image: { mediaType: 'image/bmp', width: 123, height: 45 } });
    expect(sniffImage(bmp(640, -480))).toEqual({ ok: true, image: { mediaType: 'image/bmp', width: 640, height: 480 } });
    expect(sniffImage(bmp(64, 64).subarray(0, 20))).toEqual({ ok: false, reason: expect.stringMatching(/truncated BMP/) });
  });

  it.each([
    ['heic', ['mif1', 'heic']],
    ['mif1', ['mif1', 'heic']],
    ['heix', ['mif1', 'heix']],
    ['msf1', ['msf1', 'hevc']],
  ])('reads HEIC (major brand %s) type and the primary image size, not the thumbnail', (major, compatible) => {
    const bytes = heif(major, compatible, [[320, 240], [4032, 3024]]);
    expect(sniffImage(bytes)).toEqual({ ok: true, image: { mediaType: 'image/heic', width: 4032, height: 3024 } });
  });

  it('tells AVIF from HEIC by brand, and rejects a HEIC cut before its size box', () => {
    expect(sniffImage(heif('avif', ['mif1', 'avif'], [[800, 600]]))).toEqual({ ok: true, image: { mediaType: 'image/avif', width: 800, height: 600 } });
    // The brand may be among the compatible ones only (major brand mif1): still AVIF, read from the ftyp's list.
    expect(sniffImage(heif('mif1', ['mif1', 'miaf', 'avif'], [[800, 600]]))).toEqual({ ok: true, image: { mediaType: 'image/avif', width: 800, height: 600 } });
    const heic = heif('heic', ['mif1', 'heic'], [[4032, 3024]]);
    const ispeAt = Buffer.from(heic).indexOf('ispe');
    expect(sniffImage(heic.subarray(0, ispeAt + 6))).toEqual({ ok: false, reason: expect.stringMatching(/truncated HEIC/) });
    // A size box that ends exactly where the bytes end is whole: 'ispe', version and flags, width, height.
    expect(sniffImage(heic.subarray(0, ispeAt + 16))).toEqual({ ok: true, image: { mediaType: 'image/heic', width: 4032, height: 3024 } });
    expect(sniffImage(heic.subarray(0, ispeAt + 15))).toEqual({ ok: false, reason: expect.stringMatching(/truncated HEIC/) });
    expect(sniffImage(heif('mp42', ['isom', 'mp42'], [[1, 1]]))).toEqual({ ok: false, reason: expect.stringMatching(/unsupported ISO media brand "mp42"/) });
  });

  it('rejects unknown and tiny data with a reason', () => {
    expect(sniffImage(new TextEncoder().encode('<html>not an image</html>'))).toEqual({ ok: false, reason: expect.stringMatching(/not a PNG, JPEG/) });
    expect(sniffImage(new Uint8Array([0x89, 0x50]))).toEqual({ ok: false, reason: expect.stringMatching(/too short/) });
  });
});
