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
  type NormalizedRemoveBackgroundRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
} from 'pixmux';
import { removeBgJsonResponseSchema, RESPONSE_HEADERS, type RemoveBgForm } from './api.js';
import { mapRemoveBgError } from './errors.js';
import { creditsForSize, REMOVEBG_PRICES } from './prices.js';
import { RESERVED_FIELDS, removeBgProviderOptionsSchema, SIZES, type RemoveBgProviderOptions } from './provider-options.js';

export type { RemoveBgProviderOptions } from './provider-options.js';
export { REMOVEBG_PRICES } from './prices.js';

export const REMOVEBG_BASE_URL = 'https://api.remove.bg/v1.0';

/** The model id pixmux reports: remove.bg has one model. */
export const REMOVEBG_MODEL = 'removebg';

/** Input limits from the spec: up to 12 MB and 50 megapixels, JPG or PNG. PNG results are capped at 10 MP. */
export const REMOVEBG_LIMITS = { maxBytes: 12 * 1024 * 1024, maxPixels: 50_000_000, mediaTypes: ['image/jpeg', 'image/png'], maxPngResultPixels: 10_000_000 } as const;

export interface RemoveBgOptions extends CommonProviderOptions {
  /** @default 'removebg' */
  id?: string;
  /** Sent as `X-Api-Key`. @default process.env.REMOVE_BG_API_KEY */
  apiKey?: string;
  /** @default 'https://api.remove.bg/v1.0' */
  baseURL?: string;
  /**
   * Output resolution: `full` keeps the input's resolution (1 credit), `preview` shrinks to 0.25 MP (0.25 credit;
   * the only size free accounts get), `auto` takes the best your credits allow. Per call: `providerOptions.removebg.size`.
   * @default 'full'
   */
  size?: NonNullable<RemoveBgProviderOptions['size']>;
  /** A background-removal API: tried before premium providers. @default 'cheap' */
  tier?: Tier;
  /** How remove.bg answers: the image itself or base64 JSON. @default 'image' */
  responseFormat?: 'image' | 'json';
  /** Price overrides by size (`full` is also the price of one credit, used for the billed cost). @default REMOVEBG_PRICES */
  prices?: Record<string, Price>;
}

/**
 * remove.bg (`POST /v1.0/removebg`): background removal, with the image uploaded as multipart. The billed cost
 * comes from `X-Credits-Charged`; the detected foreground (`X-Type`) is in `metadata.foregroundType`.
 *
 * @example
 * const px = createPixmux({ providers: [removebg()] });
 * const { images } = await px.removeBackground({ image: './portrait.jpg' });
 * @see https://www.remove.bg/api
 */
