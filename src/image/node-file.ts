// Node-only: loaded through a dynamic import when an input image is a file path, so the core stays edge-safe.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pixmuxError } from '../errors/create-error.js';

export interface ReadImageFileOptions {
  /** Bytes read at most; one more is an `image_too_large`. */
  maxBytes: number;
  /** Only paths that resolve (symlinks followed) inside this folder; relative paths are taken from it. */
  root?: string | undefined;
}

/** One message for every path outside the root, whether or not it exists. */
const OUTSIDE_ROOT = 'The image path is outside the folder that input.files.root allows';

/**
 * Reads a regular file in chunks and stops at `maxBytes`: the size `stat` reports is not trusted (procfs files say
 * 0 and hold gigabytes), devices and FIFOs are refused (opened non-blocking, so a FIFO cannot hang the call), and a
 * file that yields more bytes than its size is refused.
 */
export async function readImageFile(pathOrFileUrl: string, options: ReadImageFileOptions): Promise<Uint8Array> {
  let path = /^file:/i.test(pathOrFileUrl) ? fileURLToPath(pathOrFileUrl) : pathOrFileUrl;
  if (options.root !== undefined) {
    const root = await realpath(resolve(options.root));
    path = resolve(root, path);
    // Lexically outside: refused before the file system is asked anything about it.
    if (!inside(root, path)) throw pixmuxError('invalid_request', OUTSIDE_ROOT);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw pixmuxError('invalid_image', 'The image string is not a URL, a data URL or base64, and no readable file is at that path');
    }
    if (!inside(root, real)) throw pixmuxError('invalid_request', OUTSIDE_ROOT);
    path = real;
  }
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw pixmuxError('invalid_image', 'The image path is not a regular file');
    if (info.size === 0) throw pixmuxError('invalid_image', 'The image file is empty (or a virtual file, which is not read)');
    if (info.size > options.maxBytes) throw pixmuxError('image_too_large', `The image file is over the ${options.maxBytes}-byte limit`);
    // One byte past the size stat reported tells a virtual file (procfs, sysfs) from a real one.
    const buffer = new Uint8Array(info.size + 1);
    let total = 0;
    while (total < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, total, buffer.byteLength - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > info.size) throw pixmuxError('invalid_image', 'The image file holds more bytes than its size says (a virtual file, which is not read)');
    return buffer.subarray(0, total);
  } finally {
    await handle.close().catch(() => {});
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
