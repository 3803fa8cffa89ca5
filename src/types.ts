import type { HttpClient } from './http/types.js';
import type { PixmuxErrorCode } from './errors/codes.js';
import type { PixmuxImage } from './image/pixmux-image.js';
import type { Logger } from './logger.js';
import type { VendorErrorMapper } from './errors/http-failure.js';
import type { PolicyOptions } from './policy/policy-types.js';

/** The three operations pixmux offers. */
export type Operation = 'generate' | 'removeBackground' | 'restoreFace';

/** Where a provider sits in the fallback order: local first, then cheap APIs, then premium ones. */
export type Tier = 'local' | 'cheap' | 'premium';

/** Output image formats. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/**
 * An input image: bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`), a `Blob`, a data URL, a base64 string,
 * an `http(s)` URL (downloaded with a size cap and a timeout; public addresses only unless
 * `input.urls.allowPrivateNetwork`), or, in Node and only with `createPixmux({ input: { files } })`, a file path or
 * `file:` URL.
 */
export type ImageInput = Uint8Array | ArrayBuffer | Blob | string | URL;

/** Options every operation takes. */
export interface CallOptions {
  /** Aborts the call and everything it has in flight. */
  signal?: AbortSignal;
  /** One deadline for the whole call, retries, polling and fallbacks included. @default 120_000 (the client's `timeoutMs`) */
  timeoutMs?: number;
  /** Only these provider ids are considered, in this order of preference. */
  providers?: string[];
  /** Options passed through to one provider, keyed by provider id. */
  providerOptions?: Record<string, Record<string, unknown>>;
  /** Model id for the provider (each provider has a current default). */
  model?: string;
  /** Format of the output image. @default 'png' */
  format?: ImageFormat;
  /** Most this call may cost in USD, over every provider it tries; overrides the client's `budget.maxCostPerCallUsd`. @default the client's */
  maxCostUsd?: number;
  /** Overrides the client's `policy` for this call (merged field by field). @default the client's */
  policy?: PolicyOptions;
  /** `false` skips the result cache for this call (no lookup, no store). @default true */
  cache?: boolean;
}

export interface GenerateRequest extends CallOptions {
  /** What to draw. Required, not empty. */
  prompt: string;
  /** What to keep out of the image, where the provider supports it. */
  negativePrompt?: string;
  /** `'1024x1024'` or `{ width, height }`. Providers round to the nearest size they support and warn. */
  size?: string | { width: number; height: number };
  /** `'16:9'` and the like; used when `size` is not given. */
  aspectRatio?: string;
  /** Number of images, 1..10. @default 1 */
  n?: number;
  /** Seed for reproducible output, where the provider supports one. */
  seed?: number;
}

export interface RemoveBackgroundRequest extends CallOptions {
  /** The photo to cut out. */
  image: ImageInput;
}

export interface RestoreFaceRequest extends CallOptions {
  /** The photo whose faces to restore. */
  image: ImageInput;
  /** 0 favours quality, 1 favours faithfulness to the input (CodeFormer's `w`). @default 0.5 */
  fidelity?: number;
}

/** An input image after normalisation: bytes recognised by their signature, dimensions read from the header. */
export interface InputImage {
  bytes: Uint8Array;
  mediaType: string;
  width: number;
  height: number;
}

/** What a provider's `generate` receives: the validated request, sizes resolved. */
export interface NormalizedGenerateRequest {
  prompt: string;
  negativePrompt: string | undefined;
  /** Resolved width and height when the caller gave a size. */
  size: { width: number; height: number } | undefined;
  aspectRatio: string | undefined;
  n: number;
  seed: number | undefined;
  format: ImageFormat;
  model: string | undefined;
  providerOptions: Record<string, unknown>;
}

export interface NormalizedRemoveBackgroundRequest {
  image: InputImage;
  format: ImageFormat;
  model: string | undefined;
  providerOptions: Record<string, unknown>;
}

export interface NormalizedRestoreFaceRequest {
  image: InputImage;
  fidelity: number;
  format: ImageFormat;
  model: string | undefined;
  providerOptions: Record<string, unknown>;
}