export function removebg(options: RemoveBgOptions = {}): Provider {
  const id = options.id ?? 'removebg';
  const apiKey = resolveApiKey(options.apiKey, 'REMOVE_BG_API_KEY');
  const defaultSize = options.size ?? 'full';
  if (!(SIZES as readonly string[]).includes(defaultSize)) throw pixmuxError('invalid_request', `${id}: size must be one of ${SIZES.join(', ')} (got ${JSON.stringify(defaultSize)})`);
  const prices = { ...REMOVEBG_PRICES, ...options.prices };
  const responseFormat = options.responseFormat ?? 'image';

  function buildForm(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): RemoveBgForm {
    const extras = readProviderOptions(request.providerOptions, context);
    let format: RemoveBgForm['format'] = 'png';
    if (request.format === 'jpeg') format = 'jpg';
    else if (request.format === 'webp') context.warn(`${id}: remove.bg returns png or jpg; returning png for webp`);
    if (request.model && request.model !== REMOVEBG_MODEL) context.warn(`${id}: remove.bg has one model; model "${request.model}" ignored`);
    const size = (extras.size as string | undefined) ?? defaultSize;
    const { image } = request;
    if (format === 'png' && size !== 'preview' && image.width * image.height > REMOVEBG_LIMITS.maxPngResultPixels) {
      context.warn(`${id}: remove.bg returns PNG results up to 10 megapixels; this ${image.width}x${image.height} image comes back smaller (jpg goes up to 25 MP)`);
    }
    const blob = new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.mediaType });
    return { image_file: blob, ...extras, size, format };
  }

  function readProviderOptions(raw: Record<string, unknown>, context: ProviderContext): Record<string, unknown> {
    const extras: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if ((RESERVED_FIELDS as readonly string[]).includes(key)) context.warn(`${id}: providerOptions.${key} is not supported (pixmux uploads the image and sets format from the request); ignored`);
      else if (value !== undefined) extras[key] = value;
    }
    const checked = removeBgProviderOptionsSchema.safeParse(extras);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw pixmuxError('invalid_request', `${id}: providerOptions.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`, { provider: id });
    }
    return extras;
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const fields = buildForm(request, context);
    const response = await context.http.post('removebg', {
      body: toFormData(fields, request.image.mediaType),
      headers: { accept: responseFormat === 'json' ? 'application/json' : 'image/*' },
    });
    const image = await readResult(response);
    const credits = Number(response.headers.get(RESPONSE_HEADERS.creditsCharged) ?? NaN);
    const creditPrice = lookupPrice(prices, 'full');
    const estimated = lookupPrice(prices, fields.size);
    const costUsd = Number.isFinite(credits) && creditPrice ? priceToUsd(creditPrice, { images: credits }) : estimated ? priceToUsd(estimated, { images: 1 }) : undefined;
    return {
      images: [image],
      model: REMOVEBG_MODEL,
      ...(costUsd !== undefined ? { costUsd } : {}),
      metadata: metadataOf(response.headers, fields.size, credits),
    };
  }

  async function readResult(response: Response) {
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('json')) {
      const parsed = await parseJsonResponse(response, removeBgJsonResponseSchema, id);
      const bytes = base64ToBytes(parsed.data.result_b64);
      if (!bytes) throw pixmuxError('bad_response', `${id} returned result_b64 that is not valid base64`, { provider: id });
      return { bytes };
    }
    if (contentType.includes('zip')) throw pixmuxError('bad_response', `${id} returned a zip archive; pixmux asks for png or jpg`, { provider: id });
    const image = await readImageResponse(response, id);
    return { bytes: image.bytes, ...(image.mediaType ? { mediaType: image.mediaType } : {}) };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    identity: { size: defaultSize, responseFormat },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? REMOVEBG_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapRemoveBgError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { removeBackground },
    supports: (operation, request) => {
      if (operation !== 'removeBackground') return `${id} only removes backgrounds`;
      const { image } = request as NormalizedRemoveBackgroundRequest;
      const limits = REMOVEBG_LIMITS;
      if (!(limits.mediaTypes as readonly string[]).includes(image.mediaType)) return `${id}: remove.bg takes JPG or PNG, not ${image.mediaType}`;
      if (image.bytes.byteLength > limits.maxBytes) return `${id}: remove.bg takes files up to 12 MB (got ${(image.bytes.byteLength / 1_048_576).toFixed(1)} MB)`;
      if (image.width * image.height > limits.maxPixels) return `${id}: remove.bg takes up to 50 megapixels (got ${image.width}x${image.height})`;
      return true;
    },
    price: (_operation, request) => {
      const size = sizeOf((request as NormalizedRemoveBackgroundRequest).providerOptions?.size) ?? defaultSize;
      const explicit = prices[size];
      const creditPrice = lookupPrice(prices, 'full');
      if (explicit) return priceToUsd(explicit, { images: 1 });
      return creditPrice ? priceToUsd(creditPrice, { images: creditsForSize(size) }) : undefined;
    },
  });
}

function sizeOf(value: unknown): string | undefined {
  return typeof value === 'string' && (SIZES as readonly string[]).includes(value) ? value : undefined;
}

function metadataOf(headers: Headers, size: string, credits: number): Record<string, unknown> {
  const width = Number(headers.get(RESPONSE_HEADERS.width) ?? NaN);
  const height = Number(headers.get(RESPONSE_HEADERS.height) ?? NaN);
  const foregroundType = headers.get(RESPONSE_HEADERS.foregroundType);
  return {
    size,
    ...(Number.isFinite(credits) ? { creditsCharged: credits } : {}),
    ...(foregroundType ? { foregroundType } : {}),
    ...(Number.isFinite(width) && Number.isFinite(height) ? { resultWidth: width, resultHeight: height } : {}),
  };
}

/** Form fields as remove.bg reads them: the file with a name, booleans and numbers as text. */
function toFormData(fields: RemoveBgForm, mediaType: string): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Blob) form.append(key, value, `image.${mediaType === 'image/jpeg' ? 'jpg' : 'png'}`);
    else form.append(key, String(value));
  }
  return form;
}

export default removebg;
