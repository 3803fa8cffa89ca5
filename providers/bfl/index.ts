import {
  defineProvider,
  describeUrl,
  lookupPrice,
  parseJsonResponse,
  pixmuxError,
  pollJob,
  priceToUsd,
  resolveApiKey,
  type CommonProviderOptions,
  type NormalizedGenerateRequest,
  type PollSettings,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { submitSchema, taskResultSchema, type TaskResult } from './api.js';
import { taskError } from './errors.js';
import { DEFAULT_BFL_MODEL, MODEL_ID, requestedPixels, sizeFor, sizeRuleFor } from './models.js';
import { pollingUrlFor } from './polling-url.js';
import { DEFAULT_PRICES, USD_PER_CREDIT } from './prices.js';
import { taskBody } from './request.js';

export { DEFAULT_BFL_MODEL } from './models.js';
export { DEFAULT_PRICES as BFL_DEFAULT_PRICES, USD_PER_CREDIT as BFL_USD_PER_CREDIT } from './prices.js';

export const BFL_BASE_URL = 'https://api.bfl.ai/v1';

/** Endpoint ids with a known shape; any other BFL endpoint id is accepted too. */
export type BflModel =
  | 'flux-2-pro'
  | 'flux-2-max'
  | 'flux-2-flex'
  | 'flux-2-klein-4b'
  | 'flux-2-klein-9b'
  | 'flux-pro-1.1'
  | 'flux-pro-1.1-ultra'
  | 'flux-kontext-pro'
  | 'flux-kontext-max'
  | 'flux-dev'
  | (string & {});

/** Polling settings for tasks. */
export type BflPolling = PollSettings;

/**
 * Per-call options, passed as `providerOptions: { bfl: { … } }` and sent as they are: `safety_tolerance`
 * (0 strict – 6 permissive; newer endpoints stop at 5), `output_format` (`jpeg`, `png`, `webp`; overrides the
 * request's format), `prompt_upsampling`, `raw` (Ultra), `input_image`…, `steps`/`guidance` (FLUX.2 [flex]).
 * `prompt`, `width`, `height`, `aspect_ratio` and `seed` come from the request and are ignored here with a warning.
 */
export type BflProviderOptions = Record<string, unknown>;

export interface BflOptions extends CommonProviderOptions {
  /** @default 'bfl' */
  id?: string;
  /** API key, sent as `x-key`. @default process.env.BFL_API_KEY */
  apiKey?: string;
  /** The API host (a regional host such as `https://api.eu.bfl.ai/v1`, or a proxy). @default 'https://api.bfl.ai/v1' */
  baseURL?: string;
  /** The endpoint for calls that do not name one. @default 'flux-2-pro' */
  model?: BflModel;
  /** @default 'premium' (from $0.03 an image) */
  tier?: Tier;
  /** Polling backoff. BFL has no cancel endpoint: past the deadline pixmux stops polling. @default { initialDelayMs: 250, maxDelayMs: 2000, factor: 1.5 } */
  polling?: BflPolling;
  /** Price overrides by endpoint id, merged over the built-in table. */
  prices?: Record<string, Price>;
}

/**
 * Black Forest Labs' FLUX API: one task per image (`POST /v1/{model}`), polled at the returned `polling_url`
 * within the call's deadline. BFL offers no way to cancel a task, so past the deadline pixmux stops polling and
 * the task finishes (and is billed) at BFL. The result is a signed URL that expires in about ten minutes: it is
 * downloaded at once.
 *
 * @example
 * const px = createPixmux({ providers: [bfl()] }); // reads BFL_API_KEY
 * const { images, costUsd } = await px.generate({ prompt: 'a red fox in fresh snow', aspectRatio: '3:2', seed: 7 });
 * @see https://docs.bfl.ai
 */
export function bfl(options: BflOptions = {}): Provider {
  const id = options.id ?? 'bfl';
  const apiKey = resolveApiKey(options.apiKey, 'BFL_API_KEY');
  const baseURL = (options.baseURL ?? BFL_BASE_URL).replace(/\/+$/, '');
  const defaultModel = options.model ?? DEFAULT_BFL_MODEL;
  const prices: Record<string, Price> = { ...DEFAULT_PRICES, ...options.prices };

  function estimate(model: string, request: NormalizedGenerateRequest, images: number): number | undefined {
    const price = lookupPrice(prices, model);
    if (!price) return undefined;
    const { warning: _warning, ...size } = sizeFor(request, sizeRuleFor(model));
    return priceToUsd(price, { images, megapixels: requestedPixels(size) / 1_000_000 });
  }

  /** Polls a task until it is ready; past the deadline the wait simply ends (BFL has no cancel). */
  function follow(url: string, taskId: string, context: ProviderContext): Promise<TaskResult> {
    return pollJob<TaskResult>({
      ...options.polling,
      provider: id,
      signal: context.signal,
      remainingMs: context.remainingMs,
      check: async (signal) => {
        const task = await parseJsonResponse(await context.http.get(url, { prefixUrl: '', signal }), taskResultSchema, id);
        if (task.status === 'Pending') return { done: false };
        if (task.status !== 'Ready') throw taskError(task, taskId, id);
        return { done: true, value: task };
      },
    });
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? defaultModel;
    const body = taskBody(request, model, context);
    const submitted = await parseJsonResponse(await context.http.post(encodeURIComponent(model), { json: body }), submitSchema, id);
    const polling = pollingUrlFor(submitted.polling_url, submitted.id, baseURL);
    if (polling.refused) context.warn(`${id}: ${polling.refused}; polled ${describeUrl(`${baseURL}/get_result`)} instead`);
    const task = await follow(polling.url, submitted.id, context);
    const sample = task.result?.sample;
    if (!sample) throw pixmuxError('bad_response', `${id}: task ${submitted.id} is Ready without result.sample`, { provider: id });
    // A signed URL valid for about ten minutes: fetched now, through the core's guarded download.
    const image = await context.download(sample);
    const costUsd = submitted.cost != null ? Math.round(submitted.cost * USD_PER_CREDIT * 1e6) / 1e6 : estimate(model, request, 1);
    return { images: [image], model, ...(costUsd !== undefined ? { costUsd } : {}), metadata: { taskId: submitted.id, ...(submitted.cost != null ? { credits: submitted.cost } : {}) } };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'premium',
    maxConcurrency: options.maxConcurrency,
    // One image per task; the policy splits `n` into tasks with advancing seeds.
    maxImagesPerCall: 1,
    identity: { model: defaultModel },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL,
      headers: { ...(apiKey ? { 'x-key': apiKey } : {}), ...options.headers },
      fetch: options.fetch,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    supports: (operation, request) => {
      if (operation !== 'generate') return `${id} only generates images`;
      const model = request.model ?? defaultModel;
      return MODEL_ID.test(model) ? true : `${id}: model must be a BFL endpoint id like "flux-2-pro" (got ${JSON.stringify(model)})`;
    },
    price: (_operation, request) => {
      const generateRequest = request as NormalizedGenerateRequest;
      return estimate(generateRequest.model ?? defaultModel, generateRequest, generateRequest.n);
    },
  });
}

export default bfl;
