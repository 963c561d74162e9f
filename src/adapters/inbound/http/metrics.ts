import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly ordersPlaced: Counter<'route'>;
  readonly ordersRefused: Counter<'route' | 'reason'>;
  private readonly requestSeriesByKey = new Map<string, RequestSeries>();
  private readonly ordersPlacedByRoute = new Map<string, { inc(): void }>();
  private readonly storageSeries = new Map<string, { observe(value: number): void }>();
  private readonly storageOperationSeconds: Histogram<'backend' | 'operation' | 'outcome'>;
  private readonly storageCallSeconds: Histogram<'backend' | 'call' | 'outcome'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total', help: 'HTTP requests answered, by route template and status.',
      labelNames: ['method', 'route', 'status'], registers,
    });
    this.requestSeconds = new Histogram({
      name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request, by route template and status.',
      labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers,
    });
    this.ordersPlaced = new Counter({
      name: 'orders_placed_total', help: 'Orders placed (answered 201), by route.', labelNames: ['route'], registers,
    });
    this.ordersRefused = new Counter({
      name: 'orders_refused_total', help: 'Order placements refused, by route and problem type.',
      labelNames: ['route', 'reason'], registers,
    });
    this.storageOperationSeconds = new Histogram({
      name: 'storage_operation_duration_seconds', help: 'Time a storage port method took, as the use cases saw it.',
      labelNames: ['backend', 'operation', 'outcome'], buckets: STORAGE_BUCKETS, registers,
    });
    this.storageCallSeconds = new Histogram({
      name: 'storage_call_duration_seconds', help: 'Time one request of a backend to its store took, retries apart.',
      labelNames: ['backend', 'call', 'outcome'], buckets: STORAGE_BUCKETS, registers,
    });
  }

  /**
   * The counter and histogram children of one (method, route, status), made once: prom-client hashes a label
   * object on every call otherwise, and that was most of the cost of measuring a request.
   */
  requestSeries(method: string, route: string, status: number): RequestSeries {
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeriesByKey.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { requests: this.requests.labels(labels), seconds: this.requestSeconds.labels(labels) };
      this.requestSeriesByKey.set(key, series);
    }
    return series;
  }

  orderPlaced(route: string): void {
    let placed = this.ordersPlacedByRoute.get(route);
    if (!placed) this.ordersPlacedByRoute.set(route, (placed = this.ordersPlaced.labels({ route })));
    placed.inc();
  }

  /** A StorageMetrics (see adapters/outbound/storage-metrics.ts) that labels what it records with `backend`. */
  storageFor(backend: string) {
    const series = (histogram: Histogram<string>, kind: 'operation' | 'call', name: string, failed: boolean) => {
      const key = `${kind} ${backend} ${name} ${failed}`;
      let child = this.storageSeries.get(key);
      if (!child) {
        child = histogram.labels({ backend, [kind]: name, outcome: failed ? 'failure' : 'success' });
        this.storageSeries.set(key, child);
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
