import {
  base64ToBytes,
  defineProvider,
  pixmuxError,
  priceToUsd,
  type NormalizedGenerateRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderImage,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import type { ImageModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import { errorFromAiSdk } from './errors.js';
import { SUPPORTED_SPECIFICATION_VERSIONS, type AiSdkImageModel } from './spec.js';
import { warningFromAiSdk } from './warnings.js';

export interface FromAiSdkOptions {
  /** The provider's id in the client; set it when you wrap two models of one vendor. @default the model's provider name before its first '.' (`'openai'` for `'openai.image'`) */
  id?: string;
  /** Where the provider sits in the fallback order. @default 'cheap' */
  tier?: Tier;
  /**
   * What one image costs: dollars (`0.04`) or a `Price` (`{ perMegapixel: 0.003 }`). Budgets reserve it before the
   * call and bill it for each image returned. Without it the provider is unpriced: passed over under any cost limit
   * unless `budget.allowUnpriced` is set. @default undefined (unpriced)
   */
  price?: number | Price;
  /** Most images one `doGenerate` call is asked for; larger `n` is split. @default the model's `maxImagesPerCall`, else 1 (the AI SDK's own default) */
  maxImagesPerCall?: number;
  /** Most calls in flight at this provider. @default 8 */
  maxConcurrency?: number;
  /** Headers sent with every call, passed to `doGenerate` (HTTP-based models add them to their request). @default none */
  headers?: Record<string, string>;
  /** AI SDK provider options sent with every call, keyed by the AI SDK provider (`{ openai: { quality: 'high' } }`); a call's own options are merged over them. @default none */
  providerOptions?: SharedV4ProviderOptions;
  /** The key a call's `providerOptions[<this provider's id>]` is sent under. @default the model's provider name before its first '.' */
  providerOptionsKey?: string;
  /** False when the model has no credentials, so the policy passes it over instead of calling it. @default () => true */
  hasCredentials?: () => boolean;
  /** Credentials to scrub from errors, events and logs (the model's API key, when the AI SDK provider was given one). @default none */
  secrets?: readonly string[];
}

/** The most images a pixmux call asks for, and so the most a model's own limit needs to allow. */
const MAX_N = 10;

/**
 * Turns an AI SDK image model (`@ai-sdk/openai`, `@ai-sdk/fal`, `@ai-sdk/google`, …; image model specification v4,
 * v3 or v2) into a pixmux provider for `generate`, so it gains pixmux's fallback, budgets and cache. The request's
 * prompt, `n`, size, aspect ratio and seed go to `doGenerate`; so do the call's abort signal, this provider's
 * `providerOptions` (sent under the AI SDK provider's key) and `headers`. The model's warnings become the result's
 * warnings, its errors pixmux errors the policy retries and falls back on.
 *
 * @example
 * import { openai as aiSdkOpenAI } from '@ai-sdk/openai';
 * import { fromAiSdk } from 'pixmux/ai-sdk';
 * const px = createPixmux({ providers: [...providers, fromAiSdk(aiSdkOpenAI.image('gpt-image-2'), { tier: 'premium', price: 0.07 })] });
 * const { images, provider } = await px.generate({ prompt: 'a watercolour fox', providerOptions: { openai: { quality: 'high' } } });
 */
export function fromAiSdk(model: AiSdkImageModel, options: FromAiSdkOptions = {}): Provider {
  assertImageModel(model);
  const vendor = model.provider.split('.')[0] || model.provider;
  const id = options.id ?? vendor;
  const optionsKey = options.providerOptionsKey ?? vendor;
  const price = typeof options.price === 'number' ? ({ perImage: options.price } satisfies Price) : options.price;
  if (price !== undefined && !isPrice(price)) throw pixmuxError('invalid_request', `fromAiSdk(${id}): price must be dollars per image or a Price`);
  const declaredLimit = options.maxImagesPerCall ?? (typeof model.maxImagesPerCall === 'number' ? model.maxImagesPerCall : undefined);

  /** The model's limit: declared, else asked of the model (a function may depend on the model id), else 1. */
  async function imagesPerCall(): Promise<number> {
    if (declaredLimit !== undefined) return declaredLimit;
    const limit = typeof model.maxImagesPerCall === 'function' ? await model.maxImagesPerCall({ modelId: model.modelId }) : undefined;
    return typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 ? limit : 1;
  }

  function callProviderOptions(request: NormalizedGenerateRequest): SharedV4ProviderOptions {
    const fixed = options.providerOptions ?? {};
    if (Object.keys(request.providerOptions).length === 0) return fixed;
    return { ...fixed, [optionsKey]: { ...fixed[optionsKey], ...(request.providerOptions as SharedV4ProviderOptions[string]) } };
  }

  /** One `doGenerate` for `n` images; `before` images of this request came earlier, so the seed moves past them. */
  async function callModel(request: NormalizedGenerateRequest, n: number, before: number, context: ProviderContext) {
    try {
      // v2 and v3 take the same call options (v2 has no files or mask), and answer in v4's shape less newer fields.
      return await (model as ImageModelV4).doGenerate({
        prompt: request.prompt,
        n,
        size: request.size ? `${request.size.width}x${request.size.height}` : undefined,
        aspectRatio: request.size ? undefined : (request.aspectRatio as `${number}:${number}` | undefined),
        // Like the policy's own chunks: seed + the images before, so repeated calls do not repeat an image.
        seed: request.seed === undefined ? undefined : request.seed + before,
        files: undefined,
        mask: undefined,
        providerOptions: callProviderOptions(request),
        abortSignal: context.signal,
        headers: options.headers,
      });
    } catch (error) {
      throw errorFromAiSdk(error, id);
    }
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    if (request.negativePrompt) context.warn(`${id}: AI SDK image models take no negative prompt; negativePrompt was not sent`);
    const limit = await imagesPerCall();
    const images: ProviderImage[] = [];
    const warnings: string[] = [];
    let ranModel: string | undefined;
    const metadata: Record<string, unknown> = {};
    // The policy already splits `n` by a numeric limit; a limit the model computes per call is honoured here.
    for (let left = request.n; left > 0; left -= limit) {
      const result = await callModel(request, Math.min(left, limit), request.n - left, context);
      warnings.push(...(result.warnings ?? []).map((warning) => warningFromAiSdk(warning, id)));
      if (!Array.isArray(result.images) || result.images.length === 0) {
        throw pixmuxError('bad_response', `${id} returned no images`, { provider: id, retryable: result.isRetryable === true });
      }
      images.push(...result.images.map(toImage));
      ranModel = result.response?.modelId ?? ranModel;
      if (result.providerMetadata) metadata.providerMetadata = result.providerMetadata;
      if (result.usage) metadata.usage = result.usage;
    }
    return {
      images,
      model: ranModel ?? model.modelId,
      ...(price ? { costUsd: priceToUsd(price, { images: images.length, megapixels: megapixelsOf(request) }) } : {}),
      warnings,
      metadata,
    };
  }

  /** Base64 or bytes; the core recognises the type (and reports bytes that are no image as a `bad_response`). */
  function toImage(data: string | Uint8Array): ProviderImage {
    const bytes = typeof data === 'string' ? base64ToBytes(data) : data;
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw pixmuxError('bad_response', `${id} returned an image that is not valid base64`, { provider: id });
    return { bytes };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    // A limit the model computes per call is applied inside `generate`; the policy then sends up to pixmux's most.
    maxImagesPerCall: declaredLimit ?? (typeof model.maxImagesPerCall === 'function' ? MAX_N : 1),
    identity: { aiSdk: model.provider, model: model.modelId, ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}) },
    hasCredentials: options.hasCredentials,
    secrets: options.secrets,
    http: { headers: options.headers },
    operations: { generate },
    supports: (operation, request) => {
      if (operation !== 'generate') return `${id} only generates images (an AI SDK image model)`;
      const wanted = (request as NormalizedGenerateRequest).model;
      if (wanted !== undefined && wanted !== model.modelId) return `${id} runs ${model.modelId} only; wrap ${wanted} in its own fromAiSdk provider`;
      return true;
    },
    price: price ? (_operation, request) => priceToUsd(price, { images: (request as NormalizedGenerateRequest).n, megapixels: megapixelsOf(request as NormalizedGenerateRequest) }) : undefined,
  });
}

