import {
  defineProvider,
  parseJsonResponse,
  parseWith,
  pixmuxError,
  priceToUsd,
  readResultImage,
  resolveApiKey,
  readEnv,
  type CommonProviderOptions,
  type Tier,
  type NormalizedGenerateRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  readProviderOptions,
} from 'pixmux';
import { imagesResponseSchema, type ImagesGenerationBody } from './api.js';
import { mapOpenAIError } from './errors.js';
import { findOpenAIPrice, pricedQuality } from './prices.js';
import { openaiProviderOptionsSchema, RESERVED_FIELDS } from './provider-options.js';
import { megapixelsOf, sizeForModel } from './size.js';

export type { OpenAIProviderOptions } from './provider-options.js';
export { OPENAI_PRICES } from './prices.js';

/** Model ids with a known shape; any other string is accepted too. */
export type OpenAIImageModel = 'gpt-image-2' | 'gpt-image-2-2026-04-21' | 'gpt-image-1.5' | 'gpt-image-1-mini' | 'gpt-image-1' | (string & {});

/**
 * The current default. gpt-image-1 shut down on 2026-10-23; gpt-image-1-mini and gpt-image-1.5 shut down on
 * 2026-12-01 (OpenAI deprecations page). Set `model` when OpenAI names a successor.
 */
export const DEFAULT_OPENAI_MODEL = 'gpt-image-2';

export interface OpenAIOptions extends CommonProviderOptions {
  /** @default 'openai' */
  id?: string;
  /** @default process.env.OPENAI_API_KEY */
  apiKey?: string;
  /** @default 'https://api.openai.com/v1' */
  baseURL?: string;
  /** The model sent with every call that does not name one; always sent (OpenAI's own default is a retired model). @default 'gpt-image-2' */
  model?: OpenAIImageModel;
  /** Sent as `OpenAI-Organization`. @default process.env.OPENAI_ORG_ID */
  organization?: string;
  /** Sent as `OpenAI-Project`. @default process.env.OPENAI_PROJECT_ID */
  project?: string;
  /** GPT-image models are premium in price and quality. @default 'premium' */
  tier?: Tier;
  /** Most images asked for in one request (OpenAI allows 10); larger `n` is split. Keeps each request well inside the request timeout. @default 4 */
  maxImagesPerCall?: number;
  /** Price overrides: `'gpt-image-2'`, `'gpt-image-2:low'`, `'gpt-image-1:high:1536x1024'`, `'default'`. @default OPENAI_PRICES */
  prices?: Record<string, Price>;
}

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * OpenAI Images (`POST /images/generations`) with the GPT-image models: sizes, quality, transparent
 * backgrounds and output formats. Images come back as base64, so no download is needed.
 *
 * @example
 * const px = createPixmux({ providers: [openai()] });
 * const { images, costUsd } = await px.generate({ prompt: 'a watercolour fox', size: '1536x1024' });
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
export function openai(options: OpenAIOptions = {}): Provider {
  const id = options.id ?? 'openai';
  const apiKey = resolveApiKey(options.apiKey, 'OPENAI_API_KEY');
  const organization = options.organization ?? readEnv('OPENAI_ORG_ID');
  const project = options.project ?? readEnv('OPENAI_PROJECT_ID');
  const defaultModel = options.model ?? DEFAULT_OPENAI_MODEL;
  const overrides = options.prices ?? {};
  const maxImagesPerCall = options.maxImagesPerCall ?? 4;
  if (!Number.isInteger(maxImagesPerCall) || maxImagesPerCall < 1 || maxImagesPerCall > 10) {
    throw pixmuxError('invalid_request', `${id}: maxImagesPerCall must be a whole number from 1 to 10 (got ${maxImagesPerCall})`);
  }

  function buildBody(request: NormalizedGenerateRequest, context: ProviderContext): ImagesGenerationBody {
    const model = request.model ?? defaultModel;
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: openaiProviderOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    const body: ImagesGenerationBody = { model, prompt: request.prompt, n: request.n, output_format: request.format, ...extras };
    const size = sizeForModel(request, model);
    if (size.unsupported) throw pixmuxError('unsupported', `${id}: ${size.unsupported}`, { provider: id });
    if (size.value) body.size = size.value;
    if (size.warning) context.warn(`${id}: ${size.warning}`);
    if (body.background === 'transparent' && body.output_format === 'jpeg') {
      throw pixmuxError('invalid_request', `${id}: background 'transparent' needs format 'png' or 'webp', not 'jpeg'`, { provider: id });
    }
    if (body.output_compression !== undefined && body.output_format === 'png') {
      context.warn(`${id}: output_compression applies to jpeg and webp only; not sent for png`);
      delete body.output_compression;
    }
    if (request.seed !== undefined) context.warn(`${id}: OpenAI images take no seed; seed ${request.seed} was not sent`);
    if (request.negativePrompt) context.warn(`${id}: OpenAI images take no negative prompt; negativePrompt was not sent`);
    return body;
  }


  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const body = buildBody(request, context);
    const response = await context.http.post('images/generations', { json: body });
    const parsed = await parseJsonResponse(response, imagesResponseSchema, id);
    const images = await Promise.all(parsed.data.map((item) => readResultImage(item, context)));
    // The response says what actually ran when the request said `auto`; price that.
    const quality = pricedQuality(parsed.quality ?? body.quality);
    const size = parsed.size ?? body.size;
    const price = findOpenAIPrice(overrides, body.model, quality, size ?? undefined);
    return {
      images,
      model: body.model,
      ...(price ? { costUsd: priceToUsd(price, { images: images.length, megapixels: megapixelsOf(size) }) } : {}),
      metadata: {
        ...(parsed.quality ? { quality: parsed.quality } : {}),
        ...(parsed.size ? { size: parsed.size } : {}),
        ...(parsed.usage ? { usage: parsed.usage } : {}),
        ...(parsed.data[0]?.revised_prompt ? { revisedPrompt: parsed.data[0].revised_prompt } : {}),
      },
    };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'premium',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall,
    identity: { model: defaultModel },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, ''),
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(organization ? { 'openai-organization': organization } : {}),
        ...(project ? { 'openai-project': project } : {}),
        ...options.headers,
      },
      fetch: options.fetch,
      mapError: mapOpenAIError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    supports: (operation, request) => {
      if (operation !== 'generate') return `${id} only generates images`;
      const generateRequest = request as NormalizedGenerateRequest;
      const model = generateRequest.model ?? defaultModel;
      return sizeForModel(generateRequest, model).unsupported ?? true;
    },
    price: (_operation, request) => {
      const generateRequest = request as NormalizedGenerateRequest;
      const model = generateRequest.model ?? defaultModel;
      const extras = parseWith(openaiProviderOptionsSchema.catch({}), generateRequest.providerOptions ?? {}, id);
      const size = sizeForModel(generateRequest, model).value;
      const price = findOpenAIPrice(overrides, model, pricedQuality(extras.quality), size);
      return price ? priceToUsd(price, { images: generateRequest.n, megapixels: megapixelsOf(size) }) : undefined;
    },
  });
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

export default openai;
