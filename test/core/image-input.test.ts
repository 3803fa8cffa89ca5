import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PixmuxError } from 'pixmux';
import { checkImage, normalizeImage } from '../../src/image/input.js';
import { DEFAULT_INPUT_SOURCES, resolveInputSources } from '../../src/image/input-sources.js';
import { DEFAULT_IMAGE_LIMITS } from '../../src/image/limits.js';
import { readImageFile } from '../../src/image/node-file.js';
import { toPixmuxImage } from '../../src/image/output.js';
import { PixmuxImage } from '../../src/image/pixmux-image.js';
import { makePng, toBase64 } from '../helpers/images.js';

const png = makePng(20, 10);
const limits = DEFAULT_IMAGE_LIMITS;

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<PixmuxError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (PixmuxError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PixmuxError');
}

describe('checkImage: the byte and pixel limits', () => {
  it('accepts an image exactly at both limits, and says by how much one is over', async () => {
    expect(checkImage(png, { ...limits, maxBytes: png.byteLength, maxPixels: 200 })).toEqual({ bytes: png, mediaType: 'image/png', width: 20, height: 10 });
    expect(await failure(() => checkImage(png, { ...limits, maxBytes: png.byteLength - 1 }))).toMatchObject({
      code: 'image_too_large',
      message: `The image is ${png.byteLength} bytes, over the ${png.byteLength - 1}-byte limit`,
    });
    expect(await failure(() => checkImage(png, { ...limits, maxPixels: 199 }))).toMatchObject({ code: 'image_too_large', message: 'The image is 20x10 (0.0 MP), over the 0.0 MP limit' });
    const big = makePng(1500, 1000);
    expect(await failure(() => checkImage(big, { ...limits, maxPixels: 1_200_000 }))).toMatchObject({ message: 'The image is 1500x1000 (1.5 MP), over the 1.2 MP limit' });
  });

  it('names why bytes are not an image', async () => {
    expect(await failure(() => checkImage(new TextEncoder().encode('hello, this is text'), limits))).toMatchObject({ code: 'invalid_image', message: expect.stringMatching(/^The image could not be read: .+/) });
  });
});

