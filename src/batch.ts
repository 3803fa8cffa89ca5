import { pixmuxError, toPixmuxError } from './errors/create-error.js';
import type { PixmuxError } from './errors/pixmux-error.js';
import type { CallOptions, PixmuxResult } from './types.js';

/** How a batch runs. */
export interface BatchOptions {
  /** Items in flight at once. Each item still passes through the policy and the providers' own bounds. @default 8 */
  concurrency?: number;
  /** Aborts every item still running or not yet started; each of them ends as an `aborted` error item. */
  signal?: AbortSignal;
}

/** One item's outcome, reported exactly once: a result or a typed error, with the item's position in the input. */
export type BatchItem<Request> =
  | { index: number; request: Request; ok: true; result: PixmuxResult }
  | { index: number; request: Request; ok: false; error: PixmuxError };

export const DEFAULT_BATCH_CONCURRENCY = 8;

/**
 * Runs `call` over many requests with bounded concurrency and yields each outcome as it finishes. Requests are
 * read lazily (an iterable or async iterable of millions is fine); no item is lost: every request read ends in
 * exactly one item, `ok: true` with its result or `ok: false` with its error. Stopping the loop early aborts
 * the items in flight and waits for them to settle.
 */
export async function* runBatch<Request extends CallOptions>(
  call: (request: Request) => Promise<PixmuxResult>,
  requests: Iterable<Request> | AsyncIterable<Request>,
  options: BatchOptions = {},
): AsyncGenerator<BatchItem<Request>, void, undefined> {
  const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw pixmuxError('invalid_request', 'batch: concurrency must be a whole number of at least 1');
  const source = iterate(requests);
  const signals = new ItemSignals();
  const running = new Map<number, Promise<BatchItem<Request>>>();
  let next = 0;
  let exhausted = false;
  let sourceError: unknown;

  const start = (request: Request) => {
    const index = next++;
    const item = signals.open([options.signal, request?.signal]);
    const outcome = Promise.resolve()
      .then(() => call({ ...request, signal: item.signal }))
      .then(
        (result): BatchItem<Request> => ({ index, request, ok: true, result }),
        (error: unknown): BatchItem<Request> => ({ index, request, ok: false, error: toPixmuxError(error) }),
      )
      .finally(item.close);
    running.set(index, outcome);
  };

  try {
    for (;;) {
      while (!exhausted && running.size < concurrency) {
        let step: IteratorResult<Request>;
        try {
          step = await source.next();
        } catch (error) {
          sourceError = error;
          exhausted = true;
          break;
        }
        if (step.done) exhausted = true;
        else start(step.value);
      }
      if (running.size === 0) break;
      const item = await Promise.race(running.values());
      running.delete(item.index);
      yield item;
    }
    if (sourceError !== undefined) {
      const reason = sourceError instanceof Error ? sourceError.message : String(sourceError);
      throw pixmuxError('invalid_request', `batch: reading the requests failed after ${next} item(s): ${reason}`);
    }
  } finally {
    if (running.size > 0) {
      signals.abortAll(pixmuxError('aborted', 'batch: stopped before this item finished'));
      await Promise.allSettled(running.values());
    }
    signals.close();
    await source.return?.();
  }
}

/**
 * Each item's own signal, aborted when the batch stops or when one of its sources (the batch's `signal`, the
 * request's own) aborts. A source gets one listener however many items follow it, and each call gets a signal of its
 * own: the listeners a call adds stay on that signal, so no signal collects one per item at any concurrency
 * (no MaxListenersExceededWarning).
 */
class ItemSignals {
  private readonly live = new Set<AbortController>();
  private readonly followers = new Map<AbortSignal, { items: Set<AbortController>; onAbort: () => void }>();

  open(sources: Array<AbortSignal | undefined>): { signal: AbortSignal; close: () => void } {
    const controller = new AbortController();
    const followed: AbortSignal[] = [];
    for (const source of new Set(sources)) {
      if (!source) continue;
      if (source.aborted) {
        controller.abort(source.reason);
        break;
      }
      this.follow(source, controller);
      followed.push(source);
    }
    this.live.add(controller);
    const close = () => {
      this.live.delete(controller);
      for (const source of followed) this.unfollow(source, controller);
    };
    return { signal: controller.signal, close };
  }

  abortAll(reason: unknown): void {
    for (const controller of this.live) controller.abort(reason);
  }

  /** Drops the listeners still on the sources (items that never settled cannot hold them). */
  close(): void {
    for (const [source, { onAbort }] of this.followers) source.removeEventListener('abort', onAbort);
    this.followers.clear();
    this.live.clear();
  }

  private follow(source: AbortSignal, controller: AbortController): void {
    let entry = this.followers.get(source);
    if (!entry) {
      const items = new Set<AbortController>();
      const onAbort = () => {
        for (const item of items) item.abort(source.reason);
      };
      entry = { items, onAbort };
      this.followers.set(source, entry);
      source.addEventListener('abort', onAbort, { once: true });
    }
    entry.items.add(controller);
  }

  private unfollow(source: AbortSignal, controller: AbortController): void {
    const entry = this.followers.get(source);
    if (!entry) return;
    entry.items.delete(controller);
    if (entry.items.size > 0) return;
    source.removeEventListener('abort', entry.onAbort);
    this.followers.delete(source);
  }
}

function iterate<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  if (items && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (items && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
  throw pixmuxError('invalid_request', 'batch: requests must be an iterable or an async iterable of requests');
}