export interface NormalizedRequests {
  generate: NormalizedGenerateRequest;
  removeBackground: NormalizedRemoveBackgroundRequest;
  restoreFace: NormalizedRestoreFaceRequest;
}

export type NormalizedRequest = NormalizedRequests[Operation];

/** One image a provider returns: raw bytes (the core recognises the type) or a ready `PixmuxImage`. */
export interface ProviderImage {
  bytes: Uint8Array;
  mediaType?: string;
}

/** What a provider operation resolves to. */
export interface ProviderResult {
  images: Array<ProviderImage | PixmuxImage>;
  /** The model that actually ran. */
  model?: string;
  /** The billed cost in USD, when the vendor reports it; otherwise the core uses `price()`. */
  costUsd?: number;
  /** Options the provider could not honour, and anything else the caller should know. */
  warnings?: string[];
  /** Extra facts for the caller (for the local provider: `device`). */
  metadata?: Record<string, unknown>;
}

/** Everything a provider operation gets besides the request. */
export interface ProviderContext {
  /** The provider's id. */
  provider: string;
  operation: Operation;
  /** Aborts when the caller aborts or the call's deadline passes. Pass it to every request and wait. */
  signal: AbortSignal;
  /** Milliseconds left before the call's deadline. */
  remainingMs(): number;
  /** The provider's HTTP client (node:http on Node for plain requests, fetch otherwise): base URL, headers, error mapping and this call's signal already applied. */
  http: HttpClient;
  /**
   * The same HTTP client without the call's signal, for cleanup once the call has aborted (cancelling a vendor's
   * job). Give each request its own short `signal` or `timeout`.
   */
  cleanupHttp: HttpClient;
  /** Downloads an image the vendor returned as a URL, with the client's size cap, inside the deadline. */
  download(url: string): Promise<ProviderImage>;
  /** Records a warning on the result. */
  warn(message: string): void;
  /** Reports progress the caller can see through `onEvent` (model downloads). */
  report(event: ProviderReport): void;
  /**
   * Says something about the provider rather than the call (a device fallback, a deprecation): logged as a warning
   * and sent as a `provider.notice` event. Say each thing once per provider; results carry a short `warn` instead.
   */
  notice(message: string): void;
  logger: Logger;
  /** 1 for the first try, 2 for the first retry, and so on. */
  attempt: number;
}

export type ProviderOperation<Op extends Operation> = (request: NormalizedRequests[Op], context: ProviderContext) => Promise<ProviderResult>;

/** In-flight, queued and limit: what the fallback policy reads to decide whether to spill. */
export interface Capacity {
  /** Calls running now. */
  inFlight: number;
  /** Calls waiting inside the provider for a slot. */
  queued: number;
  /** Calls the provider runs at once. */
  limit: number;
  /** The expected wait for a new call over the calls the provider has seen, when it can estimate it. */
  expectedWaitMs?: number;
  /**
   * Calls finished per second at the current parallelism and batching, measured by the provider. With it the policy
   * also counts calls it has admitted that have not reached the provider yet: wait ≈ calls ahead ÷ throughput.
   */
  throughputPerSecond?: number;
  /**
   * Calls the provider has received and not yet answered, whatever their stage (the policy then counts as unseen
   * only the calls it admitted beyond these; calls the provider is finishing are in neither `inFlight` nor `queued`).
   * @default inFlight + queued
   */
  accepted?: number;
}

/** What a provider's `price` may use besides the request. */
export interface PriceContext {
  /** Milliseconds left before the call's deadline: the longest a time-billed run can last, since it is cancelled then. */
  remainingMs: number;
}

