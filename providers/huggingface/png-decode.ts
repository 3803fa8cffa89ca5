/**
 * A PNG decoder in plain TypeScript, for the cut-out: HTTP providers load no native code (no sharp), and the web
 * platform's `DecompressionStream('deflate')` (Node ≥ 18, browsers, edge runtimes) does the inflating.
 * Every colour type and bit depth of the PNG spec is read, palettes and `tRNS` transparency included; interlaced
 * (Adam7) files are refused with a clear message. The result is always 8-bit RGBA (16-bit samples keep their high byte).
 */

/** Pixels as 8-bit RGBA, row by row. */
export interface RgbaImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes. */
  data: Uint8Array;
}

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel by colour type: gray, -, RGB, palette, gray+alpha, -, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Reads the header only (no inflating): the size and whether pixmux can decode the file. */
export function readPngHeader(bytes: Uint8Array): Header | string {
  if (bytes.byteLength < 33 || SIGNATURE.some((byte, index) => bytes[index] !== byte)) return 'not a PNG file';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (chunkType(bytes, 12) !== 'IHDR' || view.getUint32(8) !== 13) return 'a PNG without its IHDR header first';
  const header = { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24]!, colorType: bytes[25]!, interlace: bytes[28]! };
  if (header.width === 0 || header.height === 0) return 'a PNG with no pixels';
  if (!BIT_DEPTHS[header.colorType]?.includes(header.bitDepth)) return `a PNG with colour type ${header.colorType} at ${header.bitDepth} bits, which the PNG spec does not define`;
  if (bytes[26] !== 0 || bytes[27] !== 0) return 'a PNG with an unknown compression or filter method';
  if (header.interlace !== 0) return 'an interlaced (Adam7) PNG, which pixmux does not decode without native code';
  return header;
}

/** Decodes a PNG to RGBA; throws an `Error` naming what is wrong with the file. */
export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const header = readPngHeader(bytes);
  if (typeof header === 'string') throw new Error(header);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.byteLength) throw new Error('a PNG cut short (no IEND chunk)');
    const length = view.getUint32(offset);
    const type = chunkType(bytes, offset + 4);
    const start = offset + 8;
    if (start + length + 4 > bytes.byteLength) throw new Error(`a PNG cut short inside its ${type} chunk`);
    const data = bytes.subarray(start, start + length);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') transparency = data;
    else if (type === 'IEND') break;
    offset = start + length + 4;
  }
  if (idat.length === 0) throw new Error('a PNG without pixel data (no IDAT chunk)');
  if (header.colorType === 3 && !palette) throw new Error('a palette PNG without its palette (no PLTE chunk)');
  const channels = CHANNELS[header.colorType]!;
  const bitsPerPixel = channels * header.bitDepth;
  const rowBytes = Math.ceil((header.width * bitsPerPixel) / 8);
  const raw = await inflate(idat, header.height * (rowBytes + 1));
  unfilter(raw, header.height, rowBytes, Math.max(1, bitsPerPixel >> 3));
  return { width: header.width, height: header.height, data: toRgba(raw, header, rowBytes, palette, transparency) };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** Inflates the zlib stream into exactly `expected` bytes: more or less than the header promises is an error. */
async function inflate(parts: Uint8Array[], expected: number): Promise<Uint8Array> {
  const stream = new Blob(parts as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const out = new Uint8Array(expected);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.byteLength > expected) throw new Error('a PNG with more pixel data than its size');
      out.set(value, filled);
      filled += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error instanceof Error && /^a PNG/.test(error.message) ? error : new Error(`a PNG whose pixel data does not inflate (${error instanceof Error ? error.message : String(error)})`);
  }
  if (filled !== expected) throw new Error(`a PNG with ${filled} bytes of pixel data where its size needs ${expected}`);
  return out;
}

