import { toPixmuxError } from '../errors/create-error.js';
import type { PixmuxError } from '../errors/pixmux-error.js';
import type { ErrorSummary } from '../events.js';
import { downloadBytes } from '../http/download.js';
import { toPixmuxImage } from '../image/output.js';
import type { PixmuxImage } from '../image/pixmux-image.js';
import type { ProviderEntry } from '../provider/registry.js';
import type { NormalizedGenerateRequest, NormalizedRequest, ProviderContext, ProviderResult } from '../types.js';
import { raceSignal, sleep } from '../util/signals.js';
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
export async function runProvider(entry: ProviderEntry, request: NormalizedRequest, call: CallState, signal: AbortSignal = call.deadline.signal): Promise<ProviderRun> {
  const chunks = splitRequest(entry, request, call);
  const run: ProviderRun = { images: [], model: undefined, costUsd: 0, warnings: [], metadata: {}, tries: 0 };
  const settled = await Promise.allSettled(chunks.map((chunk) => runChunk(entry, chunk, call, run, signal)));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    const error = toPixmuxError(failure.reason, entry.provider.id);
    throw Object.assign(error, { failure: { costUsd: run.costUsd, tries: run.tries } });
  }
  for (const outcome of settled) {
    if (outcome.status !== 'fulfilled') continue;
    const result = outcome.value;
    run.images.push(...result.images);
    run.model ??= result.model;
    run.warnings.push(...(result.warnings ?? []));
    Object.assign(run.metadata, result.metadata);
  }
  return run;
}

/** Reads the billed cost and tries from an error thrown by `runProvider`. */
export function failureOf(error: PixmuxError): { costUsd: number; tries: number } {
  return (error as PixmuxError & { failure?: { costUsd: number; tries: number } }).failure ?? { costUsd: 0, tries: 1 };
}

/** A provider's result with its images recognised. */
type ChunkResult = Omit<ProviderResult, 'images'> & { images: PixmuxImage[] };

async function runChunk(entry: ProviderEntry, request: NormalizedRequest, call: CallState, run: ProviderRun, signal: AbortSignal): Promise<ChunkResult> {
  const { provider } = entry;
  const operation = provider.operations[call.operation] as (req: NormalizedRequest, ctx: ProviderContext) => Promise<ProviderResult>;
  const once = async (tryNumber: number): Promise<ChunkResult> => {
    run.tries += 1;
    const warnings: string[] = [];
    const context = createContext(entry, call, tryNumber, warnings, signal);
    const startedAt = Date.now();
    call.emit({ type: 'attempt.started', provider: provider.id, try: tryNumber });
    try {
      if (signal.aborted) throw signal.reason;
      const result = await raceSignal(Promise.resolve().then(() => operation(request, context)), signal);
      if (!result || !Array.isArray(result.images) || result.images.length === 0) {
        throw toPixmuxError(Object.assign(new Error('returned no images'), { name: 'EmptyResult' }), provider.id);
      }
      // Recognise the bytes now, so a bad image is retried or failed over like any other bad response.
      const images = result.images.map((image) => toPixmuxImage(image, provider.id));
      run.costUsd += billOf(result.costUsd, entry, call, request, warnings);
      call.emit({ type: 'attempt.ended', provider: provider.id, try: tryNumber, ok: true, durationMs: Date.now() - startedAt });
      return { ...result, images, warnings: [...warnings, ...(result.warnings ?? [])] };
    } catch (thrown) {
      const error = signal.aborted && !isOwnFailure(thrown) ? toPixmuxError(signal.reason) : toPixmuxError(thrown, provider.id);
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
        if (!failure.retryable || tryNumber > call.retry.retries || signal.aborted) throw failure;
        const delayMs = retryDelay(tryNumber, failure.retryAfterMs, call.retry);
        if (delayMs === undefined || delayMs >= call.deadline.remainingMs()) throw failure;
        call.emit({ type: 'retry.scheduled', provider: provider.id, retry: tryNumber, delayMs, error: summarize(failure) });
        call.logger.debug(`${provider.id}: retry ${tryNumber} in ${delayMs} ms after ${failure.code}`);
        await sleep(delayMs, signal);
      }
    }
  };
  return raceSignal(
    entry.limit(async () => {
      const slotAt = performance.now();
      try {
        return await withRetries(once);
      } finally {
        call.load.recordService(provider.id, performance.now() - slotAt);
      }
    }),
    signal,
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

function createContext(entry: ProviderEntry, call: CallState, attempt: number, warnings: string[], signal: AbortSignal): ProviderContext {
  const id = entry.provider.id;
  return {
    provider: id,
    operation: call.operation,
    signal,
    remainingMs: () => call.deadline.remainingMs(),
    // One light view per try (no client instance is built): the call's signal, and its deadline so that a request
    // timeout that cannot fire before it arms no timer.
    http: entry.http.withSignal(signal, call.deadline.remainingMs),
    cleanupHttp: entry.http,
    download: async (url) => {
      const { bytes, contentType } = await downloadBytes(url, {
        maxBytes: call.limits.maxDownloadBytes,
        timeoutMs: Math.min(call.limits.downloadTimeoutMs, Math.max(1, call.deadline.remainingMs())),
        signal,
        fetch: entry.provider.http?.fetch ?? call.fetch,
        provider: id,
        failureCode: 'bad_response',
        // The provider's own configured origin is trusted; anywhere else the public-network rule applies.
        network: { allowPrivateNetwork: call.allowPrivateNetwork, trustedOrigin: originOf(entry.provider.http?.baseURL) },
      });
      return { bytes, ...(contentType ? { mediaType: contentType } : {}) };
    },
    warn: (message) => warnings.push(message),
    report: (event) => call.emit({ ...event, provider: id }),
    notice: (message) => {
      call.logger.warn(message, { provider: id });
      call.emit({ type: 'provider.notice', provider: id, message });
    },
    logger: call.logger,
    attempt,
  };
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
