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
} from 'pixmux';
import { imagesResponseSchema, type ImagesGenerationBody } from './api.js';
import { sizeForRequest } from './size.js';

export interface OpenAICompatibleOptions extends CommonProviderOptions {
  /** The server's API root, usually ending in `/v1`, e.g. `http://gpu-box:8000/v1`. */
  baseURL: string;
  /** The model sent with every request unless the call names another. */
  model: string;
  /** @default 'openai-compatible' */
  id?: string;
  /** Bearer token, if the server wants one. @default process.env.OPENAI_COMPATIBLE_API_KEY */
  apiKey?: string;
  /** The sizes the server accepts (`'1024x1024'`); a request is snapped to the nearest with a warning. @default any size */
  sizes?: string[];
  /** Most images the server returns for one request; larger `n` is split into bounded requests. @default 4 */
  maxImagesPerCall?: number;
  /** How the server returns images. @default 'b64_json' */
  responseFormat?: 'b64_json' | 'url';
  /**
   * Body field names for options outside the OpenAI schema that your server understands,
   * e.g. `{ seed: 'seed', negativePrompt: 'negative_prompt' }`. Without them those options become warnings.
   */
  fields?: { seed?: string; negativePrompt?: string };
  /** Price of one image, in USD, for budgets. @default { default: { perImage: 0 } } (your own hardware) */
  prices?: Record<string, Price>;
}

const DEFAULT_PRICES: Record<string, Price> = { default: { perImage: 0, source: 'self-hosted: set `prices` to your cost per image' } };

/** Per-call options, passed as `providerOptions: { '<id>': { … } }`: fields merged into the request body as they are (`quality`, `style`, …). */
export type OpenAICompatibleProviderOptions = Record<string, unknown>;

/**
 * Any server that speaks OpenAI's `POST /images/generations`: a team's own GPU box, LocalAI, a gateway.
 *
 * @example
 * const gpu = openaiCompatible({ baseURL: 'http://gpu-box:8000/v1', model: 'flux-schnell' });
 */
export function openaiCompatible(options: OpenAICompatibleOptions): Provider {
  if (!options?.baseURL) throw pixmuxError('invalid_request', 'openaiCompatible: baseURL is required (for example http://localhost:8000/v1)');
  if (!options.model) throw pixmuxError('invalid_request', 'openaiCompatible: model is required');
  const id = options.id ?? 'openai-compatible';
  const apiKey = resolveApiKey(options.apiKey, 'OPENAI_COMPATIBLE_API_KEY');
  const prices = { ...DEFAULT_PRICES, ...options.prices };
  const responseFormat = options.responseFormat ?? 'b64_json';

  function buildBody(request: NormalizedGenerateRequest, context: ProviderContext): ImagesGenerationBody {
    const body: ImagesGenerationBody = {
      model: request.model ?? options.model,
      prompt: request.prompt,
      n: request.n,
      response_format: responseFormat,
    };
    const size = sizeForRequest(request, options.sizes);
    if (size.value) body.size = size.value;
    if (size.warning) context.warn(size.warning);
    if (request.seed !== undefined) {
      if (options.fields?.seed) body[options.fields.seed] = request.seed;
      else context.warn(`${id}: seed is not part of the OpenAI images API; set fields.seed to send it`);
    }
    if (request.negativePrompt) {
      if (options.fields?.negativePrompt) body[options.fields.negativePrompt] = request.negativePrompt;
      else context.warn(`${id}: negativePrompt is not part of the OpenAI images API; set fields.negativePrompt to send it`);
    }
    return { ...body, ...request.providerOptions };
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const body = buildBody(request, context);
    const response = await context.http.post('images/generations', { json: body });
    const parsed = await parseJsonResponse(response, imagesResponseSchema, id);
    const images = await Promise.all(parsed.data.map((item) => readResultImage(item, context)));
    const price = lookupPrice(prices, body.model);
    return {
      images,
      model: body.model,
      ...(price ? { costUsd: priceToUsd(price, { images: images.length }) } : {}),
    };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall: options.maxImagesPerCall ?? 4,
    identity: { model: options.model, responseFormat, sizes: options.sizes, fields: options.fields },
    http: {
      baseURL: options.baseURL.replace(/\/+$/, ''),
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...options.headers },
      fetch: options.fetch,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    price: (_operation, request) => {
      const generateRequest = request as NormalizedGenerateRequest;
      const price = lookupPrice(prices, generateRequest.model ?? options.model);
      return price ? priceToUsd(price, { images: generateRequest.n }) : undefined;
    },
  });
}

export default openaiCompatible;
