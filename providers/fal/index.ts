import {
  toDataUrl,
  urlOnOrigin,
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  parseWith,
  pollJob,
  priceToUsd,
  resolveApiKey,
  type CommonProviderOptions,
  type Tier,
  type NormalizedGenerateRequest,
  type NormalizedRemoveBackgroundRequest,
  type NormalizedRestoreFaceRequest,
  type Operation,
  type PollSettings,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
} from 'pixmux';
import { anyJsonSchema, imageResultSchema, queueStatusSchema, queueSubmitSchema, type FalFile } from './api.js';
import { mapFalError, queueError, resultError } from './errors.js';
import { generateInput, requestedPixels } from './input.js';
import { DEFAULT_MODELS, fidelityFieldFor, queueUrls } from './models.js';
import { fetchFile, resultFiles } from './output.js';
import { DEFAULT_PRICES } from './prices.js';

export { DEFAULT_MODELS as FAL_DEFAULT_MODELS } from './models.js';
export { DEFAULT_PRICES as FAL_DEFAULT_PRICES } from './prices.js';

export const FAL_QUEUE_URL = 'https://queue.fal.run';

/** Polling settings for queued requests. */
export type FalPolling = PollSettings;

/** Per-call options, passed as `providerOptions: { fal: { … } }`: fields merged into the model's input as they are. */
export type FalProviderOptions = Record<string, unknown>;

export interface FalOptions extends CommonProviderOptions {
  /** @default 'fal' */
  id?: string;
  /** API key, sent as `Authorization: Key …`. @default process.env.FAL_KEY */
  apiKey?: string;
  /** The queue host. @default 'https://queue.fal.run' */
  baseURL?: string;
  /** @default 'cheap' (flux-schnell-class generation, background removal and face restoration) */
  tier?: Tier;
  /**
   * Model id per operation (any fal endpoint id, subpath included); a call's `model` overrides.
   * @default { generate: 'fal-ai/flux/schnell', removeBackground: 'fal-ai/birefnet', restoreFace: 'fal-ai/codeformer' }
   */
  models?: Partial<Record<Operation, string>>;
  /** Polling backoff. @default { initialDelayMs: 250, maxDelayMs: 2000, factor: 1.5, cancelTimeoutMs: 3000 } */
  polling?: FalPolling;
  /** Price overrides by model id, merged over the built-in table (per image or per megapixel). */
  prices?: Record<string, Price>;
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9._-]+)*$/i;

/**
 * fal.ai: models run through fal's queue (submit, poll `status_url`, fetch `response_url`; `PUT cancel_url`
 * when the call's deadline passes or the caller aborts). Input images go as data URIs; results are downloaded at once.
 *
 * @example
 * const px = createPixmux({ providers: [fal()] }); // reads FAL_KEY
 * @see https://docs.fal.ai/model-endpoints/queue
 */
