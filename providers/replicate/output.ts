import { base64ToBytes, pixmuxError, type ProviderContext, type ProviderImage } from 'pixmux';

/**
 * The file URLs in a succeeded prediction's `output`: one URL, a list of them, or an object holding them
 * (some models return `{ image: url }`). Anything else is a `bad_response`, never an empty success.
 */
export function outputUrls(output: unknown, provider: string): string[] {
  const urls: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (typeof value === 'string') {
      if (/^(https?:|data:)/i.test(value)) urls.push(value);
    } else if (Array.isArray(value) && depth < 3) value.forEach((item) => visit(item, depth + 1));
    else if (value && typeof value === 'object' && depth < 3) Object.values(value).forEach((item) => visit(item, depth + 1));
  };
  visit(output, 0);
  if (urls.length === 0) throw pixmuxError('bad_response', `${provider}: the prediction succeeded without an output file`, { provider });
  return urls;
}

/** Fetches one output file now (Replicate removes them after an hour); data URLs are decoded in place. */
export async function fetchOutput(url: string, context: ProviderContext): Promise<ProviderImage> {
  if (/^data:/i.test(url)) {
    const match = /^data:([^,;]*)(?:;[^,]*)?,(.*)$/is.exec(url);
    const bytes = match ? base64ToBytes(match[2]!) : undefined;
    if (!bytes || bytes.byteLength === 0) throw pixmuxError('bad_response', `${context.provider}: the prediction returned a data URL that is not valid base64`, { provider: context.provider });
    return { bytes, ...(match?.[1] ? { mediaType: match[1] } : {}) };
  }
  return context.download(url);
}
