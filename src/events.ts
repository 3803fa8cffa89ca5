import type { PixmuxErrorCode } from './errors/codes.js';
import { redact, redactDeep, type Redact } from './errors/redact.js';
import type { Operation, ProviderReport, SkipReason } from './types.js';

interface EventBase {
  /** Identifies one call across its events. */
  callId: string;
  operation: Operation;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface ErrorSummary {
  code: PixmuxErrorCode;
  message: string;
  status?: number;
}

/** Everything `onEvent` receives: a typed trace of each decision a call makes. */
export type PixmuxEvent =
  | (EventBase & { type: 'call.started'; candidates: string[] })
  | (EventBase & { type: 'provider.skipped'; provider: string; reason: SkipReason; detail?: string })
  | (EventBase & { type: 'attempt.started'; provider: string; try: number })
  | (EventBase & { type: 'attempt.ended'; provider: string; try: number; ok: boolean; durationMs: number; error?: ErrorSummary })
  | (EventBase & { type: 'retry.scheduled'; provider: string; retry: number; delayMs: number; error: ErrorSummary })
  | (EventBase & { type: 'fallback'; from: string; error: ErrorSummary })
  | (EventBase & { type: 'provider.notice'; provider: string; message: string })
  | (EventBase & { type: 'spill'; provider: string; inFlight: number; queued: number; limit: number; expectedWaitMs?: number })
  | (EventBase & { type: 'hedge.started'; provider: string; after: string; afterMs: number })
  | (EventBase & { type: 'circuit.opened'; provider: string; cooldownMs: number; failures: number; code: PixmuxErrorCode })
  | (EventBase & { type: 'circuit.half_open'; provider: string })
  | (EventBase & { type: 'circuit.closed'; provider: string })
  | (EventBase & { type: 'budget.reserved'; provider: string; usd: number })
  | (EventBase & { type: 'budget.settled'; provider: string; reservedUsd: number; actualUsd: number })
  | (EventBase & { type: 'budget.refused'; provider: string; usd: number; reason: string })
  | (EventBase & { type: 'budget.overrun'; provider: string; reservedUsd: number; actualUsd: number })
  | (EventBase & { type: 'cache.hit'; key: string; provider: string })
  | (EventBase & { type: 'cache.stored'; key: string })
  | (EventBase & ProviderReport & { provider: string })
  /** An identical call is running: this one waits for it instead of calling a provider. */
  | (EventBase & { type: 'cache.joined'; key: string })
  | (EventBase & { type: 'call.finished'; ok: boolean; provider?: string; model?: string; cached?: boolean; costUsd: number; durationMs: number; error?: ErrorSummary });

export type PixmuxEventType = PixmuxEvent['type'];

/** Distributes the `Omit` over the union, so each event keeps its own fields. */
export type EventInput = PixmuxEvent extends infer E ? (E extends PixmuxEvent ? Omit<E, 'callId' | 'operation' | 'at'> : never) : never;

export type EventListener = (event: PixmuxEvent) => void;

/** The emitter of a client without a listener: one shared no-op. */
const ignore = (): void => {};

/** Calls the listener with a redacted copy; a listener that throws never breaks a call. */
export function emitter(listener: EventListener | undefined, callId: string, operation: Operation, scrub: Redact = redact): (event: EventInput) => void {
  if (!listener) return ignore;
  return (event) => {
    try {
      listener(redactDeep({ ...event, callId, operation, at: Date.now() } as PixmuxEvent, scrub));
    } catch {
      // Listeners are observers; their failures are theirs.
    }
  };
}
