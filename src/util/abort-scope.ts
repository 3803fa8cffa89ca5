const noop = () => {};

/** Node's `events` module where the runtime has one (Node ≥ 20.16 exposes it without an import; edge runtimes do not). */
const nodeEvents = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:events') as
  | { setMaxListeners?: (n: number, ...targets: EventTarget[]) => void }
  | undefined;

/**
 * Where one call (or one hedged attempt of it) stands: running, or aborted with a reason. The core races its own
 * steps against it through plain callbacks, and makes a real `AbortSignal` only when something outside asks for one
 * (`fetch`, a provider reading `ctx.signal`): on Node 20 each signal costs microseconds to create and each
 * `addEventListener`/`removeEventListener` pair about one more, per step of every call.
 */
export class AbortScope {
  #aborted = false;
  #reason: unknown = undefined;
  #controller: AbortController | undefined;
  #listeners: Set<(reason: unknown) => void> | undefined;
  #handedOut = 0;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** The scope as an `AbortSignal`, made on first use; it aborts with the scope, with the same reason. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    // Whoever asks for the signal listens to it (fetch adds a listener per request, and keeps it until the request
    // is collected): once it has been handed out often, lift the leak warning for it.
    if (++this.#handedOut === LIFT_WARNING_AFTER) unboundListeners(this.#controller.signal);
    return this.#controller.signal;
  }

  /**
   * The signal, to hand to code that may listen to it any number of times (a provider's `ctx.signal`, passed to
   * every poll request and every wait): its leak warning is lifted at once rather than after a few handouts.
   */
  get sharedSignal(): AbortSignal {
    const signal = this.signal;
    if (this.#handedOut < LIFT_WARNING_AFTER) {
      this.#handedOut = LIFT_WARNING_AFTER;
      unboundListeners(signal);
    }
    return signal;
  }

  /** Aborts the scope (the first reason wins): its signal aborts, then every `onAbort` listener runs once. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** Runs `listener` once when the scope aborts (at once if it has); returns the function that stops listening. */
  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.#aborted) {
      listener(this.#reason);
      return noop;
    }
    const listeners = (this.#listeners ??= new Set());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** Settles with the promise, or rejects with the scope's reason when it aborts first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#aborted) {
      promise.catch(noop);
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      const stop = this.onAbort((reason) => {
        promise.catch(noop);
        reject(reason);
      });
      promise.then(
        (value) => {
          stop();
          resolve(value);
        },
        (error: unknown) => {
          stop();
          reject(error);
        },
      );
    });
  }

  /** Resolves after `ms`, or rejects with the scope's reason as soon as it aborts. The timer never outlives the wait. */
  sleep(ms: number): Promise<void> {
    if (this.#aborted) return Promise.reject(this.#reason);
    return new Promise<void>((resolve, reject) => {
      const stop = this.onAbort((reason) => {
        clearTimeout(timer);
        reject(reason);
      });
      const timer = setTimeout(() => {
        stop();
        resolve();
      }, ms);
    });
  }

  /**
   * A scope that aborts when this one does, and on its own `abort` alone (a hedged attempt cancelled while the call
   * goes on). `dispose` unlinks it when its work is over.
   */
  child(): AbortScope & { dispose(): void } {
    const child = new AbortScope() as AbortScope & { dispose(): void };
    child.dispose = this.onAbort((reason) => child.abort(reason));
    return child;
  }
}

/** Handouts of one scope's signal after which its leak warning is lifted (Node warns past 10 listeners). */
const LIFT_WARNING_AFTER = 4;

/**
 * A call's signal is listened to by every chunk of a split `n`, every try and every request in flight at once: its
 * listener count is bounded by the call's own shape, not a leak, so Node's leak warning (at 10) is lifted for it.
 * Not with 0: Node 20's `getMaxListeners` then throws (and undici asks it on every `fetch` with a signal, building
 * and dropping an error each time); Infinity means the same, "no limit".
 */
function unboundListeners(signal: AbortSignal): void {
  nodeEvents?.setMaxListeners?.(Number.POSITIVE_INFINITY, signal);
}
