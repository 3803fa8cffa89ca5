import { pixmuxError, toPixmuxError } from './errors/create-error.js';
import { emitter, type EventListener } from './events.js';
import { normalizeImage } from './image/input.js';
import { resolveInputSources, type InputSources } from './image/input-sources.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image/limits.js';
import { safeLogger, type Logger } from './logger.js';
import type { CallState } from './policy/call-state.js';
import { DEFAULT_RETRY, type RetryOptions } from './policy/retry-options.js';
import { summarize } from './policy/run-provider.js';
import { runCall } from './policy/run.js';
import type { Provider } from './provider/define-provider.js';
import { createRegistry } from './provider/registry.js';
import type { HttpTransport } from './http/client.js';
import { generateRequestSchema, removeBackgroundRequestSchema, restoreFaceRequestSchema } from './request/schemas.js';
import { validate } from './request/validate.js';
import type {
  CallOptions,
  GenerateRequest,
  ImageInput,
  NormalizedRequest,
  Operation,
  PixmuxResult,
  RemoveBackgroundRequest,
  RestoreFaceRequest,
} from './types.js';
import { createDeadline } from './util/deadline.js';
import type { AbortScope } from './util/abort-scope.js';
import { createBudgetGate } from './budget/budget-gate.js';
import type { BudgetOptions } from './budget/types.js';
import { requestDigest } from './cache/key.js';
import { resolveCache } from './cache/resolve.js';
import { ResultCache, type CachePlan } from './cache/result-cache.js';
import { selectEntries } from './policy/plan.js';
import type { CacheOptions, CacheStore } from './cache/types.js';
import { CircuitBreaker, type CircuitOptions } from './circuit/circuit-breaker.js';
import { LoadTracker } from './policy/load.js';
import { resolvePolicy, validatePolicy, type PolicyOptions } from './policy/policy-options.js';
import { PixmuxError } from './errors/pixmux-error.js';
import { redactAttempts, redactErrorInPlace, redactorFor } from './errors/redact.js';
import { secretsOf } from './provider/define-provider.js';
import type { PixmuxImage } from './image/pixmux-image.js';
import { runBatch, type BatchItem, type BatchOptions } from './batch.js';
import { collectStatus, type PixmuxStatus } from './status.js';
import { createTelemetry } from './telemetry/otel.js';
import type { TelemetryOptions } from './telemetry/types.js';

/** The request type of each operation, for `batch`. */
export interface BatchRequests {
  generate: GenerateRequest;
  removeBackground: RemoveBackgroundRequest;
  restoreFace: RestoreFaceRequest;
}

export interface PixmuxOptions {
  /** The backends, built with provider factories or `defineProvider`. Ids must be unique. */
  providers: Provider[];
  /** Retries at one provider before moving on. @default { retries: 2, minDelayMs: 500, maxDelayMs: 8000, factor: 2, jitter: 0.25, maxRetryAfterMs: 60000 } */
  retry?: RetryOptions;
  /** Default deadline of a whole call, retries and fallbacks included. @default 120_000 */
  timeoutMs?: number;
  /** Limits on input images and downloads. @default { maxBytes: 25 MB, maxPixels: 50 MP, maxDownloadBytes: 50 MB, downloadTimeoutMs: 30000, maxResponseBytes: 64 MB } */
  limits?: ImageLimits;
  /** Receives a typed event for every decision: attempts, retries, fallbacks, the end of each call. Keys are never included. */
  onEvent?: EventListener;
  /** Where pixmux logs; `console` fits. @default silent */
  logger?: Partial<Logger>;
  /** fetch used to download input images and result URLs. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * How providers' API requests are sent. `'auto'`: on Node, plain requests (a JSON, text or bytes body, no `fetch`
   * of the provider's own) go through `node:http`/`node:https` with keep-alive — several times less CPU per request
   * than `fetch` — and everything else through `fetch`; a proxy or mock dispatcher installed with undici's
   * `setGlobalDispatcher` sends everything through `fetch`. `'fetch'`: every request through `fetch`.
   * @default 'auto'
   */
  httpTransport?: HttpTransport;
  /** Which provider runs a call: order, spill by expected wait, what moves on, hedging. @default { order: 'tier', spill: { maxWaitMs: 2000 }, fallbackOn: { contentPolicy: false } } */
  policy?: PolicyOptions;
  /** Per-provider circuit breakers, or `false` for none. @default { failureThreshold: 5, cooldownMs: 30000, credentialCooldownMs: 300000 } */
  circuit?: CircuitOptions | false;
  /** Per-call cap and period limits, with the store that counts spend. @default no limits */
  budget?: BudgetOptions;
  /** The result cache: `{ memory: { maxEntries } }`, `{ dir }`, `{ store }`, a store, or `false`. @default false */
  cache?: CacheOptions | CacheStore;
  /**
   * OpenTelemetry: a span per call and per attempt (operation, provider, model, tier, outcome code, cost; skips,
   * spills, fallbacks and retries as span events) and metrics (`pixmux.calls`, `pixmux.cost`, `pixmux.call.duration`,
   * `pixmux.attempt.duration`). Needs `@opentelemetry/api` installed (an optional peer, loaded only when this is on).
   * @default false
   */
  telemetry?: boolean | TelemetryOptions;
  /**
   * Which input strings are read: file paths (`files`, off by default) and URLs (`urls`, public addresses only by
   * default; also applies to result URLs off a provider's own origin). See the README's Security section.
   * @default { files: false, urls: true }
   * @example
   * createPixmux({ providers, input: { files: { root: '/srv/uploads' }, urls: { allowPrivateNetwork: true } } });
   */
  input?: InputSources;
}