/** Undoes the per-row filters in place (None, Sub, Up, Average, Paeth), one tight loop per filter type. */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const row = y * stride + 1;
    const prior = row - stride;
    const end = row + rowBytes;
    const filter = raw[row - 1]!;
    if (filter === 0) continue;
    if (filter === 1) {
      for (let i = row + bpp; i < end; i++) raw[i] = (raw[i]! + raw[i - bpp]!) & 0xff;
    } else if (filter === 2) {
      if (y > 0) for (let i = row; i < end; i++) raw[i] = (raw[i]! + raw[i - stride]!) & 0xff;
    } else if (filter === 3) {
      for (let i = row; i < end; i++) {
        const left = i - row >= bpp ? raw[i - bpp]! : 0;
        const up = y > 0 ? raw[i - stride]! : 0;
        raw[i] = (raw[i]! + ((left + up) >> 1)) & 0xff;
      }
    } else if (filter === 4) {
      for (let i = row; i < end; i++) {
        const hasLeft = i - row >= bpp;
        const left = hasLeft ? raw[i - bpp]! : 0;
        const up = y > 0 ? raw[prior + (i - row)]! : 0;
        const upLeft = y > 0 && hasLeft ? raw[prior + (i - row) - bpp]! : 0;
        raw[i] = (raw[i]! + paeth(left, up, upLeft)) & 0xff;
      }
    } else {
      throw new Error(`a PNG with an unknown row filter ${filter}`);
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Expands unfiltered rows of any colour type and depth to RGBA8. */
function toRgba(raw: Uint8Array, header: Header, rowBytes: number, palette: Uint8Array | undefined, transparency: Uint8Array | undefined): Uint8Array {
  const { width, height, bitDepth, colorType } = header;
  const channels = CHANNELS[colorType]!;
  const out = new Uint8Array(width * height * 4);
  if (bitDepth === 8 && colorType !== 3 && !(transparency && (colorType === 0 || colorType === 2))) {
    expand8(raw, out, width, height, rowBytes, colorType);
    return out;
  }
  const max = (1 << bitDepth) - 1;
  const to8 = (value: number) => (bitDepth === 16 ? value >> 8 : bitDepth === 8 ? value : Math.round((value * 255) / max));
  // Colour-key transparency (gray or RGB): the one sample value that is fully transparent.
  const key = transparency && (colorType === 0 || colorType === 2) ? Array.from({ length: transparency.byteLength >> 1 }, (_, i) => (transparency[i * 2]! << 8) | transparency[i * 2 + 1]!) : undefined;
  const samples = new Array<number>(channels);
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) samples[c] = sample(raw, row, x * channels + c, bitDepth);
      const at = (y * width + x) * 4;
      if (colorType === 3) {
        const index = samples[0]!;
        if (index * 3 + 2 >= palette!.byteLength) throw new Error(`a palette PNG with pixel index ${index} past its ${palette!.byteLength / 3}-colour palette`);
        out[at] = palette![index * 3]!;
        out[at + 1] = palette![index * 3 + 1]!;
        out[at + 2] = palette![index * 3 + 2]!;
        out[at + 3] = transparency && index < transparency.byteLength ? transparency[index]! : 255;
        continue;
      }
      const gray = colorType === 0 || colorType === 4;
      out[at] = to8(samples[0]!);
      out[at + 1] = to8(samples[gray ? 0 : 1]!);
      out[at + 2] = to8(samples[gray ? 0 : 2]!);
      if (colorType === 4 || colorType === 6) out[at + 3] = to8(samples[channels - 1]!);
      else out[at + 3] = key && key.length === channels && key.every((value, c) => value === samples[c]) ? 0 : 255;
    }
  }
  return out;
}

/** The common case, 8-bit gray, gray+alpha, RGB or RGBA without a colour key: a straight copy per pixel. */
function expand8(raw: Uint8Array, out: Uint8Array, width: number, height: number, rowBytes: number, colorType: number): void {
  let at = 0;
  for (let y = 0; y < height; y++) {
    let i = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++, at += 4) {
      if (colorType === 6) {
        out[at] = raw[i]!;
        out[at + 1] = raw[i + 1]!;
        out[at + 2] = raw[i + 2]!;
        out[at + 3] = raw[i + 3]!;
        i += 4;
      } else if (colorType === 2) {
        out[at] = raw[i]!;
        out[at + 1] = raw[i + 1]!;
        out[at + 2] = raw[i + 2]!;
        out[at + 3] = 255;
        i += 3;
      } else {
        const gray = raw[i]!;
        out[at] = gray;
        out[at + 1] = gray;
        out[at + 2] = gray;
        out[at + 3] = colorType === 4 ? raw[i + 1]! : 255;
        i += colorType === 4 ? 2 : 1;
      }
    }
  }
}

/** The `index`-th sample of a row at full precision. */
function sample(raw: Uint8Array, row: number, index: number, bitDepth: number): number {
  if (bitDepth === 8) return raw[row + index]!;
  if (bitDepth === 16) return (raw[row + index * 2]! << 8) | raw[row + index * 2 + 1]!;
  const bit = index * bitDepth;
  return (raw[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
}
