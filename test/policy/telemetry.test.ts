import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { clientWith, fail, stub } from './stub.js';

function otel() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    async metrics() {
      await reader.forceFlush();
      return metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    },
    shutdown: () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
  };
}

describe('telemetry (OpenTelemetry)', () => {
  const open: Array<{ shutdown(): Promise<unknown> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((item) => item.shutdown()));
    trace.disable();
    metrics.disable();
    context.disable();
  });

  it('a span per call and per attempt, with provider, tier, model, outcome and cost; decisions as span events', async () => {
    const sdk = otel();
    open.push(sdk);
    const flaky = stub('flaky', { tier: 'cheap', answer: fail('provider_error', 503) });
    const good = stub('good', { tier: 'premium', priceUsd: 0.04 });
    const { px } = clientWith([flaky.provider, good.provider], { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1, jitter: 0 }, telemetry: { tracer: sdk.tracer, meter: sdk.meter } });
    const result = await px.generate({ prompt: 'x' });
    expect(result.provider).toBe('good');

    const finished = sdk.spans.getFinishedSpans();
    const call = finished.find((span) => span.name === 'pixmux.generate')!;
    expect(call.attributes).toMatchObject({ 'pixmux.operation': 'generate', 'pixmux.provider': 'good', 'pixmux.tier': 'premium', 'pixmux.model': 'good-model', 'pixmux.outcome': 'ok', 'pixmux.cost_usd': 0.04 });
    const attempts = finished.filter((span) => span.name.startsWith('pixmux.attempt'));
    expect(attempts.map((span) => [span.name, span.attributes['pixmux.try'], span.attributes['pixmux.error.code'] ?? 'ok'])).toEqual([
      ['pixmux.attempt flaky', 1, 'provider_error'],
      ['pixmux.attempt flaky', 2, 'provider_error'],
      ['pixmux.attempt good', 1, 'ok'],
    ]);
    for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(attempts[0]!.attributes['http.response.status_code']).toBe(503);
    expect(call.events.map((event) => event.name)).toEqual(expect.arrayContaining(['retry.scheduled', 'fallback']));
    expect(call.events.find((event) => event.name === 'fallback')!.attributes).toMatchObject({ from: 'flaky', 'error.code': 'provider_error' });
  });

  it('metrics: calls by outcome, cost, and latency histograms by provider', async () => {
    const sdk = otel();
    open.push(sdk);
    const api = stub('api', { priceUsd: 0.02 });
    const broken = stub('broken', { answer: fail('auth', 401) });
    const { px } = clientWith([api.provider], { telemetry: { tracer: sdk.tracer, meter: sdk.meter } });
    await px.generate({ prompt: 'a' });
    await px.generate({ prompt: 'b' });
    await clientWith([broken.provider], { telemetry: { tracer: sdk.tracer, meter: sdk.meter } }).px.generate({ prompt: 'c' }).catch(() => {});
    const all = await sdk.metrics();
    const byName = (name: string) => all.find((metric) => metric.descriptor.name === name)!;
    const calls = byName('pixmux.calls').dataPoints.map((point) => [point.attributes['pixmux.provider'] ?? '-', point.attributes['pixmux.outcome'], point.value]);
    expect(calls).toEqual(expect.arrayContaining([['api', 'ok', 2], ['-', 'auth', 1]]));
    expect(byName('pixmux.cost').dataPoints[0]!.value).toBeCloseTo(0.04, 9);
    const durations = byName('pixmux.call.duration').dataPoints.find((point) => point.attributes['pixmux.provider'] === 'api')!;
    expect((durations.value as { count: number }).count).toBe(2);
    expect(byName('pixmux.attempt.duration').dataPoints.length).toBeGreaterThan(0);
  });

  it('the call span is a child of the caller’s active span', async () => {
    const sdk = otel();
    open.push(sdk);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const { px } = clientWith([stub('api').provider], { telemetry: { tracer: sdk.tracer, meter: sdk.meter } });
    const parent = sdk.tracer.startSpan('handler');
    await context.with(trace.setSpan(context.active(), parent), () => px.generate({ prompt: 'x' }));
    parent.end();
    const call = sdk.spans.getFinishedSpans().find((span) => span.name === 'pixmux.generate')!;
    expect(call.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });
});
