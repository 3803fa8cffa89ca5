import { pixmuxError } from 'pixmux';
import type { ImageFormat } from 'pixmux';
import type { SharpFn } from '../../native.js';
import { encode, type DecodedImage } from '../image-io.js';

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

/** Throws `invalid_request` unless sharp understands the colour (`'#fff'`, `'white'`, `'rgb(0,0,0)'`). */
export function assertColour(sharp: SharpFn, colour: string, provider: string): void {
  try {
    sharp().flatten({ background: colour }); // parses the colour, nothing else
  } catch (error) {
    throw pixmuxError('invalid_request', `${provider}: background ${JSON.stringify(colour)} is not a colour sharp understands (${error instanceof Error ? error.message : String(error)})`, { provider });
  }
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
    // (sharp applies removeAlpha after joinChannel within one pipeline, hence two steps.)
    const rgb = await sharp(image.rgba, { raw: { width, height, channels: 4 } }).removeAlpha().raw().toBuffer();
    pipeline = sharp(rgb, { raw: { width, height, channels: 3 } }).joinChannel(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.byteLength), { raw: { width, height, channels: 1 } });
    let background = options.background;
    if (!background && options.format === 'jpeg') {
      options.warn(`${options.provider}: JPEG has no alpha channel, so the subject was put on white; ask for png or webp to keep transparency, or set providerOptions.local.background`);
      background = '#ffffff';
    }
    if (background) {
      assertColour(sharp, background, options.provider);
      // flatten runs before joinChannel inside one sharp pipeline, so it gets the joined pixels as a new input.
      pipeline = sharp(await pipeline.raw().toBuffer(), { raw: { width, height, channels: 4 } }).flatten({ background });
    }
  }
  const bytes = await encode(pipeline, options.format).toBuffer();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
