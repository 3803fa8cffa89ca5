import {
  defineProvider,
  lookupPrice,
  priceToUsd,
  readImageResponse,
  readProviderOptions,
  resolveApiKey,
  type CommonProviderOptions,
  type ImageFormat,
  type NormalizedGenerateRequest,
  type NormalizedRemoveBackgroundRequest,
  type Operation,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { CLIPDROP_LIMITS, RESPONSE_HEADERS } from './api.js';
import { mapClipdropError } from './errors.js';
import { CLIPDROP_PRICES } from './prices.js';
import { generateOptionsSchema, RESERVED_FIELDS, removeBackgroundOptionsSchema } from './provider-options.js';

export type { ClipdropProviderOptions } from './provider-options.js';
export { CLIPDROP_PRICES } from './prices.js';
export { CLIPDROP_LIMITS } from './api.js';

export const CLIPDROP_BASE_URL = 'https://clipdrop-api.co';

/** The model ids pixmux reports: one endpoint per operation, no model choice. */
export const CLIPDROP_MODELS = { generate: 'text-to-image', removeBackground: 'remove-background' } as const;

/** The `accept` header per output format; Clipdrop's docs spell jpeg `image/jpg`. */
const ACCEPT: Record<ImageFormat, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpg' };

export interface ClipdropOptions extends CommonProviderOptions {
  /** @default 'clipdrop' */
  id?: string;
  /** Sent as `x-api-key`. @default process.env.CLIPDROP_API_KEY */
  apiKey?: string;
  /** @default 'https://clipdrop-api.co' */
  baseURL?: string;
  /** @default 'cheap' */
  tier?: Tier;
  /** Price overrides by model id (`text-to-image`, `remove-background`, `default`: the price of one credit). @default CLIPDROP_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Clipdrop: `generate` with text-to-image (`POST /text-to-image/v1`: a prompt in, one 1024×1024 PNG out) and
 * `removeBackground` (`POST /remove-background/v1`). Credits left and spent are in `metadata.remainingCredits` and
 * `metadata.creditsConsumed`; the billed cost is the credits spent times the credit price.
 *
 * @example
 * import { clipdrop } from 'pixmux/providers/clipdrop';
 * const px = createPixmux({ providers: [clipdrop()] }); // reads CLIPDROP_API_KEY
 * const { images } = await px.removeBackground({ image: './portrait.jpg' });
 * @see https://clipdrop.co/apis/docs
 */
export function clipdrop(options: ClipdropOptions = {}): Provider {
  const id = options.id ?? 'clipdrop';
  const apiKey = resolveApiKey(options.apiKey, 'CLIPDROP_API_KEY');
  const prices = { ...CLIPDROP_PRICES, ...options.prices };

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: generateOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    warnUnsupported(request, context);
    const form = new FormData();
    form.append('prompt', request.prompt);
    for (const [key, value] of Object.entries(extras)) form.append(key, String(value));
    const response = await context.http.post('text-to-image/v1', { body: form });
    return read(response, CLIPDROP_MODELS.generate);
  }

  function warnUnsupported(request: NormalizedGenerateRequest, context: ProviderContext) {
    const side = CLIPDROP_LIMITS.generatedSide;
    if (request.size && (request.size.width !== side || request.size.height !== side)) context.warn(`${id}: text-to-image always returns ${side}x${side}; size ${request.size.width}x${request.size.height} was not sent`);
    else if (!request.size && request.aspectRatio && request.aspectRatio !== '1:1') context.warn(`${id}: text-to-image always returns ${side}x${side}; aspect ratio ${request.aspectRatio} was not sent`);
    if (request.negativePrompt) context.warn(`${id}: text-to-image takes no negative prompt; negativePrompt was not sent`);
    if (request.seed !== undefined) context.warn(`${id}: text-to-image takes no seed; seed was not sent`);
    if (request.format !== 'png') context.warn(`${id}: text-to-image always returns png, not ${request.format}`);
    if (request.model && request.model !== CLIPDROP_MODELS.generate) context.warn(`${id}: text-to-image has one model; model "${request.model}" ignored`);
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: removeBackgroundOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    if (request.model && request.model !== CLIPDROP_MODELS.removeBackground) context.warn(`${id}: remove-background has one model; model "${request.model}" ignored`);
    const { image } = request;
    const form = new FormData();
    form.append('image_file', new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.mediaType }), `image.${image.mediaType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin'}`);
    for (const [key, value] of Object.entries(extras)) form.append(key, String(value));
    const response = await context.http.post('remove-background/v1', { body: form, headers: { accept: ACCEPT[request.format] } });
    return read(response, CLIPDROP_MODELS.removeBackground);
  }

  /** Reads the image and the credit headers; a 200 with JSON (an error in disguise) is a `bad_response`. */
  async function read(response: Response, model: string): Promise<ProviderResult> {
    const image = await readImageResponse(response, id, { rejectJson: true });
    const consumed = creditsHeader(response, RESPONSE_HEADERS.creditsConsumed);
    const remaining = creditsHeader(response, RESPONSE_HEADERS.remainingCredits);
    const price = lookupPrice(prices, model);
    const costUsd = price ? priceToUsd(price, { images: consumed ?? 1 }) : undefined;
    return {
      images: [{ bytes: image.bytes, ...(image.mediaType ? { mediaType: image.mediaType } : {}) }],
      model,
      ...(costUsd !== undefined ? { costUsd } : {}),
      metadata: { ...(consumed !== undefined ? { creditsConsumed: consumed } : {}), ...(remaining !== undefined ? { remainingCredits: remaining } : {}) },
    };
  }

  function supports(operation: Operation, request: NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest): true | string {
    const limits = CLIPDROP_LIMITS;
    if (operation === 'generate') {
      const { prompt } = request as NormalizedGenerateRequest;
      return prompt.length <= limits.maxPromptLength ? true : `${id}: text-to-image takes prompts up to ${limits.maxPromptLength} characters (got ${prompt.length})`;
    }
    if (operation !== 'removeBackground') return `${id} does not offer ${operation}`;
    const { image } = request as NormalizedRemoveBackgroundRequest;
    if (!(limits.mediaTypes as readonly string[]).includes(image.mediaType)) return `${id}: remove-background takes JPEG, PNG or WebP, not ${image.mediaType}`;
    if (image.bytes.byteLength > limits.maxBytes) return `${id}: remove-background takes files up to 30 MB (got ${(image.bytes.byteLength / 1_048_576).toFixed(1)} MB)`;
    if (image.width * image.height > limits.maxPixels) return `${id}: remove-background takes up to 25 megapixels (got ${image.width}x${image.height})`;
    return true;
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    // One image per request; the core splits n.
    maxImagesPerCall: 1,
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? CLIPDROP_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapClipdropError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate, removeBackground },
    supports: (operation, request) => supports(operation, request as NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest),
    price: (operation, request) => {
      const price = lookupPrice(prices, operation === 'generate' ? CLIPDROP_MODELS.generate : CLIPDROP_MODELS.removeBackground);
      const images = operation === 'generate' ? (request as NormalizedGenerateRequest).n : 1;
      return price ? priceToUsd(price, { images }) : undefined;
    },
  });
}

/** A credits header as a number, or undefined when absent or not a number. */
function creditsHeader(response: Response, name: string): number | undefined {
  const text = response.headers.get(name);
  const value = text === null || text.trim() === '' ? Number.NaN : Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export default clipdrop;