export interface Pixmux {
  /**
   * Generates images from a prompt.
   * @example
   * const { images } = await px.generate({ prompt: 'a red bicycle on a white background', size: '1024x1024' });
   */
  generate(request: GenerateRequest): Promise<PixmuxResult>;
  /**
   * Cuts the subject out of a photo.
   * @example
   * const { images } = await px.removeBackground({ image: photoBytes }); // paths need createPixmux({ input: { files: true } })
   */
  removeBackground(request: RemoveBackgroundRequest): Promise<PixmuxResult>;
  /**
   * Restores the faces in a photo.
   * @example
   * const { images } = await px.restoreFace({ image: bytes, fidelity: 0.7 });
   */
  restoreFace(request: RestoreFaceRequest): Promise<PixmuxResult>;
  /**
   * Runs many requests of one operation with bounded concurrency, yielding each outcome as it finishes. Every
   * request ends in exactly one item — a result or a typed error — so a batch never loses an item.
   * @example
   * for await (const item of px.batch('removeBackground', photos.map((image) => ({ image })), { concurrency: 16 })) {
   *   if (item.ok) await save(item.index, item.result.images[0].bytes);
   *   else console.error(item.index, item.error.code, item.error.message);
   * }
   */
  batch<Op extends Operation>(operation: Op, requests: Iterable<BatchRequests[Op]> | AsyncIterable<BatchRequests[Op]>, options?: BatchOptions): AsyncGenerator<BatchItem<BatchRequests[Op]>, void, undefined>;
  /**
   * What the client knows of itself now: spend per budget period (from its store, so a shared Redis shows the
   * fleet's), each provider's circuit with the failure that opened it, and each provider's load and expected wait.
   * @example
   * const { budget, providers } = await px.status();
   * for (const p of providers) if (p.circuit.state === 'open') alert(`${p.id}: ${p.circuit.lastFailure?.code}`);
   */
  status(): Promise<PixmuxStatus>;
  /** The configured provider ids, in order. */
  readonly providers: string[];
  /** Releases every provider's resources (worker threads, sockets). */
  dispose(): Promise<void>;
}

/** One field of a request that has not been validated yet; a throwing getter reads as absent. */
function peek<K extends keyof CallOptions>(raw: CallOptions, key: K): unknown {
  try {
    return raw[key];
  } catch {
    return undefined;
  }
}

/** Both listeners, the user's first; each one's failure stays its own. */
function bothListeners(first: EventListener | undefined, second: EventListener): EventListener {
  if (!first) return second;
  return (event) => {
    try {
      first(event);
    } finally {
      second(event);
    }
  };
}

/** A typed failure that is not just the echo of the call's own abort. */
function isTyped(thrown: unknown): boolean {
  return PixmuxError.isInstance(thrown) && thrown.code !== 'provider_error';
}

const MEDIA_TYPES = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

/** The requested format is a wish the provider may not honour; say so rather than drop it silently. */
function formatWarnings(operation: Operation, request: NormalizedRequest, images: PixmuxImage[]): string[] {
  const wanted = MEDIA_TYPES[request.format];
  const other = images.find((image) => image.mediaType !== wanted);
  return other ? [`${operation}: asked for ${request.format}, the provider returned ${other.mediaType}`] : [];
}

export const DEFAULT_TIMEOUT_MS = 120_000;

let callCounter = 0;

