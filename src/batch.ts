import { pixmuxError, toPixmuxError } from './errors/create-error.js';
import type { PixmuxError } from './errors/pixmux-error.js';
import type { CallOptions, PixmuxResult } from './types.js';
import { linkSignals } from './util/signals.js';

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
  const stop = new AbortController();
  const running = new Map<number, Promise<BatchItem<Request>>>();
  let next = 0;
  let exhausted = false;
  let sourceError: unknown;

  const start = (request: Request) => {
    const index = next++;
    const link = linkSignals([options.signal, stop.signal, request?.signal]);
    const item = Promise.resolve()
      .then(() => call({ ...request, signal: link.signal }))
      .then(
        (result): BatchItem<Request> => ({ index, request, ok: true, result }),
        (error: unknown): BatchItem<Request> => ({ index, request, ok: false, error: toPixmuxError(error) }),
      )
      .finally(link.dispose);
    running.set(index, item);
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
      stop.abort(pixmuxError('aborted', 'batch: stopped before this item finished'));
      await Promise.allSettled(running.values());
    }
    await source.return?.();
  }
}

function iterate<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  if (items && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (items && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
  throw pixmuxError('invalid_request', 'batch: requests must be an iterable or an async iterable of requests');
}
