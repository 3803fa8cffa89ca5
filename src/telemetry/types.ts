// The public telemetry options, typed structurally so that pixmux's shipped types never need @opentelemetry/api.

/** An OpenTelemetry `Tracer` (`trace.getTracer(…)`). */
export interface TracerLike {
  startSpan(name: string, options?: unknown, context?: unknown): unknown;
}

/** An OpenTelemetry `Meter` (`metrics.getMeter(…)`). */
export interface MeterLike {
  createCounter(name: string, options?: unknown): unknown;
  createHistogram(name: string, options?: unknown): unknown;
}

/** OpenTelemetry for pixmux: spans per call and per attempt, and call metrics. Needs `@opentelemetry/api` installed. */
export interface TelemetryOptions {
  /** The tracer to use. @default trace.getTracer('pixmux') from the global provider */
  tracer?: TracerLike;
  /** The meter to use. @default metrics.getMeter('pixmux') from the global provider */
  meter?: MeterLike;
}