/**
 * Creates a client over one or more providers.
 * @example
 * const px = createPixmux({ providers: [openaiCompatible({ baseURL: 'http://gpu-box:8000/v1', model: 'flux-schnell' })] });
 */
export function createPixmux(options: PixmuxOptions): Pixmux {
  if (typeof options !== 'object' || options === null) throw pixmuxError('invalid_request', 'createPixmux: options must be an object');
  const limits = { ...DEFAULT_IMAGE_LIMITS, ...options.limits };
  if (options.httpTransport !== undefined && options.httpTransport !== 'auto' && options.httpTransport !== 'fetch') {
    throw pixmuxError('invalid_request', `createPixmux: httpTransport must be 'auto' or 'fetch' (got ${JSON.stringify(options.httpTransport)})`);
  }
  const entries = createRegistry(options.providers, { maxResponseBytes: limits.maxResponseBytes, transport: options.httpTransport });
  // This client's own redaction: the patterns plus its providers' secrets, released with the client.
  const scrub = redactorFor([...entries.values()].map((entry) => secretsOf(entry.provider)));
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sources = resolveInputSources(options.input);
  const logger = safeLogger(options.logger, undefined, scrub);
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clientPolicy = validatePolicy(options.policy, 'createPixmux');
  /** The client's policy over the defaults, shared by every call that brings no policy of its own (never mutated). */
  const basePolicy = resolvePolicy(clientPolicy, undefined);
  const circuit = options.circuit === false ? undefined : new CircuitBreaker(options.circuit ?? {});
  const budget = createBudgetGate(options.budget);
  const store = resolveCache(options.cache);
  const cache = store ? new ResultCache(store, logger) : undefined;
  const load = new LoadTracker();
  const telemetry = options.telemetry ? createTelemetry(options.telemetry === true ? {} : options.telemetry, (id) => entries.get(id)?.provider.tier, logger) : undefined;
  const listener = telemetry ? bothListeners(options.onEvent, telemetry.onEvent) : options.onEvent;

  /** `providerOptions` keys that name no configured provider: a misspelt id would otherwise be dropped silently. */
  function strayOptionKeys(providerOptions: Record<string, unknown>): string[] {
    return Object.keys(providerOptions).filter((key) => !entries.has(key));
  }

  /** The providers a call may be served from, in its order: those it names (or all) that implement the operation. */
  function cacheCandidates(operation: Operation, selection: readonly string[] | undefined) {
    return selectEntries(entries, selection)
      .map((entry) => entry.provider)
      .filter((provider) => provider.operations[operation] !== undefined);
  }

  async function call(operation: Operation, raw: CallOptions, normalize: (scope: AbortScope) => Promise<NormalizedRequest>): Promise<PixmuxResult> {
    const callId = `px_${Date.now().toString(36)}_${(callCounter++).toString(36)}`;
    if (telemetry) await telemetry.ready;
    const emit = emitter(listener, callId, operation, scrub);
    const startedAt = Date.now();
    // Read before validation, so read defensively: validation reports what is wrong with them.
    const deadline = createDeadline(peek(raw, 'timeoutMs'), peek(raw, 'signal'), defaultTimeoutMs);
    const state: CallState = {
      callId,
      operation,
      deadline,
      retry,
      limits,
      logger,
      emit,
      observed: listener !== undefined,
      fetch: options.fetch,
      allowPrivateNetwork: sources.urls !== false && sources.urls.allowPrivateNetwork,
      providerOptions: {},
      policy: basePolicy,
      keepSelectionOrder: false,
      maxCostUsd: undefined,
      circuit,
      budget,
      load,
    };
    try {
      const request = await normalize(deadline);
      state.providerOptions = raw.providerOptions ?? {};
      // Validated with the request above: the call's own policy, order and cap.
      if (raw.policy !== undefined) state.policy = resolvePolicy(clientPolicy, raw.policy);
      state.keepSelectionOrder = raw.providers !== undefined && raw.policy?.order === undefined;
      state.maxCostUsd = raw.maxCostUsd;
      const digest = cache && raw.cache !== false ? await requestDigest(operation, request) : undefined;
      const plan = cache && digest ? await cache.plan(digest, cacheCandidates(operation, raw.providers), state.providerOptions) : undefined;
      const run = async () => {
        const ran = await runCall(entries, request, raw.providers, state);
        const result = {
          ...ran,
          warnings: [...ran.warnings, ...formatWarnings(operation, request, ran.images)].map(scrub),
          attempts: redactAttempts(ran.attempts, scrub),
        };
        const key = cache && plan ? await cache.save(plan, result, deadline.signal) : undefined;
        if (key) emit({ type: 'cache.stored', key });
        return result;
      };
      const served = cache && plan ? await fromCacheOr(cache, plan, run) : await run();
      const strays = strayOptionKeys(state.providerOptions);
      const result = strays.length === 0 ? served : { ...served, warnings: [...served.warnings, `providerOptions: ${strays.map((key) => JSON.stringify(key)).join(', ')} name${strays.length === 1 ? 's' : ''} no configured provider (configured: ${[...entries.keys()].join(', ')}); ignored`] };
      const totalMs = Date.now() - startedAt;
      // Built only for a listener: the event's optional fields cost allocations on every call otherwise.
      if (listener) emit({ type: 'call.finished', ok: true, provider: result.provider, ...(result.model ? { model: result.model } : {}), ...(result.cached ? { cached: true } : {}), costUsd: result.costUsd, durationMs: totalMs });
      return { ...result, timings: { totalMs } };

      /** A stored result, else the identical call already running, else this call runs and others may join it. */
      async function fromCacheOr(cache: ResultCache, plan: CachePlan, work: typeof run) {
        const hit = await cache.lookup(plan, deadline.signal);
        if (hit) {
          emit({ type: 'cache.hit', key: plan.keys.find((entry) => entry.provider === hit.provider)!.key, provider: hit.provider });
          return hit;
        }
        for (let flight = cache.joinFlight(plan); flight; flight = cache.joinFlight(plan)) {
          emit({ type: 'cache.joined', key: plan.flightKey });
          try {
            const shared = await deadline.race(flight);
            emit({ type: 'cache.hit', key: plan.flightKey, provider: shared.provider });
            return shared;
          } catch (error) {
            // The call it waited for ended by its own abort or deadline: this one goes on by itself.
            if (deadline.aborted || !PixmuxError.isInstance(error) || (error.code !== 'aborted' && error.code !== 'timeout')) throw error;
          }
        }
        return cache.lead(plan, work);
      }
    } catch (thrown) {
      const error = redactErrorInPlace(deadline.aborted && !isTyped(thrown) ? toPixmuxError(deadline.reason) : toPixmuxError(thrown), scrub);
      const costUsd = (error.attempts ?? []).reduce((total, attempt) => total + (attempt.costUsd ?? 0), 0);
      emit({ type: 'call.finished', ok: false, costUsd, durationMs: Date.now() - startedAt, error: summarize(error) });
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** The call's signal is made only when the image must be fetched or read (a URL, a path), not for bytes in hand. */
  async function readImage(image: ImageInput, scope: AbortScope) {
    return normalizeImage(image, {
      limits,
      sources,
      get signal() {
        return scope.signal;
      },
      fetch: options.fetch,
    });
  }

  const client: Pixmux = {
    providers: [...entries.keys()],
    status: () => collectStatus(entries, circuit, budget, load),
    batch(operation, requests, batchOptions) {
      if (!['generate', 'removeBackground', 'restoreFace'].includes(operation)) {
        throw pixmuxError('invalid_request', `batch: unknown operation ${JSON.stringify(operation)}`);
      }
      const run = client[operation] as (request: BatchRequests[typeof operation]) => Promise<PixmuxResult>;
      return runBatch(run, requests, batchOptions);
    },
    generate(request) {
      return call('generate', request ?? {}, async () => {
        const valid = validate(generateRequestSchema, request, 'generate');
        return {
          prompt: valid.prompt,
          negativePrompt: valid.negativePrompt,
          size: valid.size,
          aspectRatio: valid.aspectRatio,
          n: valid.n ?? 1,
          seed: valid.seed,
          format: valid.format ?? 'png',
          model: valid.model,
          providerOptions: {},
        };
      });
    },
    removeBackground(request) {
      return call('removeBackground', request ?? {}, async (scope) => {
        const valid = validate(removeBackgroundRequestSchema, request, 'removeBackground');
        return { image: await readImage(valid.image as ImageInput, scope), format: valid.format ?? 'png', model: valid.model, providerOptions: {} };
      });
    },
    restoreFace(request) {
      return call('restoreFace', request ?? {}, async (scope) => {
        const valid = validate(restoreFaceRequestSchema, request, 'restoreFace');
        return { image: await readImage(valid.image as ImageInput, scope), fidelity: valid.fidelity ?? 0.5, format: valid.format ?? 'png', model: valid.model, providerOptions: {} };
      });
    },
    async dispose() {
      await Promise.allSettled([...entries.values()].map((entry) => entry.provider.dispose?.()));
    },
  };
  return client;
}
