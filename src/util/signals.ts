/** A signal linked to others, and the way to unlink it. */
export interface LinkedSignal {
  /** Aborts when any source does, with that source's reason. */
  signal: AbortSignal;
  /** Removes the listeners from the sources; call it when the work the signal guards is over. */
  dispose(): void;
}

/**
 * One signal that aborts when any of the given ones does. Long-lived sources (a caller's signal reused across
 * many calls) would collect a listener per call, so the link must be disposed when its work ends.
 */
export function linkSignals(signals: Array<AbortSignal | undefined>): LinkedSignal {
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const controller = new AbortController();
  const aborted = sources.find((signal) => signal.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose() {} };
  }
  const dispose = () => {
    for (const source of sources) source.removeEventListener('abort', onAbort);
  };
  function onAbort(event: Event) {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  }
  for (const source of sources) source.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer never outlives the wait. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles with the promise, or rejects with the signal's reason when it aborts first. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
