import {
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  pixmuxError,
  priceToUsd,
  readResultImage,
  resolveApiKey,
  type CommonProviderOptions,
  type NormalizedGenerateRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { imageResponseSchema } from './api.js';
import { mapTogetherError } from './errors.js';
import { DEFAULT_PRICES } from './prices.js';
import { generationBody, sizeFor } from './request.js';

export { DEFAULT_PRICES as TOGETHER_DEFAULT_PRICES } from './prices.js';

export const TOGETHER_BASE_URL = 'https://api.together.ai/v1';

/** The current default: FLUX.1 [schnell], the cheap fast model (the spec's own example). */
export const DEFAULT_TOGETHER_MODEL = 'black-forest-labs/FLUX.1-schnell';

/** Model ids with a known shape; any other Together image model id is accepted too. */
export type TogetherImageModel =
  | 'black-forest-labs/FLUX.1-schnell'
  | 'black-forest-labs/FLUX.1-schnell-Free'
  | 'black-forest-labs/FLUX.1.1-pro'
  | 'black-forest-labs/FLUX.2-pro'
  | 'black-forest-labs/FLUX.2-dev'
  | 'black-forest-labs/FLUX.1-kontext-pro'
  | (string & {});

/**
 * Per-call options, passed as `providerOptions: { together: { … } }` and sent as they are: `steps`,
 * `guidance_scale`, `disable_safety_checker`, `image_url`, `reference_images`, `image_loras`, or
 * `response_format: 'url'` (the images are then downloaded at once). Fields pixmux sets from the request
 * (`model`, `prompt`, `n`, `width`, `height`, `seed`, `negative_prompt`, `output_format`) are ignored with a warning.
 */
export type TogetherProviderOptions = Record<string, unknown>;

export interface TogetherOptions extends CommonProviderOptions {
  /** @default 'together' */
  id?: string;
  /** API key, sent as `Authorization: Bearer …`. @default process.env.TOGETHER_API_KEY */
  apiKey?: string;
  /** @default 'https://api.together.ai/v1' */
  baseURL?: string;
  /** The model for calls that do not name one. @default 'black-forest-labs/FLUX.1-schnell' */
  model?: TogetherImageModel;
  /** @default 'cheap' (FLUX.1 schnell at about $0.003 per megapixel) */
  tier?: Tier;
  /** Most images asked for in one request; larger `n` is split. @default 4 */
  maxImagesPerCall?: number;
  /** Price overrides by model id, merged over the built-in table (per image or per megapixel). */
  prices?: Record<string, Price>;
}

/**
 * Together AI images (`POST /images/generations`): FLUX and the other image models Together serves,
 * synchronously. Images are asked for as base64; URL results (`response_format: 'url'`) are downloaded at once.
 *
 * @example
 * const px = createPixmux({ providers: [together()] }); // reads TOGETHER_API_KEY
 * const { images } = await px.generate({ prompt: 'a lighthouse at dusk', size: '1024x768' });
 * @see https://docs.together.ai/reference/post-images-generations
 */
export function together(options: TogetherOptions = {}): Provider {
  const id = options.id ?? 'together';
  const apiKey = resolveApiKey(options.apiKey, 'TOGETHER_API_KEY');
  const defaultModel = options.model ?? DEFAULT_TOGETHER_MODEL;
  const prices: Record<string, Price> = { ...DEFAULT_PRICES, ...options.prices };
  const maxImagesPerCall = options.maxImagesPerCall ?? 4;
  if (!Number.isInteger(maxImagesPerCall) || maxImagesPerCall < 1) {
    throw pixmuxError('invalid_request', `${id}: maxImagesPerCall must be a whole number of at least 1 (got ${maxImagesPerCall})`);
  }

  function estimate(model: string, images: number, size: { width: number; height: number }): number | undefined {
    const price = lookupPrice(prices, model);
    return price ? priceToUsd(price, { images, megapixels: (size.width * size.height) / 1_000_000 }) : undefined;
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? defaultModel;
    const body = generationBody(request, model, context);
    const response = await context.http.post('images/generations', { json: body });
    const parsed = await parseJsonResponse(response, imageResponseSchema, id);
    const images = await Promise.all(parsed.data.map((item) => readResultImage(item, context)));
    if (images.length < request.n) context.warn(`${id}: asked for ${request.n} images, the model returned ${images.length}`);
    const costUsd = estimate(model, images.length, { width: body.width, height: body.height });
    return { images, model, ...(costUsd !== undefined ? { costUsd } : {}), ...(parsed.id ? { metadata: { generationId: parsed.id } } : {}) };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall,
    identity: { model: defaultModel },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? TOGETHER_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapTogetherError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    supports: (operation) => (operation === 'generate' ? true : `${id} only generates images`),
    price: (_operation, request) => {
      const generateRequest = request as NormalizedGenerateRequest;
      return estimate(generateRequest.model ?? defaultModel, generateRequest.n, sizeFor(generateRequest));
    },
  });
}

export default together;
