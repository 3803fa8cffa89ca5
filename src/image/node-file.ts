// Node-only: loaded through a dynamic import when an input image is a file path, so the core stays edge-safe.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pixmuxError } from '../errors/create-error.js';

export async function readImageFile(pathOrFileUrl: string, maxBytes: number): Promise<Uint8Array> {
  const path = /^file:/i.test(pathOrFileUrl) ? fileURLToPath(pathOrFileUrl) : pathOrFileUrl;
  const info = await stat(path);
  if (!info.isFile()) throw pixmuxError('invalid_image', `The image path is not a file`);
  if (info.size > maxBytes) throw pixmuxError('image_too_large', `The image file is ${info.size} bytes, over the ${maxBytes}-byte limit`);
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
