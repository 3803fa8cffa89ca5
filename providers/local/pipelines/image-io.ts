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
 */
export async function decodeImage(sharp: SharpFn, bytes: Uint8Array, provider: string): Promise<DecodedImage> {
  try {
    const metadata = await sharp(bytes).metadata();
    const { data, info } = await sharp(bytes).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
    return { rgba: data, width: info.width, height: info.height, hadAlpha: metadata.hasAlpha === true };
  } catch (error) {
    throw pixmuxError('invalid_image', `${provider}: could not decode the image: ${error instanceof Error ? error.message : String(error)}`, { provider, cause: error });
  }
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
