import { base64ToBytes, pixmuxError, readProviderOptions, type NormalizedGenerateRequest, type ProviderContext, type ProviderImage } from 'pixmux';
import type { PredictBody, PredictResponse } from './api.js';
import { aspectRatioFor, IMAGEN_ASPECT_RATIOS, imageSizeFor } from './aspect-ratio.js';
import { takesNegativePrompt, takesSampleImageSize } from './models.js';

/** Fields pixmux fills from the request; provider options cannot override them. */
const RESERVED_PARAMETERS = ['sampleCount', 'aspectRatio', 'sampleImageSize', 'negativePrompt', 'seed', 'includeRaiReason', 'outputOptions', 'storageUri'] as const;

/** Imagen renders 1 to 4 images a request. */
export const IMAGEN_MAX_SAMPLES = 4;

/**
 * The `:predict` body for Imagen on Vertex AI. A seed needs the SynthID watermark off (`addWatermark: false`;
 * Vertex refuses a seed with the watermark on), so a seed turns it off with a warning, unless the caller set
 * `addWatermark: true`, which wins and drops the seed. `negativePrompt` goes only to the Imagen 3 models that take it.
 */
export function buildPredictBody(request: NormalizedGenerateRequest, model: string, context: ProviderContext, id: string): PredictBody {
  const extras = readProviderOptions(request.providerOptions, { provider: id, reserved: RESERVED_PARAMETERS, warn: context.warn });
  const body: PredictBody = { instances: [{ prompt: request.prompt }], parameters: { ...extras, sampleCount: request.n, includeRaiReason: true } };
  const ratio = aspectRatioFor(request, IMAGEN_ASPECT_RATIOS, model);
  if (ratio.value) body.parameters.aspectRatio = ratio.value;
  if (ratio.warning) context.warn(`${id}: ${ratio.warning}`);
  if (request.size && takesSampleImageSize(model)) body.parameters.sampleImageSize = imageSizeFor(Math.max(request.size.width, request.size.height), ['1K', '2K']);
  if (request.negativePrompt) {
    if (takesNegativePrompt(model)) body.parameters.negativePrompt = request.negativePrompt;
    else context.warn(`${id}: ${model} takes no negative prompt (only the Imagen 3.0 generate-001 models do); negativePrompt was not sent`);
  }
  if (request.seed !== undefined) {
    if (extras.addWatermark === true) {
      context.warn(`${id}: Imagen takes a seed only with the watermark off and providerOptions.addWatermark is true; seed ${request.seed} was not sent`);
    } else {
      body.parameters.seed = request.seed;
      if (extras.addWatermark === undefined) context.warn(`${id}: Imagen takes a seed only without the SynthID watermark; sent addWatermark: false with seed ${request.seed}`);
      body.parameters.addWatermark = false;
    }
  }
  if (request.format === 'jpeg') body.parameters.outputOptions = { mimeType: 'image/jpeg' };
  return body;
}

/**
 * The images of a `:predict` answer. Filtered images come back as entries with `raiFilteredReason`: all filtered is
 * `content_policy`; some filtered is a warning on the images that made it. No predictions at all is `bad_response`.
 */
export function readPredictions(parsed: PredictResponse, context: ProviderContext, id: string): { images: ProviderImage[]; enhancedPrompt?: string } {
  const predictions = parsed.predictions ?? [];
  const images: ProviderImage[] = [];
  const filtered: string[] = [];
  let enhancedPrompt: string | undefined;
  for (const prediction of predictions) {
    if (prediction.raiFilteredReason) filtered.push(prediction.raiFilteredReason);
    if (prediction.prompt) enhancedPrompt ??= prediction.prompt;
    if (!prediction.bytesBase64Encoded) continue;
    const bytes = base64ToBytes(prediction.bytesBase64Encoded);
    if (!bytes || bytes.byteLength === 0) throw pixmuxError('bad_response', `${id} returned bytesBase64Encoded that is not valid base64`, { provider: id });
    images.push({ bytes, ...(prediction.mimeType ? { mediaType: prediction.mimeType } : {}) });
  }
  if (images.length === 0 && filtered.length > 0) {
    throw pixmuxError('content_policy', `${id}: Imagen filtered every image (raiFilteredReason: ${filtered[0]})`, { provider: id, vendorCode: 'raiFilteredReason' });
  }
  if (images.length === 0) throw pixmuxError('bad_response', `${id} returned no images (predictions empty)`, { provider: id });
  if (filtered.length > 0) context.warn(`${id}: Imagen filtered ${filtered.length} image(s): ${filtered[0]}`);
  return { images, ...(enhancedPrompt ? { enhancedPrompt } : {}) };
}