export function fal(options: FalOptions = {}): Provider {
  const id = options.id ?? 'fal';
  const apiKey = resolveApiKey(options.apiKey, 'FAL_KEY');
  const baseURL = (options.baseURL ?? FAL_QUEUE_URL).replace(/\/+$/, '');
  const models: Record<Operation, string> = { ...DEFAULT_MODELS, ...options.models };
  const prices: Record<string, Price> = { ...DEFAULT_PRICES, ...options.prices };
  const headers = { ...(apiKey ? { authorization: `Key ${apiKey}` } : {}), ...options.headers };

  /** Submits to the queue, follows the request to its end and returns the model's output. */
  async function run(model: string, input: Record<string, unknown>, context: ProviderContext) {
    const submitted = await parseJsonResponse(await context.http.post(model, { json: input }), queueSubmitSchema, id);
    const fallback = queueUrls(baseURL, model, submitted.request_id);
    const statusUrl = urlOnOrigin(submitted.status_url, baseURL) ?? fallback.status;
    const responseUrl = urlOnOrigin(submitted.response_url, baseURL) ?? fallback.response;
    const cancelUrl = urlOnOrigin(submitted.cancel_url, baseURL) ?? fallback.cancel;
    await pollJob<true>({
      ...options.polling,
      provider: id,
      signal: context.signal,
      remainingMs: context.remainingMs,
      check: async (signal) => {
        const status = await parseJsonResponse(await context.http.get(statusUrl, { prefixUrl: '', signal }), queueStatusSchema, id);
        if (status.status === 'COMPLETED') return { done: true, value: true };
        if (status.status === 'FAILED' || status.status === 'CANCELED') throw queueError(status.status, status.error, submitted.request_id, id);
        return { done: false };
      },
      cancel: (signal) => context.cleanupHttp.put(cancelUrl, { prefixUrl: '', signal }),
    });
    const body = await parseJsonResponse(await context.http.get(responseUrl, { prefixUrl: '' }), anyJsonSchema, id);
    const failure = resultError(body, id);
    if (failure) throw failure;
    return parseWith(imageResultSchema, body, id);
  }

  /**
   * Downloads the files and works out the billed cost: per image, or per megapixel of each file
   * (its reported size, else `pixelsOf(file)`).
   */
  async function settle(model: string, files: FalFile[], context: ProviderContext, pixelsOf: (file: FalFile) => number): Promise<ProviderResult> {
    const images = await Promise.all(files.map((file) => fetchFile(file, context)));
    const price = lookupPrice(prices, model);
    const pixels = files.reduce((total, file) => total + pixelsOf(file), 0);
    const costUsd = price ? priceToUsd(price, { images: files.length, megapixels: pixels / files.length / 1_000_000 }) : undefined;
    return { images, model, ...(costUsd !== undefined ? { costUsd } : {}) };
  }

  const reportedOr = (pixels: number) => (file: FalFile) => (file.width && file.height ? file.width * file.height : pixels);

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.generate;
    const result = await run(model, generateInput(request, context), context);
    const files = resultFiles(result, context);
    if (files.length < request.n && !result.has_nsfw_concepts?.includes(true)) context.warn(`${id}: asked for ${request.n} images, the model returned ${files.length}`);
    return settle(model, files, context, reportedOr(requestedPixels(request)));
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.removeBackground;
    const result = await run(model, { image_url: toDataUrl(request.image), ...request.providerOptions }, context);
    return settle(model, resultFiles(result, context), context, () => request.image.width * request.image.height);
  }

  async function restoreFace(request: NormalizedRestoreFaceRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.restoreFace;
    const input: Record<string, unknown> = { image_url: toDataUrl(request.image) };
    const field = fidelityFieldFor(model);
    if (field) input[field] = request.fidelity;
    else if (request.fidelity !== 0.5) context.warn(`${id}: ${model} has no fidelity setting; fidelity ${request.fidelity} was not sent`);
    const result = await run(model, { ...input, ...request.providerOptions }, context);
    // Counted on the input's size: the output is upscaled, and whether fal bills input or output megapixels is [unverified].
    return settle(model, resultFiles(result, context), context, () => request.image.width * request.image.height);
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall: 4,
    identity: { models },
    hasCredentials: () => Boolean(apiKey),
    http: { baseURL, headers, fetch: options.fetch, mapError: mapFalError, requestTimeoutMs: options.requestTimeoutMs },
    operations: { generate, removeBackground, restoreFace },
    supports: (operation, request) => {
      const model = request.model ?? models[operation];
      return MODEL_ID.test(model) ? true : `${id}: model must be a fal endpoint id like "fal-ai/flux/schnell" (got ${JSON.stringify(model)})`;
    },
    price: (operation, request) => {
      const model = request.model ?? models[operation];
      const price = lookupPrice(prices, model);
      if (!price) return undefined;
      if (operation === 'generate') {
        const generateRequest = request as NormalizedGenerateRequest;
        return priceToUsd(price, { images: generateRequest.n, megapixels: requestedPixels(generateRequest) / 1_000_000 });
      }
      const { image } = request as NormalizedRemoveBackgroundRequest;
      return priceToUsd(price, { images: 1, megapixels: (image.width * image.height) / 1_000_000 });
    },
  });
}

export default fal;
