import type { Tracing } from '../adapters/tracing.js';

/** Whether the standard OTEL_* variables ask for traces to be exported. */
export function tracingRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? 'otlp').toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Telemetry {
  readonly tracing: Tracing;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing over OTLP/HTTP, configured by the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES…), which the SDK reads itself. Imported only
 * when tracing is requested: otherwise no module of OpenTelemetry is loaded.
 */
export async function startOpenTelemetry(env: Readonly<Record<string, string | undefined>>): Promise<Telemetry> {
  const [api, { NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const detected = await resources.detectResources({ detectors: [resources.envDetector] });
  const resource = resources.resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'order-service' }).merge(detected);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register(); // the AsyncLocalStorage context manager and the W3C trace-context propagator
  const tracer = api.trace.getTracer('avakart-order-service');
  const KINDS = { client: api.SpanKind.CLIENT, internal: api.SpanKind.INTERNAL, producer: api.SpanKind.PRODUCER };
  const getter = {
    keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
    get: (carrier: Record<string, unknown>, key: string) => carrier[key] as string | string[] | undefined,
  };

  const failed = (span: import('@opentelemetry/api').Span, error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  };

  const tracing: Tracing = {
    enabled: true,
    serve: (headers, method, work) => {
      const parent = api.propagation.extract(api.ROOT_CONTEXT, headers, getter);
      return tracer.startActiveSpan(method, { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent, async (span) => {
        try {
          return await work({
            end: (route, status) => {
              if (route) {
                span.updateName(`${method} ${route}`);
                span.setAttribute('http.route', route);
              }
              span.setAttribute('http.response.status_code', status);
              if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
            },
          });
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    child: (name, kind, attributes, work) =>
      tracer.startActiveSpan(name, { kind: KINDS[kind], attributes: withoutUndefined(attributes) }, async (span) => {
        try {
          return await work();
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      }),
    outgoingHeaders: () => {
      const carrier: Record<string, string> = {};
      api.propagation.inject(api.context.active(), carrier);
      return carrier;
    },
    traceId: () => {
      const context = api.trace.getActiveSpan()?.spanContext();
      return context && api.isSpanContextValid(context) ? context.traceId : undefined;
    },
  };
  return { tracing, shutdown: () => provider.shutdown() };
}

function withoutUndefined(attributes: Readonly<Record<string, string | number | boolean | undefined>>) {
  const defined: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) defined[key] = value;
  return defined;
}
