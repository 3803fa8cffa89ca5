import { describe, expect, it } from 'vitest';
import { sniffImage } from 'pixmux';
import { makePng } from '../helpers/images.js';

// Headers built byte by byte, so each branch of the reader is reached on purpose: sizes, markers, blocks and truncations.
const bytes = (...parts: Array<number[] | Uint8Array>) => Uint8Array.from(parts.flatMap((part) => Array.from(part)));
const le16 = (value: number) => [value & 0xff, value >> 8];
const be16 = (value: number) => [value >> 8, value & 0xff];
const text = (value: string) => Array.from(value, (c) => c.charCodeAt(0));
const fails = (reason: RegExp) => ({ ok: false, reason: expect.stringMatching(reason) });
const image = (mediaType: string, width: number, height: number) => ({ ok: true, image: { mediaType, width, height } });

describe('GIF', () => {
  /** Header, logical screen (with an optional global colour table), blocks, trailer. */
  const gif = (screen: [number, number], flags: number, ...blocks: number[][]) => bytes(text('GIF89a'), le16(screen[0]), le16(screen[1]), [flags, 0, 0], flags & 0x80 ? new Array(3 * 2 ** ((flags & 7) + 1)).fill(0) : [], ...blocks, [0x3b]);
  const frame = (left: number, top: number, width: number, height: number, flags = 0) => [0x2c, ...le16(left), ...le16(top), ...le16(width), ...le16(height), flags, ...(flags & 0x80 ? new Array(3 * 2 ** ((flags & 7) + 1)).fill(0) : []), 2, 3, 1, 2, 3, 0];
  const extension = [0x21, 0xf9, 4, 0, 0, 0, 0, 0];

  it('reads the screen size, grown to cover every frame past colour tables and extensions', () => {
    expect(sniffImage(gif([16, 8], 0, frame(0, 0, 16, 8)))).toEqual(image('image/gif', 16, 8));
    expect(sniffImage(gif([16, 8], 0x81, extension, frame(10, 4, 30, 20, 0x82), frame(0, 0, 5, 50)))).toEqual(image('image/gif', 40, 50));
    expect(sniffImage(bytes(text('GIF87a'), le16(3), le16(2), [0, 0, 0], [0x3b]))).toEqual(image('image/gif', 3, 2));
  });

  it('refuses a GIF without its trailer, or with a broken block', () => {
    expect(sniffImage(gif([16, 8], 0, frame(0, 0, 16, 8)).subarray(0, -1))).toEqual(fails(/^truncated GIF: no trailer$/));
    expect(sniffImage(gif([16, 8], 0, [0x99]))).toEqual(fails(/^corrupt GIF block$/));
    expect(sniffImage(gif([16, 8], 0, [0x21, 0xf9, 9]))).toEqual(fails(/^truncated GIF extension block$/));
    expect(sniffImage(gif([16, 8], 0, [0x2c, 0, 0]))).toEqual(fails(/^truncated GIF image descriptor$/));
    expect(sniffImage(gif([16, 8], 0, [0x2c, ...le16(0), ...le16(0), ...le16(4), ...le16(4), 0, 2, 9]))).toEqual(fails(/^truncated GIF image data$/));
    expect(sniffImage(gif([0, 8], 0))).toEqual(fails(/^image\/gif header has no valid size$/));
  });
});

describe('TIFF', () => {
  /** A header, then one directory at offset 8 of (tag, type, value) entries. */
  const tiff = (little: boolean, entries: Array<[number, number, number]>) => {
    const out = new Uint8Array(8 + 2 + entries.length * 12 + 4);
    const view = new DataView(out.buffer);
    out.set(text(little ? 'II*\0' : 'MM\0*'));
    view.setUint32(4, 8, little);
    view.setUint16(8, entries.length, little);
    entries.forEach(([tag, type, value], i) => {
      const at = 10 + i * 12;
      view.setUint16(at, tag, little);
      view.setUint16(at + 2, type, little);
      view.setUint32(at + 4, 1, little);
      if (type === 3) view.setUint16(at + 8, value, little);
      else view.setUint32(at + 8, value, little);
    });
    return out;
  };

  it('reads width and height as shorts or longs, in either byte order', () => {
    expect(sniffImage(tiff(true, [[256, 3, 640], [257, 4, 70_000], [258, 3, 8]]))).toEqual(image('image/tiff', 640, 70_000));
    expect(sniffImage(tiff(false, [[254, 4, 0], [256, 4, 100_000], [257, 3, 480]]))).toEqual(image('image/tiff', 100_000, 480));
  });

  it('refuses a truncated header or directory, and a directory without a size', () => {
    const whole = tiff(true, [[256, 3, 640], [257, 3, 480]]);
    expect(sniffImage(bytes(text('II*\0'), [200, 0, 0, 0], new Array(8).fill(0)))).toEqual(fails(/^truncated TIFF header$/));
    expect(sniffImage(whole.subarray(0, 8 + 2 + 12 + 11))).toEqual(fails(/^truncated TIFF directory$/));
    expect(sniffImage(tiff(true, [[256, 3, 640]]))).toEqual(fails(/^image\/tiff header has no valid size$/));
  });
});