describe('normalizeImage: input forms', () => {
  const options = { limits };

  it('reads a typed-array view at its own offset and length', async () => {
    const padded = new Uint8Array(png.byteLength + 8);
    padded.set(png, 4);
    const view = new DataView(padded.buffer, 4, png.byteLength);
    const image = await normalizeImage(view as never, options);
    expect(Array.from(image.bytes)).toEqual(Array.from(png));
  });

  it('refuses a Blob over the byte limit before reading it', async () => {
    const blob = new Blob([png.slice()]);
    expect(await failure(normalizeImage(blob, { limits: { ...limits, maxBytes: 10 } }))).toMatchObject({ code: 'image_too_large', message: `The image is ${png.byteLength} bytes, over the 10-byte limit` });
    expect((await normalizeImage(blob, { limits: { ...limits, maxBytes: png.byteLength } })).width).toBe(20);
  });

  it.each([
    [null, 'null'],
    [42, 'number'],
    [{ bytes: png }, 'Object'],
    [Object.create(null), 'object'],
    [new Map(), 'Map'],
  ])('names the type of an unsupported input %#', async (input, type) => {
    expect(await failure(normalizeImage(input as never, options))).toMatchObject({
      code: 'invalid_image',
      message: `Unsupported image input of type ${type}: pass bytes, a Blob, a data URL, base64, a URL or a file path`,
    });
  });

  it('reads data URLs: base64, percent-encoded, with parameters, in any case', async () => {
    const b64 = toBase64(png);
    expect((await normalizeImage(`  DATA:image/png;name=x.png;BASE64,${b64}  `, options)).width).toBe(20);
    const svgLike = await failure(normalizeImage('data:text/plain,hello%20world', options));
    expect(svgLike.code).toBe('invalid_image');
    expect(await failure(normalizeImage('data:image/png;base64,***', options))).toMatchObject({ code: 'invalid_image', message: 'The data URL does not hold valid base64' });
    expect(await failure(normalizeImage('data:image/png,%E0%A4%A', options))).toMatchObject({ code: 'invalid_image', message: 'The data URL holds malformed percent-encoding' });
    expect(await failure(normalizeImage('data:image/png;base64', options))).toMatchObject({ code: 'invalid_image', message: 'The data URL is malformed' });
    expect(await failure(normalizeImage('   ', options))).toMatchObject({ code: 'invalid_image', message: 'The image is an empty string' });
  });

  it('reads a percent-encoded data URL as its bytes', async () => {
    const text = Array.from(png, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    // Percent-decoding yields text, encoded back as UTF-8: bytes above 0x7f do not survive, so the PNG is refused as unreadable.
    expect((await failure(normalizeImage(`data:image/png,${text}`, options))).code).toBe('invalid_image');
  });

  it('refuses URLs when they are off, and schemes other than http(s)', async () => {
    expect(await failure(normalizeImage('https://images.example/a.png', { limits, sources: { files: false, urls: false } }))).toMatchObject({
      code: 'invalid_request',
      message: 'URL input is off: pass the image as bytes, or enable it with createPixmux({ input: { urls: true } })',
    });
    expect(await failure(normalizeImage(new URL('HTTP://images.example/a.png'), { limits, sources: { files: true, urls: false } }))).toMatchObject({ code: 'invalid_request' });
    for (const url of ['ftp://images.example/a.png', 'gopher://x/y']) {
      expect(await failure(normalizeImage(url, { limits, sources: { files: true, urls: { allowPrivateNetwork: true } } }))).toMatchObject({ code: 'invalid_request', message: 'The image URL is not an http: or https: URL' });
    }
  });

  it('tells base64 of something else from a path without asking the file system', async () => {
    const notAnImage = toBase64(new TextEncoder().encode('plain text, not an image at all'));
    expect(await failure(normalizeImage(notAnImage, options))).toMatchObject({ code: 'invalid_image', message: expect.stringMatching(/^The image string is base64, but not of an image: .+/) });
    // Short strings could be a file name as well: with files off, the refusal is the same for any path.
    const filesOff = await failure(normalizeImage('abcd', options));
    expect(filesOff.code).toBe('invalid_request');
    expect(filesOff.message).toMatch(/file input is off/);
    expect((await failure(normalizeImage('/etc/passwd', options))).message).toBe(filesOff.message);
    expect(DEFAULT_INPUT_SOURCES).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
  });
});

describe('normalizeImage and readImageFile: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-image-input-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'photo.png'), png);
  writeFileSync(join(dir, 'outside.png'), png);
  writeFileSync(join(root, 'empty.png'), new Uint8Array());
  symlinkSync(join(dir, 'outside.png'), join(root, 'link.png'));
  const filesRoot = { limits, sources: { files: { root }, urls: false as const } };
  const filesAny = { limits, sources: { files: true, urls: false as const } };

  it('reads a path, a file URL, and a path relative to the root', async () => {
    expect((await normalizeImage(join(root, 'photo.png'), filesAny)).width).toBe(20);
    expect((await normalizeImage(pathToFileURL(join(root, 'photo.png')).href, filesAny)).width).toBe(20);
    expect((await normalizeImage('photo.png', filesRoot)).width).toBe(20);
    expect((await normalizeImage(join(root, 'photo.png'), filesRoot)).height).toBe(10);
  });

  it('refuses paths outside the root, by name or through a link, with one message', async () => {
    const message = 'The image path is outside the folder that input.files.root allows';
    for (const path of ['../outside.png', join(dir, 'outside.png'), 'link.png', '..', join(dir, 'missing.png')]) {
      expect(await failure(normalizeImage(path, filesRoot))).toMatchObject({ code: 'invalid_request', message });
    }
  });

  it('says no readable file is there, naming the reason', async () => {
    expect(await failure(normalizeImage('missing.png', filesRoot))).toMatchObject({ code: 'invalid_image', message: 'The image string is not a URL, a data URL or base64, and no readable file is at that path' });
    expect(await failure(normalizeImage(join(dir, 'missing.png'), filesAny))).toMatchObject({
      code: 'invalid_image',
      message: 'The image string is not a URL, a data URL or base64, and no readable file is at that path (ENOENT)',
    });
  });

  it('refuses folders, empty files and files over the limit', async () => {
    expect(await failure(readImageFile(root, { maxBytes: 1_000 }))).toMatchObject({ code: 'invalid_image', message: 'The image path is not a regular file' });
    expect(await failure(readImageFile(join(root, 'empty.png'), { maxBytes: 1_000 }))).toMatchObject({ code: 'invalid_image', message: 'The image file is empty (or a virtual file, which is not read)' });
    expect(await failure(readImageFile(join(root, 'photo.png'), { maxBytes: png.byteLength - 1 }))).toMatchObject({ code: 'image_too_large', message: `The image file is over the ${png.byteLength - 1}-byte limit` });
    expect(Array.from(await readImageFile(join(root, 'photo.png'), { maxBytes: png.byteLength }))).toEqual(Array.from(png));
  });
});