/** The provider contract: built-in providers and a team's own are written the same way. */
export interface ProviderDefinition {
  /** Unique within one client. */
  id: string;
  /** @default 'cheap' */
  tier?: Tier;
  operations: { [Op in Operation]?: ProviderOperation<Op> };
  /** `true` when the provider can run this request, otherwise the reason it cannot. */
  supports?: (operation: Operation, request: NormalizedRequest) => true | string;
  /**
   * The most this call can cost in USD, before it runs: budgets reserve it, so it must be an upper bound (for a
   * provider billed by time, the longest run it allows — see `PriceContext.remainingMs`), not a mean. Undefined
   * when the provider cannot tell; with any cost limit set, such a provider is then passed over (`over_budget`,
   * "unpriced") unless `budget.allowUnpriced` is set.
   */
  price?: (operation: Operation, request: NormalizedRequest, context?: PriceContext) => number | undefined;
  /**
   * What makes this provider's output differ from another with the same id (model, base URL, options that change
   * the output). Part of every cache key, so two clients that share a cache never get each other's results.
   * @default { baseURL: http.baseURL }
   */
  identity?: Record<string, unknown>;
  /** Current load; without it the core reports its own concurrency bound. */
  capacity?: () => Capacity;
  /** Most calls in flight at this provider from one client. @default 8 */
  maxConcurrency?: number;
  /** Most images one `generate` call returns; larger `n` is split into bounded calls. @default 1 */
  maxImagesPerCall?: number;
  /** False when the provider has no credentials; the policy then passes it over. @default () => true */
  hasCredentials?: () => boolean;
  /** Options for the provider's HTTP client. */
  http?: ProviderHttpOptions;
  /**
   * Credentials to scrub from everything the client reports (errors, causes, attempts, events, logs), whatever their
   * length. Header values and `baseURL` credentials are added on their own; so is what `registerSecret` took since
   * the last provider was defined.
   */
  secrets?: readonly string[];
  /** Releases resources (worker threads, sockets). */
  dispose?: () => Promise<void>;
}

export interface ProviderHttpOptions {
  baseURL?: string;
  headers?: Record<string, string>;
  /** The provider's own fetch: every request of this provider goes through it (never the Node transport). */
  fetch?: typeof fetch;
  /** Refines the status → code mapping with the vendor's own signals. */
  mapError?: VendorErrorMapper;
  /** Timeout of one HTTP request, retried as a `timeout`. @default 120_000 */
  requestTimeoutMs?: number;
}

/** The record of one provider tried or passed over during a call. */
export interface Attempt {
  provider: string;
  model?: string;
  ok: boolean;
  /** Why the provider was passed over without being called. */
  skipped?: SkipReason;
  /** Detail for a skip, such as the provider's own reason for `unsupported`. */
  detail?: string;
  error?: { code: PixmuxErrorCode; message: string; status?: number };
  /** How many times the provider was called (1 + retries). */
  tries?: number;
  durationMs: number;
  costUsd?: number;
  /** For a `saturated` skip: the wait the provider was expected to have, which made the call spill. */
  expectedWaitMs?: number;
}

export type SkipReason = 'unsupported' | 'circuit_open' | 'over_budget' | 'saturated' | 'missing_credentials' | 'not_selected';

/** The result of every operation. */
export interface PixmuxResult {
  images: PixmuxImage[];
  /** The provider that produced the images. */
  provider: string;
  model: string | undefined;
  /** What the call cost, summed over every attempt that billed (0 for a cache hit). */
  costUsd: number;
  /** True when the result came from the cache: no provider was called. */
  cached: boolean;
  warnings: string[];
  attempts: Attempt[];
  timings: { totalMs: number };
  /** Extra facts from the provider (the local provider reports `device` and `timings`). */
  metadata: ResultMetadata;
}

/** Facts a provider reports with its result: the known ones typed, any other allowed. */
export interface ResultMetadata {
  /** Where a local model ran. */
  device?: 'cuda' | 'cpu' | 'webgpu';
  /** Per-stage milliseconds, where the provider measures them. */
  timings?: Record<string, number>;
  [key: string]: unknown;
}

/** What a provider can report through `ProviderContext.report`; the core adds the provider id and the call's fields. */
export type ProviderReport = {
  type: 'model.download';
  /** The model id. */
  model: string;
  /** The file being fetched. */
  file: string;
  receivedBytes: number;
  /** 0 when unknown. */
  totalBytes: number;
  /** Average since this file's download started (resumed bytes excluded). */
  bytesPerSecond: number;
};