describe('JPEG', () => {
  const segment = (marker: number, payload: number[]) => [0xff, marker, ...be16(payload.length + 2), ...payload];
  const frameHeader = (marker: number, width: number, height: number) => segment(marker, [8, ...be16(height), ...be16(width), 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const jpeg = (...segments: number[][]) => bytes([0xff, 0xd8], ...segments, [0xff, 0xda, 0, 2, 1, 2, 3, 0xff, 0xd9]);

  it.each([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xcf])('reads the size from a frame header (marker %i)', (marker) => {
    expect(sniffImage(jpeg(segment(0xe0, text('JFIF\0')), frameHeader(marker, 321, 123)))).toEqual(image('image/jpeg', 321, 123));
  });

  it('skips tables, fill bytes and markers without a length before the frame', () => {
    const tables = [segment(0xc4, [0, 1, 2]), segment(0xc8, [1]), segment(0xcc, [0, 1]), segment(0xdb, new Array(65).fill(1))];
    expect(sniffImage(jpeg(...tables, [0xff, 0xff], [0xff, 0xd0], [0xff, 0xd7], [0xff, 0x01], frameHeader(0xc0, 64, 32)))).toEqual(image('image/jpeg', 64, 32));
  });

  it('refuses a stream without a frame, a broken marker, or a cut before the end marker', () => {
    expect(sniffImage(jpeg(segment(0xe0, text('JFIF\0')), [0xff, 0xd9]))).toEqual(fails(/^truncated JPEG: no frame header found$/));
    expect(sniffImage(jpeg(segment(0xe0, text('JFIF\0')), [0x12, 0x34], frameHeader(0xc0, 8, 8)))).toEqual(fails(/^corrupt JPEG marker stream$/));
    expect(sniffImage(jpeg(frameHeader(0xc0, 64, 32)).subarray(0, -2))).toEqual(fails(/^truncated JPEG: no end-of-image marker$/));
    expect(sniffImage(bytes([0xff, 0xd8], segment(0xe0, text('JFIF\0abc')), [0xff, 0xc0, 0, 17, 8]))).toEqual(fails(/^truncated JPEG: no frame header found$/));
  });
});

describe('WebP', () => {
  const riff = (chunk: string, payload: number[], declared?: number) => {
    const body = [...text('WEBP'), ...text(chunk), ...[payload.length, 0, 0, 0], ...payload];
    const size = declared ?? body.length;
    return bytes(text('RIFF'), [size & 0xff, (size >> 8) & 0xff, 0, 0], body);
  };

  it('reads lossy, lossless and extended headers', () => {
    expect(sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(0xc000 | 300), ...le16(0x4000 | 200), 0, 0]))).toEqual(image('image/webp', 300, 200));
    const bits = (300 - 1) | ((200 - 1) << 14);
    expect(sniffImage(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff, 0, 0, 0, 0, 0]))).toEqual(image('image/webp', 300, 200));
    expect(sniffImage(riff('VP8X', [0, 0, 0, 0, ...[0x2b, 0x01, 0x01], ...[0xc7, 0x00, 0x00], 0, 0]))).toEqual(image('image/webp', 0x1012c, 200));
  });

  it('refuses a short file, one shorter than its RIFF size, and an unknown chunk', () => {
    expect(sniffImage(riff('VP8 ', [1, 2]))).toEqual(fails(/^truncated WebP header$/));
    expect(sniffImage(riff('VP8 ', new Array(10).fill(0), 4000))).toEqual(fails(/^truncated WebP: the file is shorter than its RIFF header says$/));
    expect(sniffImage(riff('ALPH', new Array(10).fill(0)))).toEqual(fails(/^unknown WebP chunk$/));
  });
});

describe('PNG', () => {
  it('finds the end chunk only near the end, and reads the header size', () => {
    const png = makePng(7, 5);
    expect(sniffImage(png)).toEqual(image('image/png', 7, 5));
    const padded = bytes(png, new Array(1100).fill(0));
    expect(sniffImage(padded)).toEqual(fails(/^truncated PNG: no IEND chunk at the end$/));
    expect(sniffImage(bytes(png, new Array(1000).fill(0)))).toEqual(image('image/png', 7, 5));
    const noHeader = png.slice();
    noHeader.set(text('IHDX'), 12);
    expect(sniffImage(noHeader)).toEqual(fails(/^truncated PNG header$/));
    expect(sniffImage(png.subarray(0, 20))).toEqual(fails(/^truncated PNG header$/));
  });

  it('reports a recognised format whose header has no size', () => {
    const png = makePng(7, 5).slice();
    new DataView(png.buffer).setUint32(16, 0);
    expect(sniffImage(png)).toEqual(fails(/^image\/png header has no valid size$/));
  });

  it('reads bytes that sit at an offset in a larger buffer', () => {
    const png = makePng(7, 5);
    const big = new Uint8Array(png.byteLength + 10);
    big.set(png, 10);
    expect(sniffImage(big.subarray(10))).toEqual(image('image/png', 7, 5));
  });
});