describe('resolveInputSources', () => {
  it('defaults to no files and public URLs only', () => {
    expect(resolveInputSources(undefined)).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
    expect(resolveInputSources({})).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
  });

  it('reads each form', () => {
    expect(resolveInputSources({ files: true, urls: false })).toEqual({ files: true, urls: false });
    expect(resolveInputSources({ files: { root: '/srv/images', extra: 1 } as never, urls: { allowPrivateNetwork: true } })).toEqual({ files: { root: '/srv/images' }, urls: { allowPrivateNetwork: true } });
    expect(resolveInputSources({ urls: true })).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
    expect(resolveInputSources({ urls: { allowPrivateNetwork: 'yes' as never } })).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
    expect(resolveInputSources({ urls: {} })).toEqual({ files: false, urls: { allowPrivateNetwork: false } });
  });

  it.each([
    [null, 'createPixmux: input must be an object like { files: true, urls: { allowPrivateNetwork: true } }'],
    ['files', 'createPixmux: input must be an object like { files: true, urls: { allowPrivateNetwork: true } }'],
    [{ files: 'yes' }, 'createPixmux: input.files must be true, false or { root: "/a/folder" }'],
    [{ files: null }, 'createPixmux: input.files must be true, false or { root: "/a/folder" }'],
    [{ files: { root: '' } }, 'createPixmux: input.files must be true, false or { root: "/a/folder" }'],
    [{ files: { root: 1 } }, 'createPixmux: input.files must be true, false or { root: "/a/folder" }'],
    [{ urls: 'yes' }, 'createPixmux: input.urls must be true, false or { allowPrivateNetwork: true }'],
    [{ urls: null }, 'createPixmux: input.urls must be true, false or { allowPrivateNetwork: true }'],
  ])('refuses %j', async (input, message) => {
    expect(await failure(() => resolveInputSources(input as never))).toMatchObject({ code: 'invalid_request', message });
  });
});

describe('results: toPixmuxImage and PixmuxImage', () => {
  it('recognises the bytes a provider returned', () => {
    const image = toPixmuxImage({ bytes: png }, 'p');
    expect(image).toBeInstanceOf(PixmuxImage);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 20, height: 10 });
    expect(toPixmuxImage(image, 'p')).toBe(image);
    expect(image.toJSON()).toEqual({ mediaType: 'image/png', width: 20, height: 10, byteLength: png.byteLength });
    expect(image.dataUrl()).toBe(`data:image/png;base64,${image.base64()}`);
    expect(image.base64()).toBe(toBase64(png));
  });

  it.each([
    ['nothing', undefined],
    ['no bytes', { url: 'https://x' }],
    ['a string', { bytes: 'iVBOR' }],
    ['empty bytes', { bytes: new Uint8Array() }],
  ])('turns %s into bad_response, naming the provider', async (_name, image) => {
    expect(await failure(() => toPixmuxImage(image as never, 'acme'))).toMatchObject({ code: 'bad_response', provider: 'acme', message: 'acme returned an empty image' });
  });

  it('turns bytes that are not an image into bad_response, with the reason', async () => {
    expect(await failure(() => toPixmuxImage({ bytes: new TextEncoder().encode('<html>error</html>') }, 'acme'))).toMatchObject({
      code: 'bad_response',
      provider: 'acme',
      message: expect.stringMatching(/^acme returned bytes that are not a readable image: .+/),
    });
  });
});
