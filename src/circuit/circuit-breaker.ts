import type { PixmuxErrorCode } from '../errors/codes.js';
import { pixmuxError } from '../errors/create-error.js';
import type { EventInput } from '../events.js';

/** When a provider that keeps failing is passed over without being called. */
export interface CircuitOptions {
  /** Consecutive failed attempts (after their retries) that open the circuit. @default 5 */
  failureThreshold?: number;
  /** How long an open circuit passes the provider over before one probe call is let through. @default 30_000 */
  cooldownMs?: number;
  /** Cooldown after `auth` or `insufficient_credits`, which open the circuit at once: a key or an account is not fixed in seconds. @default 300_000 */
  credentialCooldownMs?: number;
}

export const DEFAULT_CIRCUIT: Required<CircuitOptions> = { failureThreshold: 5, cooldownMs: 30_000, credentialCooldownMs: 300_000 };

/** Codes that open the circuit at once, with the longer cooldown. */
const CREDENTIAL_CODES: ReadonlySet<PixmuxErrorCode> = new Set(['auth', 'insufficient_credits']);

/** Codes that say nothing about the provider's health (bad input, the caller's own abort): no verdict. */
const NEUTRAL_CODES: ReadonlySet<PixmuxErrorCode> = new Set(['invalid_request', 'invalid_image', 'image_too_large', 'content_policy', 'aborted', 'unsupported', 'budget_exceeded']);

/** The failure that opened a circuit, so a skip can say why. */
export interface OpeningFailure {
  code: PixmuxErrorCode;
  status: number | undefined;
  /** When it failed (ms since the epoch). */
  at: number;
}

interface ProviderCircuit {
  failures: number;
  /** The last failure counted; the one that opened the circuit while it is open. */
  lastFailure: OpeningFailure | undefined;
  /** 0 while closed; the time the cooldown ends while open. */
  openUntil: number;
  /** A half-open probe is in flight. */
  probing: boolean;
}

/** One provider's circuit as `px.status()` reports it. */
export interface CircuitSnapshot {
  state: 'closed' | 'open' | 'half_open';
  /** Consecutive failures counted. */
  failures: number;
  /** The last failure counted; while open, the one that opened it. */
  lastFailure?: OpeningFailure;
  /** While open: milliseconds until one probe call is let through. */
  retryInMs?: number;
}

export type CircuitPass = { pass: true; probe: boolean } | { pass: false; retryInMs: number; openedBy: OpeningFailure | undefined };

type Emit = (event: EventInput) => void;

/**
 * One breaker per provider: closed → open after `failureThreshold` consecutive failures → after the cooldown,
 * one probe call (half-open) → closed on success, open again on failure. Checking an open circuit costs no waiting.
 */
export class CircuitBreaker {
  private readonly options: Required<CircuitOptions>;
  private readonly circuits = new Map<string, ProviderCircuit>();

  constructor(options: CircuitOptions = {}, private readonly now: () => number = Date.now) {
    if (typeof options !== 'object' || options === null) throw pixmuxError('invalid_request', 'createPixmux: circuit must be an object or false');
    this.options = { ...DEFAULT_CIRCUIT, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) };
    const { failureThreshold, cooldownMs, credentialCooldownMs } = this.options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw pixmuxError('invalid_request', 'createPixmux: circuit.failureThreshold must be a whole number of at least 1');
    for (const [name, value] of [['cooldownMs', cooldownMs], ['credentialCooldownMs', credentialCooldownMs]] as const) {
      if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw pixmuxError('invalid_request', `createPixmux: circuit.${name} must be a number of milliseconds, 0 or more`);
    }
  }

  /** Whether a call may go to the provider now; the first call after the cooldown becomes the probe. */
  tryPass(provider: string, emit: Emit): CircuitPass {
    const circuit = this.circuits.get(provider);
    if (!circuit || circuit.openUntil === 0) return { pass: true, probe: false };
    const retryInMs = circuit.openUntil - this.now();
    if (retryInMs > 0) return { pass: false, retryInMs, openedBy: circuit.lastFailure };
    if (circuit.probing) return { pass: false, retryInMs: 0, openedBy: circuit.lastFailure };
    circuit.probing = true;
    emit({ type: 'circuit.half_open', provider });
    return { pass: true, probe: true };
  }

  /** Gives back a probe slot that was claimed but not used (the candidate was skipped for another reason, or cancelled). */
  release(provider: string, probe: boolean): void {
    const circuit = this.circuits.get(provider);
    if (probe && circuit) circuit.probing = false;
  }

  succeeded(provider: string, emit: Emit): void {
    const circuit = this.circuits.get(provider);
    if (!circuit) return;
    const wasOpen = circuit.openUntil !== 0;
    this.circuits.delete(provider);
    if (wasOpen) emit({ type: 'circuit.closed', provider });
  }

  /** Counts a failure; `status` is the HTTP status it came with, kept to say why the circuit opened. */
  failed(provider: string, code: PixmuxErrorCode, probe: boolean, emit: Emit, status?: number): void {
    if (NEUTRAL_CODES.has(code)) {
      this.release(provider, probe);
      return;
    }
    const circuit = this.circuits.get(provider) ?? { failures: 0, lastFailure: undefined, openUntil: 0, probing: false };
    this.circuits.set(provider, circuit);
    circuit.failures += 1;
    circuit.probing = false;
    const credentials = CREDENTIAL_CODES.has(code);
    // A failure while already open (a call that started before it opened) neither extends the cooldown nor replaces its reason.
    if (!probe && circuit.openUntil > this.now()) return;
    circuit.lastFailure = { code, status, at: this.now() };
    if (!probe && !credentials && circuit.failures < this.options.failureThreshold) return;
    const cooldownMs = credentials ? this.options.credentialCooldownMs : this.options.cooldownMs;
    circuit.openUntil = this.now() + cooldownMs;
    emit({ type: 'circuit.opened', provider, cooldownMs, failures: circuit.failures, code });
  }

  /** The circuit's state with its reason, for `px.status()`. */
  snapshot(provider: string): CircuitSnapshot {
    const circuit = this.circuits.get(provider);
    const state = this.state(provider);
    if (!circuit) return { state, failures: 0 };
    return {
      state,
      failures: circuit.failures,
      ...(circuit.lastFailure ? { lastFailure: { ...circuit.lastFailure } } : {}),
      ...(state === 'open' ? { retryInMs: circuit.openUntil - this.now() } : {}),
    };
  }

  /** `closed`, `open` (cooling down) or `half_open` (cooldown over: the next call probes). */
  state(provider: string): 'closed' | 'open' | 'half_open' {
    const circuit = this.circuits.get(provider);
    if (!circuit || circuit.openUntil === 0) return 'closed';
    return circuit.openUntil > this.now() ? 'open' : 'half_open';
  }
}
