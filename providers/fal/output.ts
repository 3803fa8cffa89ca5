import { base64ToBytes, pixmuxError, type ProviderContext, type ProviderImage } from 'pixmux';
import type { FalFile, ImageResult } from './api.js';

/** The images of a result, minus those fal's safety checker flagged (fal returns them blacked out). */
export function resultFiles(result: ImageResult, context: ProviderContext): FalFile[] {
  const files = result.images ?? (result.image ? [result.image] : []);
  const flags = result.has_nsfw_concepts ?? [];
  const kept = files.filter((_file, index) => flags[index] !== true);
  if (kept.length === 0) {
    throw pixmuxError('content_policy', `${context.provider}: the safety checker flagged every image (has_nsfw_concepts)`, { provider: context.provider, vendorCode: 'has_nsfw_concepts' });
  }
  if (kept.length < files.length) context.warn(`${context.provider}: ${files.length - kept.length} of ${files.length} images were flagged by the safety checker and left out`);
  return kept;
}

/** Fetches one result file now (fal's URLs are temporary); data URIs (`sync_mode`) are decoded in place. */
export async function fetchFile(file: FalFile, context: ProviderContext): Promise<ProviderImage> {
  if (/^data:/i.test(file.url)) {
    const match = /^data:([^,;]*)(?:;[^,]*)?,(.*)$/is.exec(file.url);
    const bytes = match ? base64ToBytes(match[2]!) : undefined;
    if (!bytes || bytes.byteLength === 0) throw pixmuxError('bad_response', `${context.provider} returned a data URI that is not valid base64`, { provider: context.provider });
    return { bytes, ...(match?.[1] ? { mediaType: match[1] } : {}) };
  }
  return context.download(file.url);
}
