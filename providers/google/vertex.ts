import {
  defineProvider,
  parseJsonResponse,
  pixmuxError,
  readEnv,
  type CommonProviderOptions,
  type NormalizedGenerateRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderImage,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { predictResponseSchema } from './api.js';
import { googleErrorMapper } from './errors.js';
import { buildGenerateContentBody, generateContentResponseSchema, readGenerateContent } from './gemini.js';
import { buildPredictBody, IMAGEN_MAX_SAMPLES, readPredictions } from './imagen.js';
import { DEFAULT_GEMINI_IMAGE_MODEL, defaultTier, isImagenModel, modelPathSegment, type GeminiImageModel, type ImagenModel } from './models.js';
import { costOf, GOOGLE_PRICES, googlePricer } from './prices.js';

/** `location` when neither the option nor `GOOGLE_CLOUD_LOCATION` names one. */
export const DEFAULT_VERTEX_LOCATION = 'us-central1';

export interface GoogleVertexOptions extends Omit<CommonProviderOptions, 'apiKey'> {
  /** @default 'google-vertex' */
  id?: string;
  /**
   * A fixed OAuth 2.0 access token (`gcloud auth print-access-token`). Tokens expire after about an hour: for a
   * long-lived process pass `getAccessToken` instead.
   */
  accessToken?: string;
  /**
   * Returns a current OAuth 2.0 access token for the `cloud-platform` scope; called before every request (cache and
   * refresh inside it). For a service account, google-auth-library's
   * `new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform' })` gives one (cached, refreshed) with
   * `auth.getAccessToken()` — pixmux itself needs no Google auth library.
   */
  getAccessToken?: () => Promise<string>;
  /** The Google Cloud project id. @default process.env.GOOGLE_CLOUD_PROJECT */
  project?: string;
  /** The region (`us-central1`, `europe-west4`, …) or `global`. @default process.env.GOOGLE_CLOUD_LOCATION ?? 'us-central1' */
  location?: string;
  /** @default 'https://{location}-aiplatform.googleapis.com/v1' ('https://aiplatform.googleapis.com/v1' for `global`) */
  baseURL?: string;
  /** The model when a call names none: a Gemini image model (`:generateContent`) or an Imagen id (`:predict`). @default 'gemini-2.5-flash-image' */
  model?: GeminiImageModel | ImagenModel;
  /** @default 'cheap' for flash image and Imagen Fast/Standard, 'premium' for pro image and Imagen Ultra */
  tier?: Tier;
  /** Price overrides by model id (`'*'` prefixes, `model:4K`, `default`). @default GOOGLE_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Google's image models on Vertex AI: Imagen through `:predict` (up to 4 images a request) and the Gemini image
 * models through `:generateContent` (one a request), at
 * `{baseURL}/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}` with
 * `Authorization: Bearer <OAuth token>`.
 *
 * @example
 * import { googleVertex } from 'pixmux/providers/google-vertex';
 * // A token from `gcloud auth print-access-token`; for a service account pass `getAccessToken` instead.
 * const px = createPixmux({ providers: [googleVertex({ project: 'my-project', accessToken: process.env.GOOGLE_ACCESS_TOKEN })] });
 * const { images } = await px.generate({ prompt: 'a paper boat', model: 'imagen-4.0-fast-generate-001', n: 2 });
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/imagen-api
 */
export function googleVertex(options: GoogleVertexOptions = {}): Provider {
  const id = options.id ?? 'google-vertex';
  const project = options.project ?? readEnv('GOOGLE_CLOUD_PROJECT');
  const location = options.location ?? readEnv('GOOGLE_CLOUD_LOCATION') ?? DEFAULT_VERTEX_LOCATION;
  const defaultModel = options.model ?? DEFAULT_GEMINI_IMAGE_MODEL;
  const prices = { ...GOOGLE_PRICES, ...options.prices };
  const { accessToken, getAccessToken } = options;
  if (getAccessToken !== undefined && typeof getAccessToken !== 'function') throw pixmuxError('invalid_request', `${id}: getAccessToken must be a function`);
  if (!/^[a-z0-9-]+$/.test(location)) throw pixmuxError('invalid_request', `${id}: location must be a region such as us-central1 or global (got ${JSON.stringify(location)})`);
  if (project !== undefined && !/^[a-z0-9][a-z0-9.:-]*$/i.test(project)) throw pixmuxError('invalid_request', `${id}: project must be a Google Cloud project id (got ${JSON.stringify(project)})`);
  const baseURL = (options.baseURL ?? (location === 'global' ? 'https://aiplatform.googleapis.com/v1' : `https://${location}-aiplatform.googleapis.com/v1`)).replace(/\/+$/, '');

  /** Tokens from `getAccessToken`, kept (a few) so that an error echoing one is scrubbed. */
  const recentTokens: string[] = [];
  const scrubTokens = (text: string) => recentTokens.reduce((out, token) => out.split(token).join('[redacted]'), text);

  async function bearer(): Promise<Record<string, string> | undefined> {
    if (!getAccessToken) return undefined;
    let token: unknown;
    try {
      token = await getAccessToken();
    } catch (error) {
      throw pixmuxError('auth', `${id}: getAccessToken failed: ${error instanceof Error ? error.message : String(error)}`, { provider: id, cause: error });
    }
    if (typeof token !== 'string' || token.trim() === '') throw pixmuxError('auth', `${id}: getAccessToken returned no token`, { provider: id });
    if (!recentTokens.includes(token)) {
      recentTokens.unshift(token);
      recentTokens.length = Math.min(recentTokens.length, 4);
    }
    return { authorization: `Bearer ${token}` };
  }

  async function generate(request: NormalizedGenerateRequest, context: ProviderContext): Promise<ProviderResult> {
    const model = request.model ?? defaultModel;
    if (!modelPathSegment(model)) throw pixmuxError('unsupported', `${id}: "${model}" is not a model id`, { provider: id });
    return isImagenModel(model) ? imagen(request, model, context) : gemini(request, model, context);
  }

  async function imagen(request: NormalizedGenerateRequest, model: string, context: ProviderContext): Promise<ProviderResult> {
    const body = buildPredictBody(request, model, context, id);
    const response = await send(context, model, 'predict', body);
    const read = readPredictions(await parseJsonResponse(response, predictResponseSchema, id), context, id);
    return { images: read.images, model, ...costOf(prices, model, undefined, read.images.length), metadata: read.enhancedPrompt ? { enhancedPrompt: read.enhancedPrompt } : {} };
  }

  /** Gemini models make one image a request; a call for more (an Imagen-sized batch) sends one request per image. */
  async function gemini(request: NormalizedGenerateRequest, model: string, context: ProviderContext): Promise<ProviderResult> {
    const { body, imageSize } = buildGenerateContentBody(request, model, context, { id, vertex: true });
    const runs = await Promise.all(
      Array.from({ length: request.n }, async () => readGenerateContent(await parseJsonResponse(await send(context, model, 'generateContent', body), generateContentResponseSchema, id), id)),
    );
    const images: ProviderImage[] = runs.flatMap((run) => run.images);
    const text = runs.map((run) => run.text).filter(Boolean).join('\n');
    const finishReason = runs[0]?.finishReason;
    return { images, model, ...costOf(prices, model, imageSize, images.length), metadata: { ...(text ? { text } : {}), ...(finishReason ? { finishReason } : {}) } };
  }

  async function send(context: ProviderContext, model: string, method: 'predict' | 'generateContent', body: unknown): Promise<Response> {
    const path = `projects/${project}/locations/${location}/publishers/google/models/${modelPathSegment(model)}:${method}`;
    const headers = await bearer();
    return context.http.post(path, { json: body, ...(headers ? { headers } : {}) });
  }

  return defineProvider({
    id,
    tier: options.tier ?? defaultTier(defaultModel),
    maxConcurrency: options.maxConcurrency,
    // Imagen renders up to 4 a request; Gemini models one (a larger n is then sent as one request per image).
    maxImagesPerCall: isImagenModel(defaultModel) ? IMAGEN_MAX_SAMPLES : 1,
    identity: { model: defaultModel, project, location },
    hasCredentials: () => Boolean((accessToken || getAccessToken) && project),
    secrets: accessToken ? [accessToken] : [],
    http: {
      baseURL,
      headers: { ...(accessToken && !getAccessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: googleErrorMapper(scrubTokens),
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { generate },
    supports: (operation, request) => {
      if (operation !== 'generate') return `${id} only generates images`;
      const model = request.model ?? defaultModel;
      if (!modelPathSegment(model)) return `${id}: "${model}" is not a model id`;
      return true;
    },
    price: googlePricer(prices, defaultModel),
  });
}
