import { toPixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ErrorSummary } from '../events.js';
import { downloadBytes } from '../http/download.js';
import { toPixmuxImage } from '../image/output.js';
import type { PixmuxImage } from '../image/pixmux-image.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { NormalizedGenerateRequest, NormalizedRequest, ProviderContext, ProviderResult } from '../types.js';
import type { AbortScope } from '../util/abort-scope.js';
import type { CallState } from './call-state.js';
import { retryDelay } from './retry-options.js';
import { estimateUsd } from './order.js';

/** What one provider produced for a call, all chunks and retries included. */
export interface ProviderRun {
  images: PixmuxImage[];
  model: string | undefined;
  /** Billed (or, failing that, estimated) dollars. */
  costUsd: number;
  warnings: string[];
  metadata: Record<string, unknown>;
  tries: number;
}

/** A provider's failure, with what it billed before failing. */
export interface ProviderFailure {
  error: PixmuxError;
  costUsd: number;
  tries: number;
}

/**
 * Runs one provider for a call: `n` split into bounded chunks, each chunk through the provider's
 * concurrency limit and the retry loop, all inside the call's deadline.
 */
export async function runProvider(entry: ProviderEntry, request: NormalizedRequest, call: CallState, scope: AbortScope = call.deadline): Promise<ProviderRun> {
  const chunks = splitRequest(entry, request, call);
  const run: ProviderRun = { images: [], model: undefined, costUsd: 0, warnings: [], metadata: {}, tries: 0 };
  if (chunks.length === 1) {
    try {
      return collect(run, [await runChunk(entry, chunks[0]!, call, run, scope)]);
    } catch (thrown) {
      throw failed(thrown, entry, run);
    }
  }
  const settled = await Promise.allSettled(chunks.map((chunk) => runChunk(entry, chunk, call, run, scope)));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failed(failure.reason, entry, run);
  return collect(run, settled.map((outcome) => (outcome as PromiseFulfilledResult<ChunkResult>).value));
}

/** The chunks' images, warnings and metadata gathered into the provider's run, in chunk order. */
function collect(run: ProviderRun, results: ChunkResult[]): ProviderRun {
  if (results.length === 1) {
    const [result] = results as [ChunkResult];
    run.images = result.images;
    run.model = result.model;
    if (result.warnings) run.warnings = result.warnings;
    if (result.metadata) Object.assign(run.metadata, result.metadata);
    return run;
  }
  for (const result of results) {
    run.images.push(...result.images);
    run.model ??= result.model;
    if (result.warnings) run.warnings.push(...result.warnings);
    if (result.metadata) Object.assign(run.metadata, result.metadata);
  }
  return run;
}

/** A chunk's failure as the provider's, carrying what the provider billed and how often it was tried. */
function failed(thrown: unknown, entry: ProviderEntry, run: ProviderRun): PixmuxError {
  const error = toPixmuxError(thrown, entry.provider.id);
  return Object.assign(error, { failure: { costUsd: run.costUsd, tries: run.tries } });
}

/** Reads the billed cost and tries from an error thrown by `runProvider`. */
export function failureOf(error: PixmuxError): { costUsd: number; tries: number } {
  return (error as PixmuxError & { failure?: { costUsd: number; tries: number } }).failure ?? { costUsd: 0, tries: 1 };
}

/** A provider's result with its images recognised. */
type ChunkResult = Omit<ProviderResult, 'images'> & { images: PixmuxImage[] };

async function runChunk(entry: ProviderEntry, request: NormalizedRequest, call: CallState, run: ProviderRun, scope: AbortScope): Promise<ChunkResult> {
  const { provider } = entry;
  const operation = provider.operations[call.operation] as (req: NormalizedRequest, ctx: ProviderContext) => Promise<ProviderResult>;
  const once = async (tryNumber: number): Promise<ChunkResult> => {
    run.tries += 1;
    const warnings: string[] = [];
    const context = createContext(entry, call, tryNumber, warnings, scope);
    const startedAt = Date.now();
    if (call.observed) call.emit({ type: 'attempt.started', provider: provider.id, try: tryNumber });
    try {
      if (scope.aborted) throw scope.reason;
      // Promise.resolve: a provider written without `async` may hand back a plain value.
      const result = await scope.race(Promise.resolve(operation(request, context)));
      if (!result || !Array.isArray(result.images) || result.images.length === 0) {
        throw toPixmuxError(Object.assign(new Error('returned no images'), { name: 'EmptyResult' }), provider.id);
      }
      // Recognise the bytes now, so a bad image is retried or failed over like any other bad response.
      const images = result.images.map((image) => toPixmuxImage(image, provider.id));
      run.costUsd += billOf(result.costUsd, entry, call, request, warnings);
      if (call.observed) call.emit({ type: 'attempt.ended', provider: provider.id, try: tryNumber, ok: true, durationMs: Date.now() - startedAt });
      const own = result.warnings;
      return { images, model: result.model, costUsd: result.costUsd, warnings: own === undefined || own.length === 0 ? warnings : [...warnings, ...own], metadata: result.metadata };
    } catch (thrown) {
      const error = scope.aborted && !isOwnFailure(thrown) ? toPixmuxError(scope.reason) : toPixmuxError(thrown, provider.id);
      call.emit({ type: 'attempt.ended', provider: provider.id, try: tryNumber, ok: false, durationMs: Date.now() - startedAt, error: summarize(error) });
      throw error;
    }
  };
  /**
   * Tries again after a retryable failure, waiting the provider's own hint (up to the cap) or a jittered backoff;
   * a wait longer than the cap, or past the deadline, is better spent on the next provider, so the failure goes up.
   */
  const withRetries = async (attemptOnce: (tryNumber: number) => Promise<ChunkResult>): Promise<ChunkResult> => {
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        return await attemptOnce(tryNumber);
      } catch (thrown) {
        const failure = toPixmuxError(thrown);
        if (!failure.retryable || tryNumber > call.retry.retries || scope.aborted) throw failure;
        const delayMs = retryDelay(tryNumber, failure.retryAfterMs, call.retry);
        if (delayMs === undefined || delayMs >= call.deadline.remainingMs()) throw failure;
        call.emit({ type: 'retry.scheduled', provider: provider.id, retry: tryNumber, delayMs, error: summarize(failure) });
        call.logger.debug(`${provider.id}: retry ${tryNumber} in ${delayMs} ms after ${failure.code}`);
        await scope.sleep(delayMs);
      }
    }
  };
  return scope.race(
    entry.limit(async () => {
      const slotAt = performance.now();
      try {
        return await withRetries(once);
      } finally {
        call.load.recordService(provider.id, performance.now() - slotAt);
      }
    }),
  );
}

