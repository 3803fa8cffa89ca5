import { base64ToBytes, pixmuxError, readProviderOptions, type NormalizedGenerateRequest, type ProviderContext, type ProviderImage } from 'pixmux';
import { generateContentResponseSchema, type GenerateContentBody, type GenerateContentResponse } from './api.js';
import { aspectRatioFor, GEMINI_ASPECT_RATIOS, imageSizeFor } from './aspect-ratio.js';
import { takesImageSize } from './models.js';

export { generateContentResponseSchema };

/** Fields pixmux fills from the request; provider options cannot override them. */
const RESERVED_GENERATION_CONFIG = ['responseModalities', 'imageConfig', 'candidateCount', 'seed'] as const;

/** Where the body goes: the Gemini API takes no output MIME type, Vertex AI does. */
export interface GeminiTarget {
  id: string;
  vertex: boolean;
}

/**
 * The `generateContent` body for one image: the prompt as the user's only part, `responseModalities` TEXT and IMAGE
 * (the text explains a refusal), the aspect ratio and, for the Gemini 3 image models, the image size. No `n` (one
 * image a request), no negative prompt; a seed is sent as `generationConfig.seed` (best effort at Google).
 */
export function buildGenerateContentBody(request: NormalizedGenerateRequest, model: string, context: ProviderContext, target: GeminiTarget): { body: GenerateContentBody; imageSize?: string } {
  const { id } = target;
  const extras = readProviderOptions(request.providerOptions, { provider: id, reserved: RESERVED_GENERATION_CONFIG, warn: context.warn });
  const body: GenerateContentBody = {
    contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
    generationConfig: { ...extras, responseModalities: ['TEXT', 'IMAGE'] },
  };
  const imageConfig: NonNullable<GenerateContentBody['generationConfig']['imageConfig']> = {};
  const ratio = aspectRatioFor(request, GEMINI_ASPECT_RATIOS, model);
  if (ratio.value) imageConfig.aspectRatio = ratio.value;
  if (ratio.warning) context.warn(`${id}: ${ratio.warning}`);
  const imageSize = geminiImageSize(request, model);
  if (imageSize) imageConfig.imageSize = imageSize;
  if (target.vertex && request.format === 'jpeg') imageConfig.imageOutputOptions = { mimeType: 'image/jpeg' };
  if (Object.keys(imageConfig).length > 0) body.generationConfig.imageConfig = imageConfig;
  if (request.seed !== undefined) body.generationConfig.seed = request.seed;
  if (request.negativePrompt) context.warn(`${id}: ${model} takes no negative prompt; negativePrompt was not sent`);
  return { body, ...(imageSize ? { imageSize } : {}) };
}

/** The `imageSize` a request is sent with: Gemini 3 image models given a pixel size (also used to price before the call). */
export function geminiImageSize(request: Pick<NormalizedGenerateRequest, 'size'>, model: string): string | undefined {
  if (!takesImageSize(model) || !request.size) return undefined;
  return imageSizeFor(Math.max(request.size.width, request.size.height), ['1K', '2K', '4K']);
}

/** finishReasons that mean Google's safety systems withheld the output. */
const SAFETY_REASONS = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);

export interface GeminiImages {
  images: ProviderImage[];
  /** Text the model wrote next to the image(s). */
  text: string | undefined;
  finishReason: string | undefined;
}

/**
 * The images of a `generateContent` answer. A blocked prompt, a safety finishReason, or an answer without an image
 * (`NO_IMAGE`, or text alone: the model declined) is `content_policy`; an answer with nothing in it is `bad_response`.
 */
export function readGenerateContent(parsed: GenerateContentResponse, id: string): GeminiImages {
  const blockReason = parsed.promptFeedback?.blockReason;
  if (blockReason) {
    const why = parsed.promptFeedback?.blockReasonMessage;
    throw pixmuxError('content_policy', `${id}: Google blocked the prompt (promptFeedback.blockReason ${blockReason}${why ? `: ${why}` : ''})`, { provider: id, vendorCode: blockReason });
  }
  const candidate = parsed.candidates?.[0];
  if (!candidate) throw pixmuxError('bad_response', `${id} returned no candidates`, { provider: id });
  const parts = candidate.content?.parts ?? [];
  const finishReason = candidate.finishReason ?? undefined;
  const images: ProviderImage[] = [];
  const texts: string[] = [];
  for (const part of parts) {
    if (part.thought) continue;
    if (part.text) texts.push(part.text);
    if (!part.inlineData) continue;
    const bytes = base64ToBytes(part.inlineData.data);
    if (!bytes || bytes.byteLength === 0) throw pixmuxError('bad_response', `${id} returned inlineData that is not valid base64`, { provider: id });
    images.push({ bytes, ...(part.inlineData.mimeType ? { mediaType: part.inlineData.mimeType } : {}) });
  }
  const text = texts.length > 0 ? texts.join('\n') : undefined;
  if (images.length > 0) return { images, text, finishReason };
  const said = text ? `; the model said: ${text.slice(0, 300)}` : '';
  if (finishReason && SAFETY_REASONS.has(finishReason)) {
    throw pixmuxError('content_policy', `${id}: Google withheld the image (finishReason ${finishReason})${said}`, { provider: id, vendorCode: finishReason });
  }
  if (finishReason === 'NO_IMAGE' || text) {
    throw pixmuxError('content_policy', `${id}: the model answered without an image (finishReason ${finishReason ?? 'none'})${said}`, { provider: id, vendorCode: finishReason ?? 'NO_IMAGE' });
  }
  throw pixmuxError('bad_response', `${id} returned a candidate without an image (finishReason ${finishReason ?? 'none'})`, { provider: id, ...(finishReason ? { vendorCode: finishReason } : {}) });
}
