import { pixmuxError } from 'pixmux';
import type { ImageFormat } from 'pixmux';
import type { SharpFn } from '../native.js';
import type { DecodedImage } from './image-io.js';

/** What the removeBackground pipeline returns. */
export type CutoutOutput = 'cutout' | 'mask';

export interface ComposeOptions {
  format: ImageFormat;
  output: CutoutOutput;
  /** A CSS colour to put the subject on; without it the background is transparent. */
  background: string | undefined;
  provider: string;
  warn(message: string): void;
}

/** Scales the model's mask up to the photo's size, combined with any transparency the photo already had. */
export async function alphaAtImageSize(sharp: SharpFn, image: DecodedImage, mask: { mask: Uint8Array; width: number; height: number }): Promise<Uint8Array> {
  const scaled = await sharp(mask.mask, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .resize(image.width, image.height, { fit: 'fill', kernel: 'lanczos3' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const alpha = new Uint8Array(scaled.buffer, scaled.byteOffset, scaled.byteLength);
  if (alpha.length !== image.width * image.height) throw new Error(`mask resize produced ${alpha.length} bytes`);
  if (image.hadAlpha) for (let i = 0; i < alpha.length; i++) alpha[i] = Math.round((alpha[i]! * image.rgba[i * 4 + 3]!) / 255);
  return alpha;
}

function encode(pipeline: import('sharp').Sharp, format: ImageFormat) {
  if (format === 'jpeg') return pipeline.jpeg({ quality: 92 });
  if (format === 'webp') return pipeline.webp({ quality: 90, alphaQuality: 100 });
  return pipeline.png();
}

/** Encodes the mask alone, the transparent cut-out, or the subject on a colour, at the photo's size. */
export async function composeOutput(sharp: SharpFn, image: DecodedImage, alpha: Uint8Array, options: ComposeOptions): Promise<Uint8Array> {
  const { width, height } = image;
  let pipeline: import('sharp').Sharp;
  if (options.output === 'mask') {
    if (options.background) options.warn(`${options.provider}: background is ignored when output is 'mask'`);
    pipeline = sharp(alpha, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
  } else {
    // libvips swaps the alpha channel on its own threads: no per-pixel loop on the caller's event loop.
    pipeline = sharp(image.rgba, { raw: { width, height, channels: 4 } })
      .removeAlpha()
      .joinChannel(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.byteLength), { raw: { width, height, channels: 1 } });
    let background = options.background;
    if (!background && options.format === 'jpeg') {
      options.warn(`${options.provider}: JPEG has no alpha channel, so the subject was put on white; ask for png or webp to keep transparency, or set providerOptions.local.background`);
      background = '#ffffff';
    }
    if (background) {
      try {
        pipeline = pipeline.flatten({ background });
      } catch (error) {
        throw pixmuxError('invalid_request', `${options.provider}: background ${JSON.stringify(background)} is not a colour sharp understands (${error instanceof Error ? error.message : String(error)})`, {
          provider: options.provider,
        });
      }
    }
  }
  const bytes = await encode(pipeline, options.format).toBuffer();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
