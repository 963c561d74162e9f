import { Registry, collectDefaultMetrics } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

export interface RequestSeries {
  readonly requests: { inc(): void };
  readonly seconds: { observe(value: number): void };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Everything the service measures, in a registry of its own: the global one would make two services started in
 * one process (tests) register the same metric twice. Labels take values from fixed sets only.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: LabelledCounter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: LabelledHistogram<'method' | 'route' | 'status'>;
  private readonly ordersPlaced: LabelledCounter<'route'>;
  private readonly ordersRefused: LabelledCounter<'route' | 'reason'>;
  // Label sets built by storageFor: backend, then operation or call, then outcome.
  private readonly storageOperationSeconds: LabelledHistogram<string>;
  private readonly storageCallSeconds: LabelledHistogram<string>;
  private readonly requestSeriesByKey = new Map<string, RequestSeries>();

  constructor() {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry });
    const labels = ['method', 'route', 'status'] as const;
    this.requests = new LabelledCounter('http_requests_total', 'HTTP requests answered, by route template and status.', labels, registry);
    this.requestSeconds = new LabelledHistogram('http_request_duration_seconds',
      'Time to answer an HTTP request, by route template and status.', labels, LATENCY_BUCKETS, registry);
    this.ordersPlaced = new LabelledCounter('orders_placed_total', 'Orders placed (answered 201), by route.', ['route'], registry);
    this.ordersRefused = new LabelledCounter('orders_refused_total', 'Order placements refused, by route and problem type.',
      ['route', 'reason'], registry);
    this.storageOperationSeconds = new LabelledHistogram('storage_operation_duration_seconds',
      'Time a storage port method took, as the use cases saw it.', ['backend', 'operation', 'outcome'], STORAGE_BUCKETS, registry);
    this.storageCallSeconds = new LabelledHistogram('storage_call_duration_seconds',
      'Time one request of a backend to its store took, retries apart.', ['backend', 'call', 'outcome'], STORAGE_BUCKETS, registry);
  }

  /** The counter and histogram series of one (method, route, status), found once per label set. */
  requestSeries(method: string, route: string, status: number): RequestSeries {
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeriesByKey.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { requests: this.requests.series(labels), seconds: this.requestSeconds.series(labels) };
      this.requestSeriesByKey.set(key, series);
    }
    return series;
  }

  orderPlaced(route: string): void {
    this.ordersPlaced.series({ route }).inc();
  }

  orderRefused(route: string, reason: string): void {
    this.ordersRefused.series({ route, reason }).inc();
  }

  /** A StorageMetrics (see adapters/outbound/storage-metrics.ts) that labels what it records with `backend`. */
  storageFor(backend: string) {
    // Looked up by a key of plain strings, so a call costs no label object and no join.
    const found = new Map<string, { observe(seconds: number): void }>();
    const series = (histogram: LabelledHistogram<string>, kind: 'operation' | 'call', name: string, failed: boolean) => {
      const key = `${kind} ${name} ${failed}`;
      let child = found.get(key);
      if (!child) {
        const labels = { backend, [kind]: name, outcome: failed ? 'failure' : 'success' };
        child = histogram.series(labels);
        found.set(key, child);
      }
      return child;
    };
    return {
      operation: (operation: string, seconds: number, failed: boolean) =>
        series(this.storageOperationSeconds, 'operation', operation, failed).observe(seconds),
      call: (call: string, seconds: number, failed: boolean) =>
        series(this.storageCallSeconds, 'call', call, failed).observe(seconds),
    };
  }
}
