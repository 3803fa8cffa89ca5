import { createPixmux, defineProvider, memoryBudgetStore, pixmuxError, type BudgetStore, type PixmuxEvent, type PixmuxOptions, type ProviderContext, type ProviderDefinition, type ProviderResult, type Tier } from 'pixmux';
import { makePng } from '../helpers/images.js';

export const PNG = makePng(8, 8);

export interface StubOptions extends Partial<Omit<ProviderDefinition, 'id' | 'operations'>> {
  tier?: Tier;
  /** The estimate `price()` returns. @default 0.01 */
  priceUsd?: number;
  /** What each call does; the default answers with a PNG billed at the estimate. */
  answer?: (call: number, ctx: ProviderContext) => Promise<ProviderResult> | ProviderResult;
}

/** A provider for policy tests, with its live counters: serves all three operations, answers through `answer`. */
export function stub(id: string, options: StubOptions = {}) {
  const { priceUsd = 0.01, answer, ...rest } = options;
  const state = { calls: 0, signals: [] as AbortSignal[] };
  const run = async (_request: unknown, ctx: ProviderContext): Promise<ProviderResult> => {
    state.calls += 1;
    state.signals.push(ctx.signal);
    if (answer) return answer(state.calls, ctx);
    return { images: [{ bytes: PNG }], model: `${id}-model`, costUsd: priceUsd };
  };
  const provider = defineProvider({ id, price: () => priceUsd, operations: { generate: run, removeBackground: run, restoreFace: run }, ...rest });
  return { provider, state };
}

/** A client with fast retries that records its events. */
export function clientWith(providers: PixmuxOptions['providers'], options: Partial<PixmuxOptions> = {}) {
  const events: PixmuxEvent[] = [];
  const px = createPixmux({ providers, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2, jitter: 0 }, onEvent: (event) => events.push(event), ...options });
  return { px, events };
}

export const fail = (code: Parameters<typeof pixmuxError>[0], status?: number) => () => {
  throw pixmuxError(code, `stub failure: ${code}`, { ...(status ? { status } : {}) });
};

/** Resolves after `ms`, or rejects as soon as the signal aborts (what a well-behaved provider does). */
export function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** A memory store whose reservations `answer` may take over (undefined: the memory store answers). */
export function storeAnswering(answer: (...args: Parameters<BudgetStore['reserve']>) => ReturnType<BudgetStore['reserve']> | undefined): BudgetStore {
  const inner = memoryBudgetStore();
  return {
    reserve: (windows, micros) => answer(windows, micros) ?? inner.reserve(windows, micros),
    adjust: (windows, delta) => inner.adjust(windows, delta),
    spent: (window) => inner.spent(window),
  };
}
