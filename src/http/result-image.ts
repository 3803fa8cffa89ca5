import { pixmuxError } from '../errors/create-error.js';
import { base64ToBytes } from '../image/base64.js';
import type { ProviderContext, ProviderImage } from '../types.js';

/** One image of an OpenAI-style images response: inline base64 (`b64_json`) or a URL. */
export interface ResultImageItem {
  b64_json?: string | null | undefined;
  url?: string | null | undefined;
}

/**
 * Reads one image of an OpenAI-style images response (OpenAI, Together, OpenAI-compatible servers): base64 is
 * decoded in place, a URL is downloaded at once through the call's guarded download (results expire). Base64
 * that does not decode, or an item with neither, is a `bad_response`, never an empty image.
 *
 * @example
 * import { readResultImage } from 'pixmux';
 * const image = await readResultImage({ url: 'https://cdn.example.com/result.png' }, ctx);
 */
export async function readResultImage(item: ResultImageItem, context: Pick<ProviderContext, 'provider' | 'download'>): Promise<ProviderImage> {
  const { provider } = context;
  if (item.b64_json) {
    const bytes = base64ToBytes(item.b64_json);
    if (!bytes || bytes.byteLength === 0) throw pixmuxError('bad_response', `${provider} returned b64_json that is not valid base64`, { provider });
    return { bytes };
  }
  if (item.url) return context.download(item.url);
  throw pixmuxError('bad_response', `${provider} returned an image with neither b64_json nor url`, { provider });
}