/**
 * What one chunk billed: the provider's reported cost, else its price for the chunk. A reported cost that is not a
 * usable number (NaN, negative) is kept as NaN, so the budget counts the attempt at its reservation, and said on the result.
 */
function billOf(reported: number | undefined, entry: ProviderEntry, call: CallState, request: NormalizedRequest, warnings: string[]): number {
  if (reported === undefined) return estimateUsd(entry, call.operation, request, { remainingMs: call.deadline.remainingMs() }) ?? 0;
  if (typeof reported === 'number' && Number.isFinite(reported) && reported >= 0) return reported;
  warnings.push(`${entry.provider.id} reported a cost of ${String(reported)}, which is not a cost; the call is counted at what was reserved for it`);
  return Number.NaN;
}

/** Errors the provider raised itself (a typed pixmux error that is not about the abort) keep their code. */
function isOwnFailure(thrown: unknown): boolean {
  const error = toPixmuxError(thrown);
  return error.code !== 'aborted' && error.code !== 'timeout' && error.code !== 'provider_error';
}

function createContext(entry: ProviderEntry, call: CallState, attempt: number, warnings: string[], scope: AbortScope): ProviderContext {
  return new TryContext(entry, call, attempt, warnings, scope);
}

/**
 * What a provider gets for one try. A class rather than an object literal so that `signal` can be a getter (made on
 * first use: a provider that never reads it, and sends no request, costs the call no AbortSignal) without making
 * every context a slow object; the functions stay own properties, so a provider may pass them around unbound.
 */
class TryContext implements ProviderContext {
  readonly provider: string;
  readonly operation: CallState['operation'];
  readonly http: ProviderContext['http'];
  readonly cleanupHttp: ProviderContext['http'];
  readonly logger: CallState['logger'];
  readonly remainingMs: () => number;
  readonly download: ProviderContext['download'];
  readonly warn: ProviderContext['warn'];
  readonly report: ProviderContext['report'];
  readonly notice: ProviderContext['notice'];

  constructor(
    entry: ProviderEntry,
    call: CallState,
    readonly attempt: number,
    warnings: string[],
    private readonly scope: AbortScope,
  ) {
    const id = entry.provider.id;
    this.provider = id;
    this.operation = call.operation;
    this.logger = call.logger;
    this.remainingMs = call.deadline.remainingMs;
    // One light view per try (no client instance is built): the call's signal, and its deadline so that a request
    // timeout that cannot fire before it arms no timer.
    this.http = entry.http.withSignal(scope, call.deadline.remainingMs);
    this.cleanupHttp = entry.http;
    this.download = async (url) => {
      const { bytes, contentType } = await downloadBytes(url, {
        maxBytes: call.limits.maxDownloadBytes,
        timeoutMs: Math.min(call.limits.downloadTimeoutMs, Math.max(1, call.deadline.remainingMs())),
        signal: scope.signal,
        fetch: entry.provider.http?.fetch ?? call.fetch,
        provider: id,
        failureCode: 'bad_response',
        // The provider's own configured origin is trusted; anywhere else the public-network rule applies.
        network: { allowPrivateNetwork: call.allowPrivateNetwork, trustedOrigin: originOf(entry.provider.http?.baseURL) },
      });
      return { bytes, ...(contentType ? { mediaType: contentType } : {}) };
    };
    this.warn = (message) => {
      warnings.push(message);
    };
    this.report = (event) => call.emit({ ...event, provider: id });
    this.notice = (message) => {
      call.logger.warn(message, { provider: id });
      call.emit({ type: 'provider.notice', provider: id, message });
    };
  }

  get signal(): AbortSignal {
    return this.scope.sharedSignal;
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Splits `generate` with `n` above the provider's per-call maximum into chunks; seeds advance so chunks differ. */
function splitRequest(entry: ProviderEntry, request: NormalizedRequest, call: CallState): NormalizedRequest[] {
  if (call.operation !== 'generate') return [request];
  const generate = request as NormalizedGenerateRequest;
  const perCall = entry.provider.maxImagesPerCall ?? 1;
  if (generate.n <= perCall) return [request];
  const chunks: NormalizedGenerateRequest[] = [];
  for (let done = 0; done < generate.n; done += perCall) {
    chunks.push({ ...generate, n: Math.min(perCall, generate.n - done), seed: generate.seed === undefined ? undefined : (generate.seed + done) % 4_294_967_296 });
  }
  return chunks;
}

export function summarize(error: PixmuxError): ErrorSummary {
  return { code: error.code, message: error.message, ...(error.status !== undefined ? { status: error.status } : {}) };
}
