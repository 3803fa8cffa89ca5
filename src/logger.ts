import { redactDeep, redact, type Redact } from './errors/redact.js';

/** A minimal logger; `console` fits. pixmux logs nothing unless you pass one. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Wraps a user's logger so that every line and field is scrubbed of credentials and a throwing logger never breaks a call. */
export function safeLogger(logger: Partial<Logger> | undefined, scope?: string, scrub: Redact = redact): Logger {
  if (!logger) return silentLogger;
  const out = {} as Logger;
  for (const level of LEVELS) {
    out[level] = (message, fields) => {
      try {
        const line = scrub(scope ? `[pixmux:${scope}] ${message}` : `[pixmux] ${message}`);
        if (fields === undefined) logger[level]?.(line);
        else logger[level]?.(line, redactDeep(fields, scrub));
      } catch {
        // A logger that throws must not break the call.
      }
    };
  }
  return out;
}
