import type { ImageFormat } from 'pixmux';
import { pixmuxError } from 'pixmux';
import type { SharpFn } from '../native.js';

/** A photo decoded once: 8-bit sRGB RGBA at its upright size (EXIF orientation applied). */
export interface DecodedImage {
  rgba: Buffer;
  width: number;
  height: number;
  /** The source had an alpha channel; its transparency is kept in the cut-out. */
  hadAlpha: boolean;
}

/**
 * Decodes any format sharp reads (grayscale, CMYK, 16-bit, palette, with or without alpha) into 8-bit sRGB RGBA,
 * rotated by its EXIF orientation.
 *
 * `maxPixels` is the size the core read from the header (already within `limits.maxPixels`): libvips refuses to
 * decode more (`limitInputPixels`), animated images are read as their first frame only, and the decoded size is
 * compared with it, so an image whose header lies about its size is `image_too_large`, never gigabytes of pixels.
 */
export async function decodeImage(sharp: SharpFn, bytes: Uint8Array, provider: string, maxPixels: number): Promise<DecodedImage> {
  const options = { limitInputPixels: Math.max(1, maxPixels), pages: 1, page: 0 } as const;
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  let hadAlpha: boolean;
  try {
    const metadata = await sharp(bytes, options).metadata();
    if (metadata.width !== undefined && metadata.height !== undefined && metadata.width * (metadata.pageHeight ?? metadata.height) > maxPixels) throw tooLarge(provider, maxPixels);
    hadAlpha = metadata.hasAlpha === true;
    decoded = await sharp(bytes, options).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof Error && (error as { code?: unknown }).code === 'image_too_large') throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw tooLarge(provider, maxPixels);
    throw pixmuxError('invalid_image', `${provider}: could not decode the image: ${error instanceof Error ? error.message : String(error)}`, { provider, cause: error });
  }
  const { data, info } = decoded;
  if (info.width * info.height > maxPixels) throw tooLarge(provider, maxPixels);
  if (info.channels !== 4) throw pixmuxError('invalid_image', `${provider}: could not decode the image: decoded to ${info.channels} channels`, { provider });
  return { rgba: data, width: info.width, height: info.height, hadAlpha };
}

function tooLarge(provider: string, maxPixels: number) {
  return pixmuxError('image_too_large', `${provider}: the image decodes to more than the ${maxPixels} pixels its header declares`, { provider });
}

/** The model's input: the photo's RGB resized to exactly `width × height` (aspect ratio not kept, as the models were trained). */
export async function resizeForModel(sharp: SharpFn, image: DecodedImage, [width, height]: [number, number]): Promise<Uint8Array> {
  const rgb = await sharp(image.rgba, { raw: { width: image.width, height: image.height, channels: 4 } })
    .removeAlpha()
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength);
}

/** Encodes a sharp pipeline in the requested format (PNG lossless, JPEG q92, WebP q90 with lossless-quality alpha). */
export function encode(pipeline: import('sharp').Sharp, format: ImageFormat) {
  if (format === 'jpeg') return pipeline.jpeg({ quality: 92 });
  if (format === 'webp') return pipeline.webp({ quality: 90, alphaQuality: 100 });
  return pipeline.png();
}
