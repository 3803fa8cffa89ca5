import {
  defineProvider,
  parseJsonResponse,
  pixmuxError,
  readEnv,
  resolveApiKey,
  type CommonProviderOptions,
  type NormalizedGenerateRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { googleErrorMapper } from './errors.js';
import { buildGenerateContentBody, generateContentResponseSchema, readGenerateContent } from './gemini.js';
import { DEFAULT_GEMINI_IMAGE_MODEL, defaultTier, IMAGEN_LEFT_GEMINI_API, isImagenModel, modelPathSegment, type GeminiImageModel } from './models.js';
import { costOf, GOOGLE_PRICES, googlePricer } from './prices.js';

export type { GoogleProviderOptions } from './provider-options.js';
export { GOOGLE_PRICES } from './prices.js';
export { DEFAULT_GEMINI_IMAGE_MODEL, type GeminiImageModel, type ImagenModel } from './models.js';

export const GOOGLE_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

export interface GoogleOptions extends CommonProviderOptions {
  /** @default 'google' */
  id?: string;
  /** Sent as `x-goog-api-key`. @default process.env.GEMINI_API_KEY, else process.env.GOOGLE_API_KEY */
  apiKey?: string;
  /** @default 'https://generativelanguage.googleapis.com/v1beta' */
  baseURL?: string;
  /** The Gemini image model when a call names none. Imagen ids are refused: Imagen left the Gemini API on 2026-08-17 (use `googleVertex`). @default 'gemini-2.5-flash-image' */
  model?: GeminiImageModel;
  /** @default 'cheap' for the flash image models, 'premium' for the pro ones */
  tier?: Tier;
  /** Price overrides by model id (`'gemini-3-pro-image*:4K'` for a size, `'*'` prefixes, `default`). @default GOOGLE_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Gemini native image output ("Nano Banana") through the Gemini API: `POST models/{model}:generateContent`, one image
 * a request (the core sends `n` requests within `maxConcurrency`). Images come back as base64, so no download.
 *
 * @example
 * import { google } from 'pixmux/providers/google';
 * const px = createPixmux({ providers: [google()] });
 * const { images } = await px.generate({ prompt: 'a paper boat on a pond', aspectRatio: '16:9' });
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 */
export function google(options: GoogleOptions = {}): Provider {
  const id = options.id ?? 'google';
  const apiKey = resolveApiKey(options.apiKey ?? readEnv('GEMINI_API_KEY') ?? readEnv('GOOGLE_API_KEY'), 'GEMINI_API_KEY');
  const defaultModel = options.model ?? DEFAULT_GEMINI_IMAGE_MODEL;
  const prices = { ...GOOGLE_PRICES, ...options.prices };

  /** Why a model cannot be sent to the Gemini API, or undefined when it can. */
  function refusal(model: string): string | undefined {
    if (isImagenModel(model)) {
      return `${id}: Imagen left the Gemini API on ${IMAGEN_LEFT_GEMINI_API}; "${model}" runs on Vertex AI: use googleVertex() from pixmux/providers/google-vertex`;
    }
    if (!modelPathSegment(model)) return `${id}: "${model}" is not a model id`;
    return undefined;
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? defaultModel;
    const refused = refusal(model);
    if (refused) throw pixmuxError('unsupported', refused, { provider: id });
    const { body, imageSize } = buildGenerateContentBody(request, model, context, { id, vertex: false });
    const response = await context.http.post(`models/${modelPathSegment(model)}:generateContent`, { json: body });
    const read = readGenerateContent(await parseJsonResponse(response, generateContentResponseSchema, id), id);
    return {
      images: read.images,
      model,
      ...costOf(prices, model, imageSize, read.images.length),
      metadata: { ...(read.text ? { text: read.text } : {}), ...(read.finishReason ? { finishReason: read.finishReason } : {}) },
    };
  }

  return defineProvider({
    id,
    tier: options.tier ?? defaultTier(defaultModel),
    maxConcurrency: options.maxConcurrency,
    // One image a generateContent request; the core splits n into requests within maxConcurrency.
    maxImagesPerCall: 1,
    identity: { model: defaultModel },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? GOOGLE_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { 'x-goog-api-key': apiKey } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: googleErrorMapper(),
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    supports: (operation, request) => {
      if (operation !== 'generate') return `${id} only generates images`;
      return refusal(request.model ?? defaultModel) ?? true;
    },
    price: googlePricer(prices, defaultModel),
  });
}

export default google;
