/**
 * Recognises an image by its first bytes and reads its width and height from the header,
 * without decoding pixels. Supports PNG, JPEG, WebP, GIF, AVIF/HEIC, BMP and TIFF.
 */
export interface SniffedImage {
  mediaType: string;
  width: number;
  height: number;
}

export type SniffResult = { ok: true; image: SniffedImage } | { ok: false; reason: string };

export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length < 12) return fail('fewer than 12 bytes, too short to be an image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(bytes, view);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return jpeg(bytes, view);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webp(bytes, view);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return gif(view);
  if (ascii(bytes, 4, 4) === 'ftyp') return isoBmff(bytes, view);
  if (ascii(bytes, 0, 2) === 'BM') return bmp(bytes, view);
  if (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*') return tiff(bytes, view);
  return fail('the bytes are not a PNG, JPEG, WebP, GIF, AVIF, HEIC, BMP or TIFF image');
}

function png(bytes: Uint8Array, view: DataView): SniffResult {
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return fail('truncated PNG header');
  if (lastIndexOf(bytes, [0x49, 0x45, 0x4e, 0x44], 1024) < 0) return fail('truncated PNG: no IEND chunk at the end');
  return ok('image/png', view.getUint32(16), view.getUint32(20));
}

function jpeg(bytes: Uint8Array, view: DataView): SniffResult {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return fail('corrupt JPEG marker stream');
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = view.getUint16(offset + 2);
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      if (offset + 9 > bytes.length) break;
      // Entropy-coded data never holds FF D9, so an end-of-image marker near the end means the file is whole.
      if (lastIndexOf(bytes, [0xff, 0xd9], 65_536) < 0) return fail('truncated JPEG: no end-of-image marker');
      return ok('image/jpeg', view.getUint16(offset + 7), view.getUint16(offset + 5));
    }
    offset += 2 + length;
  }
  return fail('truncated JPEG: no frame header found');
}

function webp(bytes: Uint8Array, view: DataView): SniffResult {
  if (bytes.length < 30) return fail('truncated WebP header');
  if (view.getUint32(4, true) + 8 > bytes.length) return fail('truncated WebP: the file is shorter than its RIFF header says');
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') return ok('image/webp', view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return ok('image/webp', (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return ok('image/webp', uint24le(bytes, 24) + 1, uint24le(bytes, 27) + 1);
  return fail('unknown WebP chunk');
}

/** Frames read at most; a GIF with more is read up to here (the decoder reads the first frame only). */
const MAX_GIF_FRAMES = 4096;

/**
 * The size is the logical screen grown to cover every frame: a 16×16 screen holding a 16000×16000 frame decodes
 * to the frame's size, so that is the size the limits see.
 */
function gif(view: DataView): SniffResult {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (bytes.length < 13) return fail('truncated GIF header');
  if (lastIndexOf(bytes, [0x3b], 16) < 0) return fail('truncated GIF: no trailer');
  let width = view.getUint16(6, true);
  let height = view.getUint16(8, true);
  const screenFlags = bytes[10]!;
  let offset = 13 + ((screenFlags & 0x80) !== 0 ? 3 * 2 ** ((screenFlags & 0x07) + 1) : 0);
  for (let frames = 0; frames < MAX_GIF_FRAMES && offset < bytes.length; ) {
    const block = bytes[offset]!;
    if (block === 0x3b) break;
    if (block === 0x21) {
      const end = skipSubBlocks(bytes, offset + 2);
      if (end < 0) return fail('truncated GIF extension block');
      offset = end;
      continue;
    }
    if (block !== 0x2c) return fail('corrupt GIF block');
    if (offset + 10 > bytes.length) return fail('truncated GIF image descriptor');
    const left = view.getUint16(offset + 1, true);
    const top = view.getUint16(offset + 3, true);
    const frameWidth = view.getUint16(offset + 5, true);
    const frameHeight = view.getUint16(offset + 7, true);
    width = Math.max(width, left + frameWidth);
    height = Math.max(height, top + frameHeight);
    const flags = bytes[offset + 9]!;
    offset += 10 + ((flags & 0x80) !== 0 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
    // One byte of LZW minimum code size, then the image data as sub-blocks.
    const end = skipSubBlocks(bytes, offset + 1);
    if (end < 0) return fail('truncated GIF image data');
    offset = end;
    frames += 1;
  }
  return ok('image/gif', width, height);
}

/** The offset just past a chain of GIF sub-blocks (length byte, data, …, a zero length), or -1 when truncated. */
function skipSubBlocks(bytes: Uint8Array, offset: number): number {
  let at = offset;
  while (at < bytes.length) {
    const size = bytes[at]!;
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
}

function isoBmff(bytes: Uint8Array, view: DataView): SniffResult {
  const brand = ascii(bytes, 8, 4);
  const brands = new Set([brand]);
  const ftypSize = view.getUint32(0);
  for (let offset = 16; offset + 4 <= Math.min(ftypSize, bytes.length); offset += 4) brands.add(ascii(bytes, offset, 4));
  const mediaType = brands.has('avif') || brands.has('avis') ? 'image/avif' : ['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis'].some((b) => brands.has(b)) ? 'image/heic' : undefined;
  if (!mediaType) return fail(`unsupported ISO media brand "${brand}"`);
  // The image spatial extents box ('ispe') carries width and height; take the largest (the primary image, not a thumbnail).
  let best: { width: number; height: number } | undefined;
  // 'ispe', version and flags, then width and height: 16 bytes from the type.
  for (let i = 0; i + 16 <= bytes.length; i++) {
    if (bytes[i] === 0x69 && ascii(bytes, i, 4) === 'ispe') {
      const width = view.getUint32(i + 8);
      const height = view.getUint32(i + 12);
      if (!best || width * height > best.width * best.height) best = { width, height };
    }
  }
  if (!best) return fail(`truncated ${mediaType === 'image/avif' ? 'AVIF' : 'HEIC'}: no size box found`);
  return ok(mediaType, best.width, best.height);
}

function bmp(bytes: Uint8Array, view: DataView): SniffResult {
  if (bytes.length < 26) return fail('truncated BMP header');
  return ok('image/bmp', Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
}

function tiff(bytes: Uint8Array, view: DataView): SniffResult {
  const little = bytes[0] === 0x49;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > bytes.length) return fail('truncated TIFF header');
  const count = view.getUint16(ifd, little);
  let width = 0;
  let height = 0;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > bytes.length) return fail('truncated TIFF directory');
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const value = type === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return ok('image/tiff', width, height);
}

function ok(mediaType: string, width: number, height: number): SniffResult {
  if (!(width > 0 && height > 0)) return fail(`${mediaType} header has no valid size`);
  return { ok: true, image: { mediaType, width, height } };
}

function fail(reason: string): SniffResult {
  return { ok: false, reason };
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((value, index) => bytes[index] === value);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let out = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Index of `needle` within the last `window` bytes, or -1. */
function lastIndexOf(bytes: Uint8Array, needle: number[], window: number): number {
  const start = Math.max(0, bytes.length - window);
  for (let i = bytes.length - needle.length; i >= start; i--) {
    if (needle.every((value, index) => bytes[i + index] === value)) return i;
  }
  return -1;
}

function uint24le(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16);
}
