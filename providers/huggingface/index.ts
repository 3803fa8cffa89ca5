import {
  bytesToBase64,
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  parseWith,
  pixmuxError,
  priceToUsd,
  readImageResponse,
  readProviderOptions,
  readResultImage,
  resolveApiKey,
  sniffImage,
  type CommonProviderOptions,
  type InputImage,
  type NormalizedGenerateRequest,
  type NormalizedRemoveBackgroundRequest,
  type Operation,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { anyJsonSchema, errorBodySchema, segmentationResponseSchema, textToImageJsonSchema, type ImageSegmentationBody, type TextToImageBody } from './api.js';
import { CutoutError, cutOut } from './cutout.js';
import { mapHuggingFaceError } from './errors.js';
import { DEFAULT_MODELS, isModelId, modelPath, type HuggingFaceOperation } from './models.js';
import { decodePng, readPngHeader, type RgbaImage } from './png-decode.js';
import { encodePng } from './png-encode.js';
import { HUGGINGFACE_PRICES } from './prices.js';
import { generateOptionsSchema, RESERVED_FIELDS, segmentationOptionsSchema } from './provider-options.js';

export type { HuggingFaceProviderOptions } from './provider-options.js';
export type { RgbaImage } from './png-decode.js';
export { HUGGINGFACE_PRICES } from './prices.js';
export { DEFAULT_MODELS as HUGGINGFACE_DEFAULT_MODELS } from './models.js';

export const HUGGINGFACE_BASE_URL = 'https://router.huggingface.co';

/** The cut-out holds the input's pixels in memory as RGBA (4 bytes a pixel, plus the masks): capped at 25 MP. */
export const HUGGINGFACE_LIMITS = { maxCutoutPixels: 25_000_000 } as const;

export interface HuggingFaceOptions extends CommonProviderOptions {
  /** @default 'huggingface' */
  id?: string;
  /** A Hugging Face token with the "Make calls to Inference Providers" permission, sent as `Authorization: Bearer …`. @default process.env.HF_TOKEN */
  apiKey?: string;
  /** The Inference Providers router; requests go to `{baseURL}/hf-inference/models/{model}`. @default 'https://router.huggingface.co' */
  baseURL?: string;
  /** @default 'cheap' */
  tier?: Tier;
  /**
   * Model per operation (any Hub id the hf-inference backend serves for the task); a call's `model` overrides.
   * @default { generate: 'black-forest-labs/FLUX.1-schnell', removeBackground: 'briaai/RMBG-1.4' }
   */
  models?: Partial<Record<HuggingFaceOperation, string>>;
  /** Bills an organisation you belong to (`X-HF-Bill-To`), e.g. to spend its Team or Enterprise credits. */
  billTo?: string;
  /**
   * Labels of the segments that make the foreground of a cut-out, for a semantic segmentation model (`['person']`);
   * per call: `providerOptions.huggingface.labels`. @default every segment not labelled background
   */
  labels?: string[];
  /**
   * Decodes an input that is not a PNG (JPEG, WebP) to RGBA for the cut-out. pixmux decodes PNG itself without
   * native code; without this option a JPEG or WebP input is passed over with a reason, so the policy tries the next
   * provider. With sharp:
   * `decodeImage: async ({ bytes }) => { const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true }); return { width: info.width, height: info.height, data }; }`
   * @default undefined (PNG inputs only)
   */
  decodeImage?: (image: { bytes: Uint8Array; mediaType: string }) => Promise<RgbaImage>;
  /** Price overrides by model id. @default HUGGINGFACE_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Hugging Face Inference Providers, through the router's `hf-inference` backend: `generate` with a text-to-image
 * model (the image comes back as bytes) and `removeBackground` with an image-segmentation model, whose masks pixmux
 * turns into an alpha cut-out of the input (PNG out).
 *
 * @example
 * import { huggingface } from 'pixmux/providers/huggingface';
 * const px = createPixmux({ providers: [huggingface()] }); // reads HF_TOKEN
 * const { images } = await px.generate({ prompt: 'a lighthouse at dusk', size: '1024x768' });
 * @see https://huggingface.co/docs/inference-providers
 */
export function huggingface(options: HuggingFaceOptions = {}): Provider {
  const id = options.id ?? 'huggingface';
  const apiKey = resolveApiKey(options.apiKey, 'HF_TOKEN');
  const models = { ...DEFAULT_MODELS, ...options.models };
  const prices = { ...HUGGINGFACE_PRICES, ...options.prices };
  for (const [operation, model] of Object.entries(models)) {
    if (!isModelId(model)) throw pixmuxError('invalid_request', `${id}: models.${operation} must be a Hub model id like "owner/name" (got ${JSON.stringify(model)})`);
  }
  const defaultLabels = options.labels;
  if (defaultLabels !== undefined && (!Array.isArray(defaultLabels) || defaultLabels.length === 0 || !defaultLabels.every((label) => typeof label === 'string'))) {
    throw pixmuxError('invalid_request', `${id}: labels must be a non-empty list of strings`);
  }

  function textToImageBody(request: NormalizedGenerateRequest, context: ProviderContext): TextToImageBody {
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: generateOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    const parameters: NonNullable<TextToImageBody['parameters']> = { ...sizeFor(request) };
    if (request.negativePrompt) parameters.negative_prompt = request.negativePrompt;
    if (request.seed !== undefined) parameters.seed = request.seed;
    Object.assign(parameters, extras);
    return Object.keys(parameters).length > 0 ? { inputs: request.prompt, parameters } : { inputs: request.prompt };
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.generate;
    if (!isModelId(model)) throw pixmuxError('unsupported', `${id}: "${model}" is not a Hub model id`, { provider: id });
    const response = await context.http.post(modelPath(model), { json: textToImageBody(request, context) });
    const image = await readGenerated(response, context);
    const sniffed = sniffImage(image.bytes);
    if (sniffed.ok && sniffed.image.mediaType !== `image/${request.format}`) {
      context.warn(`${id}: ${model} returned ${sniffed.image.mediaType}; ${request.format} was asked and hf-inference chooses the format`);
    }
    return { images: [{ bytes: image.bytes }], model, ...costOf(model), metadata: metadataOf(response) };
  }

  /** The image bytes, or the JSON forms (base64, result URL: downloaded at once); a JSON error in a 200 is a `bad_response`. */
  async function readGenerated(response: Response, context: ProviderContext): Promise<{ bytes: Uint8Array }> {
    if (!(response.headers.get('content-type') ?? '').includes('json')) return readImageResponse(response, id);
    const json = await parseJsonResponse(response, anyJsonSchema, id);
    const failure = errorBodySchema.safeParse(json);
    if (failure.success && failure.data.error !== undefined) {
      const detail = Array.isArray(failure.data.error) ? failure.data.error.join('; ') : failure.data.error;
      throw pixmuxError('bad_response', `${id} returned JSON instead of an image: ${detail}`, { provider: id });
    }
    const parsed = parseWith(textToImageJsonSchema, json, id);
    return readResultImage('output' in parsed ? { url: parsed.output[0] } : parsed.data[0]!, context);
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.removeBackground;
    if (!isModelId(model)) throw pixmuxError('unsupported', `${id}: "${model}" is not a Hub model id`, { provider: id });
    const { labels, ...parameters } = readProviderOptions(request.providerOptions, { provider: id, schema: segmentationOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn }) as { labels?: string[] };
    if (request.format !== 'png') context.warn(`${id}: a cut-out needs transparency; returning png, not ${request.format}`);
    // Decoded before the call: an input pixmux cannot cut out is never sent (nor billed).
    const input = await decodeInput(request.image);
    const body: ImageSegmentationBody = { inputs: bytesToBase64(request.image.bytes), ...(Object.keys(parameters).length > 0 ? { parameters } : {}) };
    const response = await context.http.post(modelPath(model), { json: body });
    const segments = await parseJsonResponse(response, segmentationResponseSchema, id);
    let cut: RgbaImage;
    try {
      cut = await cutOut(input, segments, labels ?? defaultLabels);
    } catch (error) {
      if (!(error instanceof CutoutError)) throw error;
      // No subject found: another provider may still find one.
      throw pixmuxError(error.kind === 'bad_response' ? 'bad_response' : 'provider_error', `${id}: ${model} ${error.message}`, { provider: id, retryable: false });
    }
    return {
      images: [{ bytes: await encodePng(cut), mediaType: 'image/png' }],
      model,
      ...costOf(model),
      metadata: { ...metadataOf(response), segments: segments.map(({ label, score }) => ({ label, ...(typeof score === 'number' ? { score } : {}) })) },
    };
  }

  async function decodeInput(image: InputImage): Promise<RgbaImage> {
    if (image.mediaType !== 'image/png' && !options.decodeImage) {
      throw pixmuxError('unsupported', `${id}: the cut-out needs a PNG input, or decodeImage to read ${image.mediaType}`, { provider: id });
    }
    let decoded: RgbaImage;
    try {
      decoded = image.mediaType === 'image/png' ? await decodePng(image.bytes) : await options.decodeImage!({ bytes: image.bytes, mediaType: image.mediaType });
    } catch (error) {
      throw pixmuxError('invalid_image', `${id}: the input could not be decoded for the cut-out: ${error instanceof Error ? error.message : String(error)}`, { provider: id });
    }
    const { width, height, data } = decoded ?? {};
    if (width !== image.width || height !== image.height || !(data instanceof Uint8Array) || data.byteLength !== image.width * image.height * 4) {
      throw pixmuxError('invalid_image', `${id}: decodeImage must return the ${image.width}x${image.height} input as RGBA (${image.width * image.height * 4} bytes); got ${width}x${height}, ${data instanceof Uint8Array ? `${data.byteLength} bytes` : 'no data'}`, { provider: id });
    }
    return decoded;
  }

  function costOf(model: string): { costUsd?: number } {
    const price = lookupPrice(prices, model);
    return price ? { costUsd: priceToUsd(price, { images: 1 }) } : {};
  }

  function supports(operation: Operation, request: NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest): true | string {
    if (operation !== 'generate' && operation !== 'removeBackground') return `${id} does not offer ${operation}`;
    const model = request.model ?? models[operation];
    if (!isModelId(model)) return `${id}: "${model}" is not a Hub model id`;
    if (operation === 'generate') return true;
    const { image } = request as NormalizedRemoveBackgroundRequest;
    if (image.width * image.height > HUGGINGFACE_LIMITS.maxCutoutPixels) return `${id}: the cut-out takes up to 25 megapixels (got ${image.width}x${image.height})`;
    if (image.mediaType === 'image/png') {
      const header = readPngHeader(image.bytes);
      return typeof header === 'string' ? `${id}: the input is ${header}` : true;
    }
    if (options.decodeImage) return true;
    return `${id}: the cut-out needs the input's pixels, and pixmux decodes only PNG without native code; pass a PNG, or set decodeImage to read ${image.mediaType}`;
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    // hf-inference returns one image per request; the core splits n.
    maxImagesPerCall: 1,
    identity: { models, labels: defaultLabels },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? HUGGINGFACE_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(options.billTo ? { 'x-hf-bill-to': options.billTo } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapHuggingFaceError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate, removeBackground },
    supports: (operation, request) => supports(operation, request as NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest),
    price: (operation, request) => {
      const model = request.model ?? (operation === 'generate' ? models.generate : models.removeBackground);
      const price = lookupPrice(prices, model);
      const images = operation === 'generate' ? (request as NormalizedGenerateRequest).n : 1;
      return price ? priceToUsd(price, { images }) : undefined;
    },
  });
}

/** Width and height from the size, or about one megapixel at the aspect ratio (sides in multiples of 64). */
function sizeFor(request: NormalizedGenerateRequest): { width?: number; height?: number } {
  if (request.size) return { width: request.size.width, height: request.size.height };
  if (!request.aspectRatio) return {};
  const [w, h] = request.aspectRatio.split(':').map(Number) as [number, number];
  const side = (part: number) => Math.max(64, 64 * Math.round((part * Math.sqrt(1_048_576 / (w * h))) / 64));
  return { width: side(w), height: side(h) };
}

function metadataOf(response: Response): Record<string, unknown> {
  const requestId = response.headers.get('x-request-id');
  return requestId ? { requestId } : {};
}

export default huggingface;
