import { pixmuxError, PixmuxError, type GenerateRequest, type Pixmux, type PixmuxResult } from 'pixmux';
import type { ImageModelV4, ImageModelV4CallOptions, ImageModelV4Result, JSONObject, SharedV4Warning } from '@ai-sdk/provider';
import { asAiSdkError } from './errors.js';
import { warningToAiSdk } from './warnings.js';

/** What every pixmux call made through the model may set; `providerOptions.pixmux` of a call is merged over them. */
export type ToAiSdkCallOptions = Pick<GenerateRequest, 'providers' | 'model' | 'format' | 'timeoutMs' | 'maxCostUsd' | 'policy' | 'cache' | 'negativePrompt' | 'providerOptions'>;

/** The keys `providerOptions.pixmux` may hold. */
const CALL_KEYS: ReadonlyArray<keyof ToAiSdkCallOptions> = ['providers', 'model', 'format', 'timeoutMs', 'maxCostUsd', 'policy', 'cache', 'negativePrompt', 'providerOptions'];

export interface ToAiSdkOptions {
  /** The model id the AI SDK reports (logs, telemetry). @default 'pixmux' */
  modelId?: string;
  /** Most images `generateImage` asks for in one call; pixmux splits each call again by its providers' own limits. @default 10 (pixmux's most per call) */
  maxImagesPerCall?: number;
  /** Options for every call made through the model (providers, model, format, budget, policy, …). @default none */
  call?: ToAiSdkCallOptions;
}

/** The images `generateImage` asks for in one call, at most. */
const MAX_IMAGES_PER_CALL = 10;

/** Header names the AI SDK adds on its own, which say nothing to pixmux. */
const AI_SDK_HEADERS = new Set(['user-agent']);

/**
 * Exposes a pixmux client as an AI SDK image model (specification v4, ai@7), so
 * `generateImage({ model: toAiSdk(px), prompt, n, size })` runs the whole policy: fallback, budgets, circuits, cache.
 * Where the images came from comes back as `pixmux` provider metadata: on each image
 * (`result.images[i].providerMetadata.pixmux`, also `result.providerMetadata.pixmux.images[i]`) and on each model
 * call (`result.calls[i].providerMetadata.pixmux`): the provider, model, cost, cache hit and attempts. Call options go
 * in `providerOptions.pixmux`; any other key of `providerOptions` is passed to the pixmux provider of that id. Errors are `PixmuxError`s that are also AI SDK errors and never retryable there:
 * pixmux has already retried and fallen back within the call's deadline and budget.
 *
 * @example
 * import { generateImage } from 'ai';
 * import { toAiSdk } from 'pixmux/ai-sdk';
 * const { images } = await generateImage({ model: toAiSdk(px), prompt: 'a watercolour fox', n: 2, size: '1024x1024' });
 * console.log(images[0].providerMetadata?.pixmux); // { provider: 'openai', costUsd: 0.04, attempts: [...], ... }
 */
export function toAiSdk(px: Pick<Pixmux, 'generate'>, options: ToAiSdkOptions = {}): ImageModelV4 {
  const modelId = options.modelId ?? 'pixmux';
  const maxImagesPerCall = options.maxImagesPerCall ?? MAX_IMAGES_PER_CALL;
  if (!Number.isInteger(maxImagesPerCall) || maxImagesPerCall < 1 || maxImagesPerCall > MAX_IMAGES_PER_CALL) {
    throw pixmuxError('invalid_request', `toAiSdk: maxImagesPerCall must be a whole number from 1 to ${MAX_IMAGES_PER_CALL} (got ${maxImagesPerCall})`);
  }

  async function doGenerate(call: ImageModelV4CallOptions): Promise<ImageModelV4Result> {
    const startedAt = new Date();
    const warnings: SharedV4Warning[] = [];
    let result: PixmuxResult;
    try {
      result = await px.generate(toRequest(call, options.call ?? {}, warnings));
    } catch (error) {
      throw PixmuxError.isInstance(error) ? asAiSdkError(error) : error;
    }
    return {
      images: result.images.map((image) => image.bytes),
      warnings: [...warnings, ...result.warnings.map(warningToAiSdk)],
      providerMetadata: { pixmux: pixmuxMetadata(result) },
      response: { timestamp: startedAt, modelId: result.model ?? modelId, headers: undefined },
    };
  }

  return {
    specificationVersion: 'v4',
    provider: 'pixmux',
    modelId,
    maxImagesPerCall,
    supportsFileInputs: false,
    supportsMaskInputs: false,
    doGenerate,
  };
}

/** The AI SDK's call as a pixmux request; what pixmux cannot take becomes a warning or, for image edits, an error. */
function toRequest(call: ImageModelV4CallOptions, defaults: ToAiSdkCallOptions, warnings: SharedV4Warning[]): GenerateRequest {
  if ((call.files?.length ?? 0) > 0 || call.mask) {
    throw asAiSdkError(pixmuxError('unsupported', 'pixmux generates from a text prompt; image files and masks (edits) are not supported through toAiSdk'));
  }
  const { pixmux: own, ...byProvider } = call.providerOptions ?? {};
  const overrides: Partial<ToAiSdkCallOptions> = {};
  for (const [key, value] of Object.entries(own ?? {})) {
    if ((CALL_KEYS as readonly string[]).includes(key)) (overrides as Record<string, unknown>)[key] = value;
    else warnings.push({ type: 'unsupported', feature: `providerOptions.pixmux.${key}`, details: `pixmux call options are ${CALL_KEYS.join(', ')}` });
  }
  const extraHeaders = Object.keys(call.headers ?? {}).filter((name) => call.headers?.[name] !== undefined && !AI_SDK_HEADERS.has(name.toLowerCase()));
  if (extraHeaders.length > 0) {
    warnings.push({ type: 'unsupported', feature: 'headers', details: `pixmux providers send their own headers; ${extraHeaders.join(', ')} not sent (set headers on the provider)` });
  }
  return {
    ...defaults,
    ...overrides,
    prompt: call.prompt as string,
    n: call.n,
    ...(call.size ? { size: call.size } : {}),
    ...(call.aspectRatio ? { aspectRatio: call.aspectRatio } : {}),
    ...(call.seed !== undefined ? { seed: call.seed } : {}),
    providerOptions: { ...defaults.providerOptions, ...(byProvider as Record<string, Record<string, unknown>>), ...overrides.providerOptions },
    ...(call.abortSignal ? { signal: call.abortSignal } : {}),
  };
}

/**
 * What the AI SDK result carries under `pixmux`: the call's provider, model, cost, cache hit and attempts, and the
 * same per image (the AI SDK hands `images[i]` to each image, and keeps only `images` when it merges calls into the
 * deprecated `result.providerMetadata`). An image's `costUsd` is its share of its call's cost, so the entries add up
 * to what the generation cost.
 */
function pixmuxMetadata(result: PixmuxResult): { images: JSONObject[] } & JSONObject {
  const attempts = JSON.parse(JSON.stringify(result.attempts)) as JSONObject[];
  const call: JSONObject = {
    provider: result.provider,
    ...(result.model !== undefined ? { model: result.model } : {}),
    costUsd: result.costUsd,
    cached: result.cached,
    attempts,
  };
  const share = result.images.length > 0 ? Math.round((result.costUsd / result.images.length) * 1e6) / 1e6 : 0;
  const images = result.images.map((image) => ({ ...call, costUsd: share, mediaType: image.mediaType, width: image.width, height: image.height }));
  return { ...call, images, totalMs: result.timings.totalMs };
}