function megapixelsOf(request: NormalizedGenerateRequest): number | undefined {
  return request.size ? (request.size.width * request.size.height) / 1e6 : undefined;
}

function assertImageModel(model: unknown): asserts model is AiSdkImageModel {
  const candidate = model as Partial<AiSdkImageModel> | null | undefined;
  const version = typeof candidate === 'object' && candidate !== null ? candidate.specificationVersion : undefined;
  if (!(SUPPORTED_SPECIFICATION_VERSIONS as readonly unknown[]).includes(version) || typeof candidate?.doGenerate !== 'function' || typeof candidate.provider !== 'string' || typeof candidate.modelId !== 'string') {
    const got = version === undefined ? '' : ` (got specification ${JSON.stringify(version)})`;
    throw pixmuxError('invalid_request', `fromAiSdk: expected an AI SDK image model of specification ${SUPPORTED_SPECIFICATION_VERSIONS.join(', ')}${got}`);
  }
}

function isPrice(value: unknown): value is Price {
  if (typeof value !== 'object' || value === null) return false;
  const amounts = ['perImage', 'perMegapixel', 'perSecond'].map((key) => (value as Record<string, unknown>)[key]).filter((item) => item !== undefined);
  return amounts.length === 1 && typeof amounts[0] === 'number' && Number.isFinite(amounts[0]) && amounts[0] >= 0;
}
