import {
  urlOnOrigin,
  DEFAULT_REQUEST_TIMEOUT_MS,
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  pollJob,
  priceToUsd,
  secondsBound,
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
import { isTerminal, predictionSchema, type OfficialPredictionBody, type Prediction, type VersionPredictionBody } from './api.js';
import { mapReplicateError, predictionError } from './errors.js';
import { generateInput, imageInput } from './input.js';
import { DEFAULT_MODELS, parseModel, type ModelRef } from './models.js';
import { fetchOutput, outputUrls } from './output.js';
import { DEFAULT_PRICES } from './prices.js';

/** Outputs one prediction is asked for; more images are split into several predictions. */
const MAX_IMAGES_PER_CALL = 4;

export { DEFAULT_MODELS as REPLICATE_DEFAULT_MODELS } from './models.js';
export { DEFAULT_PRICES as REPLICATE_DEFAULT_PRICES, HARDWARE_USD_PER_SECOND as REPLICATE_HARDWARE_USD_PER_SECOND } from './prices.js';

export const REPLICATE_BASE_URL = 'https://api.replicate.com/v1';

/** Polling settings for predictions that outlive `Prefer: wait`. */
export type ReplicatePolling = PollSettings;

/** Per-call options, passed as `providerOptions: { replicate: { … } }`: fields merged into the model's `input` as they are. */
export type ReplicateProviderOptions = Record<string, unknown>;

export interface ReplicateOptions extends CommonProviderOptions {
  /** @default 'replicate' */
  id?: string;
  /** API token. @default process.env.REPLICATE_API_TOKEN */
  apiKey?: string;
  /** @default 'https://api.replicate.com/v1' */
  baseURL?: string;
  /** @default 'cheap' (flux-schnell-class generation, background removal and face restoration) */
  tier?: Tier;
  /**
   * Model per operation: `owner/name` runs an official model (`POST /models/{owner}/{name}/predictions`),
   * `owner/name:<version>` or a bare version id runs that version (`POST /predictions`). A call's `model` overrides.
   * @default { generate: 'black-forest-labs/flux-schnell', removeBackground: '851-labs/background-remover:a029dff…', restoreFace: 'tencentarc/gfpgan:9283608…' }
   */
  models?: Partial<Record<Operation, string>>;
  /**
   * Longest `Prefer: wait` in seconds (1–60): Replicate holds the create request open until the prediction
   * finishes, then pixmux polls. Always kept inside the call's remaining deadline; 0 turns it off.
   * @default 60
   */
  waitSeconds?: number;
  /** Polling backoff after the wait. @default { initialDelayMs: 250, maxDelayMs: 2000, factor: 1.5, cancelTimeoutMs: 3000 } */
  polling?: ReplicatePolling;
  /** Price overrides by model id (`owner/name`), merged over the built-in table (per image or per hardware-second). */
  prices?: Record<string, Price>;
}

/**
 * Replicate: any model on replicate.com, run as a prediction (`Prefer: wait`, then polling `urls.get`;
 * cancelled through `urls.cancel` when the call's deadline passes or the caller aborts).
 * Input images are sent as data URLs; results are downloaded at once (Replicate deletes them after an hour).
 *
 * @example
 * const px = createPixmux({ providers: [replicate()] }); // reads REPLICATE_API_TOKEN
 * @see https://replicate.com/docs/reference/http
 */
export function replicate(options: ReplicateOptions = {}): Provider {
  const id = options.id ?? 'replicate';
  const apiKey = resolveApiKey(options.apiKey, 'REPLICATE_API_TOKEN');
  const baseURL = (options.baseURL ?? REPLICATE_BASE_URL).replace(/\/+$/, '');
  const models: Record<Operation, string> = { ...DEFAULT_MODELS, ...options.models };
  const prices: Record<string, Price> = { ...DEFAULT_PRICES, ...options.prices };
  /** Longest billed seconds per output image seen per model: the bound time-billed calls reserve. */
  const longestSecondsPerImage = new Map<string, number>();
  const headers = { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...options.headers };
  const maxWaitSeconds = Math.max(0, Math.min(60, Math.floor(options.waitSeconds ?? 60)));

  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  /**
   * `Prefer: wait=N` with N inside the deadline and the request timeout (leaving 2 s to read the reply), or none:
   * a create request cut off while waiting would leave a prediction running that pixmux cannot cancel.
   */
  function preferWait(context: ProviderContext): string | undefined {
    const seconds = Math.min(maxWaitSeconds, Math.floor((Math.min(context.remainingMs(), requestTimeoutMs) - 2_000) / 1000));
    return seconds >= 1 ? `wait=${seconds}` : undefined;
  }

  async function predict(ref: ModelRef, input: Record<string, unknown>, context: ProviderContext): Promise<Prediction> {
    const path = ref.kind === 'official' ? `models/${ref.owner}/${ref.name}/predictions` : 'predictions';
    const body: OfficialPredictionBody | VersionPredictionBody = ref.kind === 'official' ? { input } : { version: ref.version, input };
    const prefer = preferWait(context);
    const response = await context.http.post(path, { json: body, ...(prefer ? { headers: { prefer } } : {}) });
    const created = await parseJsonResponse(response, predictionSchema, id);
    const finished = isTerminal(created.status) ? created : await follow(created, context);
    if (finished.status !== 'succeeded') throw predictionError(finished, id);
    return finished;
  }

  /** Polls a running prediction; cancels it when the call gives up. */
  function follow(created: Prediction, context: ProviderContext): Promise<Prediction> {
    const own = `${baseURL}/predictions/${encodeURIComponent(created.id)}`;
    const getUrl = urlOnOrigin(created.urls?.get, baseURL) ?? own;
    const cancelUrl = urlOnOrigin(created.urls?.cancel, baseURL) ?? `${own}/cancel`;
    return pollJob<Prediction>({
      ...options.polling,
      provider: id,
      signal: context.signal,
      remainingMs: context.remainingMs,
      check: async (signal) => {
        const response = await context.http.get(getUrl, { prefixUrl: '', signal });
        const prediction = await parseJsonResponse(response, predictionSchema, id);
        if (prediction.id !== created.id) context.logger.warn(`${id}: polled ${created.id} but got ${prediction.id}`);
        return isTerminal(prediction.status) ? { done: true, value: prediction } : { done: false };
      },
      cancel: (signal) => context.cleanupHttp.post(cancelUrl, { prefixUrl: '', signal }),
    });
  }

  async function settle(ref: ModelRef, prediction: Prediction, context: ProviderContext, wanted: number): Promise<ProviderResult> {
    const urls = outputUrls(prediction.output, id);
    const images = await Promise.all(urls.map((url) => fetchOutput(url, context)));
    if (images.length < wanted) context.warn(`${id}: asked for ${wanted} images, the model returned ${images.length}`);
    const model = ref.kind === 'version' && !ref.owner ? (prediction.model ?? ref.id) : ref.id;
    const costUsd = billedCost(model, images.length, prediction.metrics?.predict_time);
    return { images, model, ...(costUsd !== undefined ? { costUsd } : {}), metadata: { predictionId: prediction.id, ...(prediction.metrics?.predict_time !== undefined ? { predictTimeSeconds: prediction.metrics.predict_time } : {}) } };
  }

  /** Per-image models bill per output; community models bill `predict_time` × their hardware rate. */
  function billedCost(model: string, images: number, predictTime: number | undefined): number | undefined {
    const price = lookupPrice(prices, model);
    if (!price) return undefined;
    if ('perSecond' in price) {
      if (predictTime === undefined) return undefined;
      const perImage = predictTime / Math.max(1, images);
      longestSecondsPerImage.set(model, Math.max(longestSecondsPerImage.get(model) ?? 0, perImage));
      return priceToUsd(price, { images, seconds: predictTime });
    }
    return priceToUsd(price, { images });
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const ref = parseModel(request.model ?? models.generate, id);
    const prediction = await predict(ref, generateInput(request, context), context);
    return settle(ref, prediction, context, request.n);
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const spec = request.model ?? models.removeBackground;
    const ref = parseModel(spec, id);
    const input = { ...imageInput(spec, request.image, context), ...request.providerOptions };
    return settle(ref, await predict(ref, input, context), context, 1);
  }

  async function restoreFace(request: NormalizedRestoreFaceRequest, context: ProviderContext): Promise<ProviderResult> {
    const spec = request.model ?? models.restoreFace;
    const ref = parseModel(spec, id);
    const input = { ...imageInput(spec, request.image, context, request), ...request.providerOptions };
    return settle(ref, await predict(ref, input, context), context, 1);
  }

  function modelFor(operation: Operation, model: string | undefined): string {
    return model ?? models[operation];
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall: MAX_IMAGES_PER_CALL,
    identity: { models },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL,
      headers,
      fetch: options.fetch,
      mapError: mapReplicateError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate, removeBackground, restoreFace },
    supports: (operation, request) => {
      try {
        parseModel(modelFor(operation, request.model), id);
        return true;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    price: (operation, request, context) => {
      const spec = modelFor(operation, request.model);
      let ref: ModelRef;
      try {
        ref = parseModel(spec, id);
      } catch {
        return undefined;
      }
      const price = lookupPrice(prices, ref.id);
      if (!price) return undefined;
      const images = operation === 'generate' ? (request as NormalizedGenerateRequest).n : 1;
      if (!('perSecond' in price)) return priceToUsd(price, { images });
      // Billed by run time: reserve the longest run this can be, not the typical one.
      const seconds = secondsBound(price, images, { runs: Math.ceil(images / MAX_IMAGES_PER_CALL), remainingMs: context?.remainingMs, longestSecondsPerImage: longestSecondsPerImage.get(ref.id) });
      return priceToUsd(price, { images, seconds });
    },
  });
}

export default replicate;
