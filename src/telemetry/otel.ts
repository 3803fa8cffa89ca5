import type { Attributes, Context, Counter, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import type { PixmuxEvent } from '../events.js';
import type { Logger } from '../logger.js';
import type { Tier } from '../types.js';
import type { TelemetryOptions } from './types.js';


/** Turns the client's event stream into spans and metrics. */
export interface Telemetry {
  /** Resolves once `@opentelemetry/api` is loaded (or known to be missing); calls wait for it once. */
  ready: Promise<void>;
  onEvent(event: PixmuxEvent): void;
}

type Api = typeof import('@opentelemetry/api');

interface CallSpans {
  span: Span;
  context: Context;
  attempts: Map<string, Span>;
}

interface Instruments {
  calls: Counter;
  cost: Counter;
  duration: Histogram;
  attemptDuration: Histogram;
}

/**
 * Spans and metrics built from the same typed events `onEvent` receives, so telemetry sees exactly what a listener
 * sees and nothing about a call depends on it. `@opentelemetry/api` is an optional peer: imported only here, only
 * when telemetry is on; without it the client logs once and runs without telemetry.
 */
export function createTelemetry(options: TelemetryOptions, tierOf: (provider: string) => Tier | undefined, logger: Logger): Telemetry {
  let api: Api | undefined;
  let tracer: Tracer | undefined;
  let instruments: Instruments | undefined;
  const calls = new Map<string, CallSpans>();

  const ready = import('@opentelemetry/api').then(
    (loaded) => {
      api = loaded;
      tracer = (options.tracer as Tracer | undefined) ?? loaded.trace.getTracer('pixmux');
      const meter = (options.meter as Meter | undefined) ?? loaded.metrics.getMeter('pixmux');
      instruments = {
        calls: meter.createCounter('pixmux.calls', { description: 'Calls finished, by operation, provider and outcome' }),
        cost: meter.createCounter('pixmux.cost', { description: 'Dollars billed', unit: 'USD' }),
        duration: meter.createHistogram('pixmux.call.duration', { description: 'Whole-call latency', unit: 'ms' }),
        attemptDuration: meter.createHistogram('pixmux.attempt.duration', { description: 'One try at one provider', unit: 'ms' }),
      };
    },
    () => logger.warn('telemetry is on but @opentelemetry/api is not installed (npm install @opentelemetry/api); running without it'),
  );

  function callSpans(event: PixmuxEvent): CallSpans | undefined {
    if (!api || !tracer) return undefined;
    let spans = calls.get(event.callId);
    if (!spans) {
      const parent = api.context.active();
      const span = tracer.startSpan(`pixmux.${event.operation}`, { startTime: event.at, kind: api.SpanKind.CLIENT, attributes: { 'pixmux.operation': event.operation, 'pixmux.call_id': event.callId } }, parent);
      spans = { span, context: api.trace.setSpan(parent, span), attempts: new Map() };
      calls.set(event.callId, spans);
    }
    return spans;
  }

  function providerAttributes(provider: string | undefined): Attributes {
    if (!provider) return {};
    const tier = tierOf(provider);
    return { 'pixmux.provider': provider, ...(tier ? { 'pixmux.tier': tier } : {}) };
  }

  return {
    ready,
    onEvent(event) {
      const spans = callSpans(event);
      if (!spans || !api || !tracer) return;
      switch (event.type) {
        case 'attempt.started': {
          const span = tracer.startSpan(`pixmux.attempt ${event.provider}`, { startTime: event.at, attributes: { ...providerAttributes(event.provider), 'pixmux.operation': event.operation, 'pixmux.try': event.try } }, spans.context);
          spans.attempts.set(`${event.provider}#${event.try}`, span);
          return;
        }
        case 'attempt.ended': {
          const key = `${event.provider}#${event.try}`;
          const span = spans.attempts.get(key);
          spans.attempts.delete(key);
          instruments?.attemptDuration.record(event.durationMs, { 'pixmux.operation': event.operation, ...providerAttributes(event.provider), 'pixmux.outcome': event.ok ? 'ok' : (event.error?.code ?? 'error') });
          if (!span) return;
          if (!event.ok && event.error) {
            span.setAttributes({ 'pixmux.error.code': event.error.code, ...(event.error.status !== undefined ? { 'http.response.status_code': event.error.status } : {}) });
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error.message });
          }
          span.end(event.at);
          return;
        }
        case 'call.finished': {
          calls.delete(event.callId);
          const outcome = event.ok ? 'ok' : (event.error?.code ?? 'error');
          const attributes = { 'pixmux.operation': event.operation, ...providerAttributes(event.provider), 'pixmux.outcome': outcome };
          spans.span.setAttributes({ ...attributes, 'pixmux.cost_usd': event.costUsd, ...(event.model ? { 'pixmux.model': event.model } : {}), ...(event.cached ? { 'pixmux.cached': true } : {}) });
          if (!event.ok) spans.span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error?.message ?? outcome });
          for (const open of spans.attempts.values()) open.end(event.at);
          spans.span.end(event.at);
          instruments?.calls.add(1, attributes);
          if (event.costUsd > 0) instruments?.cost.add(event.costUsd, attributes);
          instruments?.duration.record(event.durationMs, attributes);
          return;
        }
        case 'call.started':
          spans.span.setAttribute('pixmux.candidates', event.candidates);
          return;
        default: {
          // Every decision is a span event on the call: skips and spills with their reason, fallbacks, retries, budget, cache.
          const { callId: _callId, operation: _operation, at, type, ...fields } = event;
          spans.span.addEvent(type, flatten(fields), at);
        }
      }
    },
  };
}

/** Span event attributes take primitives and arrays of them: nested fields are dotted, the rest dropped. */
function flatten(fields: Record<string, unknown>, prefix = ''): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(fields)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, flatten(value as Record<string, unknown>, name));
  }
  return out;
}
