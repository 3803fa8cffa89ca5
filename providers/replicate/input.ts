import { toDataUrl, type ImageFormat, type InputImage, type NormalizedGenerateRequest, type NormalizedRestoreFaceRequest, type ProviderContext } from 'pixmux';
import { imageFieldsFor } from './models.js';

/** The aspect ratios flux-schnell accepts (`aspect_ratio`). */
export const ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;

/** Replicate recommends data URLs only up to 256 KB; larger ones still work but travel inside the request. */
export const DATA_URL_RECOMMENDED_MAX_BYTES = 256 * 1024;

/** flux-schnell's `megapixels: 1` is 1024×1024. */
const ONE_MEGAPIXEL = 1024 * 1024;

const OUTPUT_FORMATS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/**
 * The input of a text-to-image model, in flux-schnell's field names (`prompt`, `num_outputs`,
 * `aspect_ratio`, `megapixels`, `seed`, `output_format`), which most Replicate image models share.
 * Anything else a model takes goes in `providerOptions`, merged over this input.
 */
export function generateInput(request: NormalizedGenerateRequest, context: ProviderContext): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: request.prompt, num_outputs: request.n, output_format: OUTPUT_FORMATS[request.format] };
  if (request.size) {
    const ratio = nearestRatio(request.size.width / request.size.height);
    input.aspect_ratio = ratio;
    const area = request.size.width * request.size.height;
    const megapixels = area <= 0.5 * ONE_MEGAPIXEL ? 0.25 : 1;
    if (megapixels === 0.25) input.megapixels = '0.25';
    const ratioOff = Math.abs(Math.log(ratioValue(ratio)) - Math.log(request.size.width / request.size.height)) > 0.01;
    const areaOff = Math.abs(area / (megapixels * ONE_MEGAPIXEL) - 1) > 0.15;
    if (ratioOff || areaOff) {
      context.warn(`${context.provider}: size ${request.size.width}x${request.size.height} is not offered; asked for aspect_ratio ${ratio} at about ${megapixels} megapixels`);
    }
  } else if (request.aspectRatio) {
    const ratio = (ASPECT_RATIOS as readonly string[]).includes(request.aspectRatio) ? request.aspectRatio : nearestRatio(ratioValue(request.aspectRatio));
    if (ratio !== request.aspectRatio) context.warn(`${context.provider}: aspect ratio ${request.aspectRatio} is not offered; using ${ratio}`);
    input.aspect_ratio = ratio;
  }
  if (request.seed !== undefined) input.seed = request.seed;
  if (request.negativePrompt) context.warn(`${context.provider}: negativePrompt is not supported by Replicate's flux-style input and was not sent; pass the model's own field in providerOptions if it has one`);
  return { ...input, ...request.providerOptions };
}

/** The input of an image-to-image model: the image as a data URL in the model's field, plus `fidelity` where it exists. */
export function imageInput(modelId: string, image: InputImage, context: ProviderContext, restore?: NormalizedRestoreFaceRequest): Record<string, unknown> {
  const fields = imageFieldsFor(modelId);
  if (image.bytes.byteLength > DATA_URL_RECOMMENDED_MAX_BYTES) {
    context.logger.debug(`${context.provider}: sending a ${Math.round(image.bytes.byteLength / 1024)} KB image as a data URL (Replicate recommends data URLs up to 256 KB)`);
  }
  const input: Record<string, unknown> = { [fields.image]: toDataUrl(image) };
  if (restore) {
    if (fields.fidelity) input[fields.fidelity] = restore.fidelity;
    else if (restore.fidelity !== 0.5) context.warn(`${context.provider}: ${modelId.split(':')[0]} has no fidelity setting; fidelity ${restore.fidelity} was not sent`);
  }
  return input;
}


function ratioValue(text: string): number {
  const [w, h] = text.split(':').map(Number) as [number, number];
  return w / h;
}

function nearestRatio(value: number): string {
  let best: string = ASPECT_RATIOS[0];
  let bestDistance = Infinity;
  for (const ratio of ASPECT_RATIOS) {
    const distance = Math.abs(Math.log(ratioValue(ratio)) - Math.log(value));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = ratio;
    }
  }
  return best;
}
