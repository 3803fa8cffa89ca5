import type { NormalizedGenerateRequest, ProviderContext } from 'pixmux';

/** fal's named sizes for the common aspect ratios (flux/schnell `image_size`). */
const NAMED_SIZES: Record<string, string> = {
  '1:1': 'square_hd',
  '4:3': 'landscape_4_3',
  '16:9': 'landscape_16_9',
  '3:4': 'portrait_4_3',
  '9:16': 'portrait_16_9',
};

/** The pixel size of each named size, for price estimates. `landscape_4_3` is the model's default. */
export const NAMED_SIZE_PIXELS: Record<string, { width: number; height: number }> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
};

export const DEFAULT_IMAGE_SIZE = 'landscape_4_3';

/** `image_size`: the exact `{ width, height }` when given, a named size for a common ratio, else about 1 MP at the ratio. */
export function imageSizeFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>): string | { width: number; height: number } | undefined {
  if (request.size) return { width: request.size.width, height: request.size.height };
  if (!request.aspectRatio) return undefined;
  const named = NAMED_SIZES[request.aspectRatio];
  if (named) return named;
  const [w, h] = request.aspectRatio.split(':').map(Number) as [number, number];
  const scale = Math.sqrt((1024 * 1024) / (w * h));
  const round = (value: number) => Math.max(64, Math.round((value * scale) / 64) * 64);
  return { width: round(w), height: round(h) };
}

/** Pixels of the image a generate request asks for, for the per-megapixel estimate. */
export function requestedPixels(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>): number {
  const size = imageSizeFor(request) ?? DEFAULT_IMAGE_SIZE;
  const dims = typeof size === 'string' ? NAMED_SIZE_PIXELS[size]! : size;
  return dims.width * dims.height;
}

/** The input of a text-to-image model, in flux/schnell's field names; `providerOptions` are merged over it. */
export function generateInput(request: NormalizedGenerateRequest, context: ProviderContext): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: request.prompt, num_images: request.n };
  const size = imageSizeFor(request);
  if (size) input.image_size = size;
  if (request.seed !== undefined) input.seed = request.seed;
  if (request.format === 'webp') context.warn(`${context.provider}: flux/schnell outputs jpeg or png; asked for png instead of webp`);
  input.output_format = request.format === 'jpeg' ? 'jpeg' : 'png';
  if (request.negativePrompt) context.warn(`${context.provider}: negativePrompt is not supported by fal's flux models and was not sent`);
  return { ...input, ...request.providerOptions };
}

