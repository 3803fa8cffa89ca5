import {
  base64ToBytes,
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  pixmuxError,
  priceToUsd,
  readImageResponse,
  resolveApiKey,
  type CommonProviderOptions,
  type Tier,
  type NormalizedGenerateRequest,
  type NormalizedRemoveBackgroundRequest,
  type Operation,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  readProviderOptions,
} from 'pixmux';
import { imageJsonResponseSchema, type GenerateForm } from './api.js';
import { aspectRatioFor } from './aspect-ratio.js';
import { mapStabilityError } from './errors.js';
import { DEFAULT_STABILITY_MODEL, defaultTier, generatePath, ignoresNegativePrompt, REMOVE_BACKGROUND_MODEL, type StabilityModel } from './models.js';
import { STABILITY_PRICES } from './prices.js';
import { RESERVED_FIELDS, stabilityProviderOptionsSchema } from './provider-options.js';

export type { StabilityProviderOptions } from './provider-options.js';
export { STABILITY_PRICES } from './prices.js';
export { DEFAULT_STABILITY_MODEL, type StabilityModel } from './models.js';

export const STABILITY_BASE_URL = 'https://api.stability.ai';

/** Largest seed Stability accepts (0 means random). */
const MAX_SEED = 4_294_967_294;

/** Input limits of `edit/remove-background` from Stability's API reference: 64 px sides, 4,096 to 4,194,304 pixels. */
const REMOVE_BACKGROUND_LIMITS = { minSide: 64, maxPixels: 4_194_304, mediaTypes: ['image/jpeg', 'image/png', 'image/webp'] } as const;

export interface StabilityOptions extends CommonProviderOptions {
  /** @default 'stability' */
  id?: string;
  /** @default process.env.STABILITY_API_KEY */
  apiKey?: string;
  /** @default 'https://api.stability.ai' */
  baseURL?: string;
  /** The generate model when a call names none: `core`, `ultra`, or an `sd3*` id (`sd3.5-large`, `sd3.5-large-turbo`, `sd3.5-medium`). @default 'core' */
  model?: StabilityModel;
  /** @default 'premium' for ultra and sd3.5-large, 'cheap' otherwise (core at $0.03 sits nearer the cheap APIs) */
  tier?: Tier;
  /** How Stability answers: the image itself (`accept: image/*`) or base64 JSON. @default 'image' */
  responseFormat?: 'image' | 'json';
  /** Price overrides by model id (`core`, `ultra`, `sd3.5-large`, `remove-background`, `default`). @default STABILITY_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Stability AI's REST v2beta: `generate` with Stable Image Core, Ultra or SD3.5 (multipart, one image per
 * request) and `removeBackground` with `edit/remove-background`.
 *
 * @example
 * const px = createPixmux({ providers: [stability({ model: 'ultra' })] });
 * const { images } = await px.generate({ prompt: 'a lighthouse at dusk', aspectRatio: '16:9' });
 * @see https://platform.stability.ai/docs/api-reference
 */
export function stability(options: StabilityOptions = {}): Provider {
  const id = options.id ?? 'stability';
  const apiKey = resolveApiKey(options.apiKey, 'STABILITY_API_KEY');
  const defaultModel = options.model ?? DEFAULT_STABILITY_MODEL;
  const prices = { ...STABILITY_PRICES, ...options.prices };
  const responseFormat = options.responseFormat ?? 'image';
  const accept = responseFormat === 'json' ? 'application/json' : 'image/*';

  function buildGenerateForm(request: NormalizedGenerateRequest, model: string, context: ProviderContext): GenerateForm {
    const form: GenerateForm = { prompt: request.prompt, output_format: request.format };
    const ratio = aspectRatioFor(request);
    if (ratio.value) form.aspect_ratio = ratio.value;
    if (ratio.warning) context.warn(`${id}: ${ratio.warning}`);
    if (request.negativePrompt) {
      if (ignoresNegativePrompt(model)) context.warn(`${id}: ${model} does not honour negative prompts; negativePrompt was not sent`);
      else form.negative_prompt = request.negativePrompt;
    }
    if (request.seed !== undefined) {
      if (request.seed >= 0 && request.seed <= MAX_SEED) form.seed = request.seed;
      else context.warn(`${id}: seed must be 0–${MAX_SEED}; seed ${request.seed} was not sent`);
    }
    if (generatePath(model)?.endsWith('/sd3')) form.model = model;
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: stabilityProviderOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    if (extras.style_preset !== undefined && form.model) {
      context.warn(`${id}: style_preset applies to core and ultra only; not sent to ${model}`);
      delete extras.style_preset;
    }
    return { ...form, ...extras };
  }


  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? defaultModel;
    const path = generatePath(model);
    if (!path) throw pixmuxError('unsupported', `${id}: unknown model "${model}" (core, ultra or an sd3* id)`, { provider: id });
    const fields = buildGenerateForm(request, model, context);
    const result = await post(path, toFormData(fields), context);
    return { ...result, model, ...costOf(model) };
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    if (request.model && request.model !== REMOVE_BACKGROUND_MODEL) context.warn(`${id}: background removal has one model; model "${request.model}" ignored`);
    let outputFormat: 'png' | 'webp' = 'png';
    if (request.format === 'webp') outputFormat = 'webp';
    else if (request.format === 'jpeg') context.warn(`${id}: remove-background returns png or webp (jpeg has no transparency); returning png`);
    const form = new FormData();
    form.append('image', new Blob([request.image.bytes as Uint8Array<ArrayBuffer>], { type: request.image.mediaType }), `image.${extensionOf(request.image.mediaType)}`);
    form.append('output_format', outputFormat);
    const result = await post('v2beta/stable-image/edit/remove-background', form, context);
    return { ...result, model: REMOVE_BACKGROUND_MODEL, ...costOf(REMOVE_BACKGROUND_MODEL) };
  }

