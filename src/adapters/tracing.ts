import type { IncomingHttpHeaders } from 'node:http';

export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** The server span of one request, named once the router knows the route template. */
export interface ServerSpan {
  /** Names the span `<METHOD> <route>` and records the answer. */
  end(route: string | undefined, status: number): void;
}

/**
 * What the adapters need of tracing, and nothing of OpenTelemetry: with tracing off (the default) this module is
 * all that is loaded, and every call is a no-op. src/infrastructure/opentelemetry.ts installs the real one.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Runs `work` in a server span that continues the W3C traceparent in `headers`, when there is one. */
  serve<T>(headers: IncomingHttpHeaders, method: string, work: (span: ServerSpan) => Promise<T>): Promise<T>;
  /** Runs `work` in a child span of the current one. */
  child<T>(name: string, kind: 'client' | 'internal' | 'producer', attributes: SpanAttributes, work: () => Promise<T>): Promise<T>;
  /** The headers (traceparent, tracestate) that carry the current span to a service this one calls. */
  outgoingHeaders(): Record<string, string>;
  /** The trace of the current span, for log lines. */
  traceId(): string | undefined;
}

const NO_SPAN: ServerSpan = { end: () => {} };
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export const NO_TRACING: Tracing = {
  enabled: false,
  serve: (_headers, _method, work) => work(NO_SPAN),
  child: (_name, _kind, _attributes, work) => work(),
  outgoingHeaders: () => NO_HEADERS,
  traceId: () => undefined,
};

let active: Tracing = NO_TRACING;

/** The tracing in force: NO_TRACING unless one was installed. */
export const tracing = (): Tracing => active;

/** Installs `next` for the whole process (one process, one exporter); returns what it replaced. */
export function installTracing(next: Tracing): Tracing {
  const previous = active;
  active = next;
  return previous;
}
