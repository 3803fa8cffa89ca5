import { pixmuxError } from '../errors/create-error.js';
import type { ProviderImage } from '../types.js';
import { PixmuxImage } from './pixmux-image.js';
import { sniffImage } from './sniff.js';

/** Turns what a provider returned into `PixmuxImage`s; bytes that are not an image are a `bad_response`. */
export function toPixmuxImage(image: ProviderImage | PixmuxImage, provider: string): PixmuxImage {
  if (image instanceof PixmuxImage) return image;
  if (!image || !(image.bytes instanceof Uint8Array) || image.bytes.byteLength === 0) {
    throw pixmuxError('bad_response', `${provider} returned an empty image`, { provider });
  }
  const sniffed = sniffImage(image.bytes);
  if (!sniffed.ok) throw pixmuxError('bad_response', `${provider} returned bytes that are not a readable image: ${sniffed.reason}`, { provider });
  return new PixmuxImage(image.bytes, sniffed.image.mediaType, sniffed.image.width, sniffed.image.height);
}
