import {
  defineProvider,
  lookupPrice,
  priceToUsd,
  readImageResponse,
  readProviderOptions,
  resolveApiKey,
  type CommonProviderOptions,
  type NormalizedRemoveBackgroundRequest,
  type Price,
  type Provider,
  type ProviderContext,
  type ProviderResult,
  type Tier,
} from 'pixmux';
import { SANDBOX_KEY_PREFIX, type SegmentForm } from './api.js';
import { mapPhotoroomError } from './errors.js';
import { PHOTOROOM_PRICES } from './prices.js';
import { photoroomProviderOptionsSchema, RESERVED_FIELDS } from './provider-options.js';

export type { PhotoroomProviderOptions } from './provider-options.js';
export { PHOTOROOM_PRICES } from './prices.js';

export const PHOTOROOM_BASE_URL = 'https://sdk.photoroom.com/v1';

/** The model id pixmux reports: the Basic plan's segmentation has one model. */
export const PHOTOROOM_MODEL = 'segment';

/** Input types Photoroom reads. */
const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const FORMATS = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;

export interface PhotoroomOptions extends CommonProviderOptions {
  /** @default 'photoroom' */
  id?: string;
  /** Sent as `x-api-key`; a `sandbox_` key gets free, watermarked results (said in a warning). @default process.env.PHOTOROOM_API_KEY */
  apiKey?: string;
  /** @default 'https://sdk.photoroom.com/v1' */
  baseURL?: string;
  /** A background-removal API: tried before premium providers. @default 'cheap' */
  tier?: Tier;
  /** Price overrides (`default` is the price of one image). @default PHOTOROOM_PRICES */
  prices?: Record<string, Price>;
}

/**
 * Photoroom's Remove Background API (`POST /v1/segment`, Basic plan): background removal, the image uploaded as
 * multipart and the cut-out returned as bytes, in the requested format.
 *
 * @example
 * import { photoroom } from 'pixmux/providers/photoroom';
 * const px = createPixmux({ providers: [photoroom()] }); // reads PHOTOROOM_API_KEY
 * const { images } = await px.removeBackground({ image: './product.jpg' });
 * @see https://docs.photoroom.com/remove-background-api-basic-plan
 */
export function photoroom(options: PhotoroomOptions = {}): Provider {
  const id = options.id ?? 'photoroom';
  const apiKey = resolveApiKey(options.apiKey, 'PHOTOROOM_API_KEY');
  const prices = { ...PHOTOROOM_PRICES, ...options.prices };
  const sandbox = Boolean(apiKey?.startsWith(SANDBOX_KEY_PREFIX));

  function buildForm(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): SegmentForm {
    const extras = readProviderOptions(request.providerOptions, { provider: id, schema: photoroomProviderOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
    if (request.model && request.model !== PHOTOROOM_MODEL) context.warn(`${id}: Photoroom's segmentation has one model; model "${request.model}" ignored`);
    if (request.format === 'jpeg' && extras.bg_color === undefined) context.warn(`${id}: jpeg has no transparency; the background comes back opaque (set providerOptions.${id}.bg_color to choose it)`);
    const { image } = request;
    return { image_file: new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.mediaType }), format: FORMATS[request.format], ...extras };
  }

  async function removeBackground(request: NormalizedRemoveBackgroundRequest, context: ProviderContext): Promise<ProviderResult> {
    const form = toFormData(buildForm(request, context), request.image.mediaType);
    if (sandbox) context.warn(`${id}: a sandbox key: the result is watermarked`);
    const response = await context.http.post('segment', { body: form });
    const image = await readImageResponse(response, id, { rejectJson: true });
    const price = lookupPrice(prices, PHOTOROOM_MODEL);
    return {
      images: [{ bytes: image.bytes, ...(image.mediaType ? { mediaType: image.mediaType } : {}) }],
      model: PHOTOROOM_MODEL,
      ...(price ? { costUsd: sandbox ? 0 : priceToUsd(price, { images: 1 }) } : {}),
      metadata: { ...(sandbox ? { sandbox: true } : {}), ...requestIdOf(response) },
    };
  }

  return defineProvider({
    id,
    tier: options.tier ?? 'cheap',
    maxConcurrency: options.maxConcurrency,
    identity: { sandbox },
    hasCredentials: () => Boolean(apiKey),
    http: {
      baseURL: (options.baseURL ?? PHOTOROOM_BASE_URL).replace(/\/+$/, ''),
      headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...options.headers },
      fetch: options.fetch,
      mapError: mapPhotoroomError,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    operations: { removeBackground },
    supports: (operation, request) => {
      if (operation !== 'removeBackground') return `${id} only removes backgrounds`;
      const { mediaType } = (request as NormalizedRemoveBackgroundRequest).image;
      return MEDIA_TYPES.includes(mediaType) ? true : `${id}: Photoroom takes JPEG, PNG or WebP, not ${mediaType}`;
    },
    price: () => {
      const price = lookupPrice(prices, PHOTOROOM_MODEL);
      return price ? (sandbox ? 0 : priceToUsd(price, { images: 1 })) : undefined;
    },
  });
}

function requestIdOf(response: Response): Record<string, unknown> {
  const requestId = response.headers.get('x-request-id');
  return requestId ? { requestId } : {};
}

/** Form fields as Photoroom reads them: the file with a name, booleans and numbers as text. */
function toFormData(fields: SegmentForm, mediaType: string): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Blob) form.append(key, value, `image.${mediaType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin'}`);
    else form.append(key, String(value));
  }
  return form;
}

export default photoroom;