  /** Posts a form and reads either answer shape; a filtered result is a `content_policy` failure, never a success. */
  async function post(path: string, form: FormData, context: ProviderContext): Promise<Pick<ProviderResult, 'images' | 'metadata'>> {
    const response = await context.http.post(path, { body: form, headers: { accept } });
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    if (isJson) {
      const parsed = await parseJsonResponse(response, imageJsonResponseSchema, id);
      assertNotFiltered(parsed.finish_reason);
      const bytes = base64ToBytes(parsed.image);
      if (!bytes) throw pixmuxError('bad_response', `${id} returned an image that is not valid base64`, { provider: id });
      return { images: [{ bytes }], metadata: metadataOf(parsed.seed, response) };
    }
    assertNotFiltered(response.headers.get('finish-reason'));
    const image = await readImageResponse(response, id);
    const seed = response.headers.get('seed');
    return { images: [{ bytes: image.bytes, ...(image.mediaType ? { mediaType: image.mediaType } : {}) }], metadata: metadataOf(seed === null ? undefined : Number(seed), response) };
  }

  function assertNotFiltered(finishReason: string | null | undefined) {
    if (finishReason === 'CONTENT_FILTERED') throw pixmuxError('content_policy', `${id}: the result was filtered by Stability's content moderation (finish-reason CONTENT_FILTERED)`, { provider: id, vendorCode: 'CONTENT_FILTERED' });
    if (finishReason === 'ERROR') throw pixmuxError('provider_error', `${id}: generation failed (finish-reason ERROR)`, { provider: id, retryable: true });
  }

  function metadataOf(seed: number | null | undefined, response: Response): Record<string, unknown> {
    const requestId = response.headers.get('x-request-id');
    return { ...(seed !== undefined && seed !== null && Number.isFinite(seed) ? { seed } : {}), ...(requestId ? { requestId } : {}) };
  }

  function costOf(model: string): { costUsd?: number } {
    const price = lookupPrice(prices, model);
    return price ? { costUsd: priceToUsd(price, { images: 1 }) } : {};
  }

  function supports(operation: Operation, request: NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest): true | string {
    if (operation === 'generate') {
      const model = request.model ?? defaultModel;
      return generatePath(model) ? true : `${id}: unknown model "${model}" (core, ultra or an sd3* id)`;
    }
    if (operation === 'removeBackground') {
      const { image } = request as NormalizedRemoveBackgroundRequest;
      const limits = REMOVE_BACKGROUND_LIMITS;
      if (!(limits.mediaTypes as readonly string[]).includes(image.mediaType)) return `${id}: remove-background takes jpeg, png or webp, not ${image.mediaType}`;
      if (Math.min(image.width, image.height) < limits.minSide) return `${id}: remove-background needs sides of at least ${limits.minSide} px (got ${image.width}x${image.height})`;
      if (image.width * image.height > limits.maxPixels) return `${id}: remove-background takes up to ${limits.maxPixels} pixels (got ${image.width}x${image.height})`;
      return true;
    }
    return `${id} does not offer ${operation}`;
  }

  return defineProvider({
    id,
    tier: options.tier ?? defaultTier(defaultModel),
    maxConcurrency: options.maxConcurrency,
    // Stability returns one image per request; the core splits n.
    maxImagesPerCall: 1,
    identity: { model: defaultModel },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? STABILITY_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapStabilityError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate, removeBackground },
    supports: (operation, request) => supports(operation, request as NormalizedGenerateRequest | NormalizedRemoveBackgroundRequest),
    price: (operation, request) => {
      const model = operation === 'removeBackground' ? REMOVE_BACKGROUND_MODEL : (request.model ?? defaultModel);
      const price = lookupPrice(prices, model);
      const images = operation === 'generate' ? (request as NormalizedGenerateRequest).n : 1;
      return price ? priceToUsd(price, { images }) : undefined;
    },
  });
}

function toFormData(fields: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    form.append(key, typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return form;
}

function extensionOf(mediaType: string): string {
  return mediaType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin';
}

export default stability;
