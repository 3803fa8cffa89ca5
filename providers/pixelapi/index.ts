import {
  toDataUrl,
  defineProvider,
  lookupPrice,
  parseJsonResponse,
  pixmuxError,
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
import { jobId, jobSchema, jobState, type GenerateBody, type ImageBody, type Job } from './api.js';
import { jobError } from './errors.js';
import { DEFAULT_MODELS, ENDPOINT_NAME } from './models.js';
import { DEFAULT_PRICES, DEFAULT_USD_PER_CREDIT } from './prices.js';

export { DEFAULT_MODELS as PIXELAPI_DEFAULT_MODELS } from './models.js';
export { DEFAULT_PRICES as PIXELAPI_DEFAULT_PRICES } from './prices.js';

export const PIXELAPI_BASE_URL = 'https://api.pixelapi.dev';

/** PixelAPI asks for a custom, non-default User-Agent; bot-like defaults may be blocked. */
export const PIXELAPI_USER_AGENT = 'pixmux (+https://www.npmjs.com/package/pixmux)';

/** Polling settings for jobs. */
export type PixelApiPolling = Omit<PollSettings, 'cancelTimeoutMs'>;

/** Per-call options, passed as `providerOptions: { pixelapi: { … } }`: fields merged into the job's body as they are. */
export type PixelApiProviderOptions = Record<string, unknown>;

export interface PixelApiOptions extends CommonProviderOptions {
  /** @default 'pixelapi' */
  id?: string;
  /** API key (`pk_live_…`). @default process.env.PIXELAPI_API_KEY */
  apiKey?: string;
  /** @default 'https://api.pixelapi.dev' */
  baseURL?: string;
  /** @default 'cheap' */
  tier?: Tier;
  /**
   * `generate`: the `model` field (`flux-schnell` or `sdxl`); the image operations: the endpoint under `/v1/image/`.
   * A call's `model` overrides.
   * @default { generate: 'flux-schnell', removeBackground: 'remove-background', restoreFace: 'restore-face' }
   */
  models?: Partial<Record<Operation, string>>;
  /** Dollars per credit, to turn a job's `credits_used` into the billed cost. @default 0.001 (Starter plan) */
  usdPerCredit?: number;
  /** Polling backoff. @default { initialDelayMs: 250, maxDelayMs: 2000, factor: 1.5 } */
  polling?: PixelApiPolling;
  /** Price overrides by model or endpoint name, merged over the built-in table. */
  prices?: Record<string, Price>;
}

/**
 * PixelAPI (pixelapi.dev): generation, background removal and face restoration as jobs, polled at
 * `GET /v1/image/{id}` until `completed`. The API documents no cancel endpoint, so a job still running at the
 * deadline is left to finish at the vendor. Input images go as data URLs in `image_url`; results are downloaded at once.
 *
 * @example
 * const px = createPixmux({ providers: [pixelapi()] }); // reads PIXELAPI_API_KEY
 * @see https://pixelapi.dev/docs
 */
export function pixelapi(options: PixelApiOptions = {}): Provider {
  const id = options.id ?? 'pixelapi';
  const apiKey = resolveApiKey(options.apiKey, 'PIXELAPI_API_KEY');
  const baseURL = (options.baseURL ?? PIXELAPI_BASE_URL).replace(/\/+$/, '');
  const models: Record<Operation, string> = { ...DEFAULT_MODELS, ...options.models };
  const prices: Record<string, Price> = { ...DEFAULT_PRICES, ...options.prices };
  const usdPerCredit = options.usdPerCredit ?? DEFAULT_USD_PER_CREDIT;

  /** Starts a job, follows it to its end and downloads the result. */
  async function runJob(path: string, body: GenerateBody | ImageBody, priceKey: string, context: ProviderContext): Promise<ProviderResult> {
    const started = await parseJsonResponse(await context.http.post(path, { json: body }), jobSchema, id);
    const finished =
      jobState(started) === 'running'
        ? await pollJob<Job>({
            ...options.polling,
            provider: id,
            signal: context.signal,
            remainingMs: context.remainingMs,
            check: async (signal) => {
              const job = await parseJsonResponse(await context.http.get(`v1/image/${encodeURIComponent(jobId(started))}`, { signal }), jobSchema, id);
              return jobState(job) === 'running' ? { done: false } : { done: true, value: job };
            },
          })
        : started;
    if (jobState(finished) === 'failed') throw jobError(finished, id);
    if (!finished.output_url) throw pixmuxError('bad_response', `${id}: job ${jobId(finished)} completed without an output_url`, { provider: id });
    const image = await context.download(finished.output_url);
    const costUsd = billedCost(priceKey, finished.credits_used);
    return { images: [image], model: priceKey, ...(costUsd !== undefined ? { costUsd } : {}), metadata: { generationId: jobId(finished) } };
  }

  /** `credits_used` × the plan's dollars per credit when the job reports it; otherwise the table's price. */
  function billedCost(priceKey: string, credits: number | null | undefined): number | undefined {
    if (typeof credits === 'number') return Math.round(credits * usdPerCredit * 1e6) / 1e6;
    const price = lookupPrice(prices, priceKey);
    return price ? priceToUsd(price, { images: 1 }) : undefined;
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? models.generate;
    const body: GenerateBody = { prompt: request.prompt, model };
    const size = request.size ?? (request.aspectRatio ? fromAspectRatio(request.aspectRatio) : undefined);
    if (size) Object.assign(body, { width: size.width, height: size.height });
    if (request.negativePrompt) body.negative_prompt = request.negativePrompt;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.format !== 'png') context.warn(`${id}: the output format is chosen by PixelAPI; ${request.format} was not sent`);
    return runJob('v1/image/generate', { ...body, ...request.providerOptions }, model, context);
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const endpoint = request.model ?? models.removeBackground;
    return runJob(`v1/image/${endpoint}`, { image_url: toDataUrl(request.image), ...request.providerOptions }, endpoint, context);
  }

  async function restoreFace(request: NormalizedRestoreFaceRequest, context: ProviderContext): Promise<ProviderResult> {
    const endpoint = request.model ?? models.restoreFace;
    if (request.fidelity !== 0.5) context.warn(`${id}: PixelAPI's face restoration has no fidelity setting; fidelity ${request.fidelity} was not sent`);
    return runJob(`v1/image/${endpoint}`, { image_url: toDataUrl(request.image), ...request.providerOptions }, endpoint, context);
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    maxImagesPerCall: 1,
    identity: { models },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL,
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), 'user-agent': PIXELAPI_USER_AGENT, ...options.headers },
      fetch: options.fetch,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate, removeBackground, restoreFace },
    supports: (operation, request) => {
      if (operation === 'generate' || !request.model) return true;
      return ENDPOINT_NAME.test(request.model) ? true : `${id}: model for ${operation} names an endpoint under /v1/image/, like "remove-background" (got ${JSON.stringify(request.model)})`;
    },
    price: (operation, request) => {
      const price = lookupPrice(prices, request.model ?? models[operation]);
      const images = operation === 'generate' ? (request as NormalizedGenerateRequest).n : 1;
      return price ? priceToUsd(price, { images }) : undefined;
    },
  });
}


/** About one megapixel at the ratio, sides multiples of 64. */
function fromAspectRatio(ratio: string): { width: number; height: number } {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const scale = Math.sqrt((1024 * 1024) / (w * h));
  const round = (value: number) => Math.max(64, Math.round((value * scale) / 64) * 64);
  return { width: round(w), height: round(h) };
}

export default pixelapi;
