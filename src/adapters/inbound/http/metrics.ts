import { Registry, collectDefaultMetrics } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

export interface RequestSeries {
  readonly requests: { inc(): void };
  readonly seconds: { observe(value: number): void };
}

type Observer = { observe(value: number): void };

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
  private readonly requestSeriesByRoute = new Map<string, Map<number, RequestSeries>>();
  private readonly methods: string[] = [];
  private readonly placedByRoute = new Map<string, { inc(): void }>();
  private readonly refusedByRoute = new Map<string, Map<string, { inc(): void }>>();

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

  /**
   * The counter and histogram series of one (method, route, status), found once per label set. Looked up by route,
   * then by a number made of method and status: no key string is built per request.
   */
  requestSeries(method: string, route: string, status: number): RequestSeries {
    let byMethodAndStatus = this.requestSeriesByRoute.get(route);
    if (!byMethodAndStatus) this.requestSeriesByRoute.set(route, (byMethodAndStatus = new Map()));
    let methodIndex = this.methods.indexOf(method);
    if (methodIndex < 0) methodIndex = this.methods.push(method) - 1;
    const key = methodIndex * 1000 + status;
    let series = byMethodAndStatus.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { requests: this.requests.series(labels), seconds: this.requestSeconds.series(labels) };
      byMethodAndStatus.set(key, series);
    }
    return series;
  }

  orderPlaced(route: string): void {
    let placed = this.placedByRoute.get(route);
    if (!placed) this.placedByRoute.set(route, (placed = this.ordersPlaced.series({ route })));
    placed.inc();
  }

  orderRefused(route: string, reason: string): void {
    let byReason = this.refusedByRoute.get(route);
    if (!byReason) this.refusedByRoute.set(route, (byReason = new Map()));
    let refused = byReason.get(reason);
    if (!refused) byReason.set(reason, (refused = this.ordersRefused.series({ route, reason })));
    refused.inc();
  }

  /** A StorageMetrics (see adapters/outbound/storage-metrics.ts) that labels what it records with `backend`. */
  storageFor(backend: string) {
    // Found by operation name, then outcome: a call builds no key and no label object.
    const seriesOf = (histogram: LabelledHistogram<string>, kind: 'operation' | 'call') => {
      const found = new Map<string, readonly [Observer, Observer]>();
      return (name: string, failed: boolean): Observer => {
        let pair = found.get(name);
        if (!pair) {
          const labelled = (outcome: string) => histogram.series({ backend, [kind]: name, outcome });
          found.set(name, (pair = [labelled('success'), labelled('failure')]));
        }
        return pair[failed ? 1 : 0];
      };
    };
    const operation = seriesOf(this.storageOperationSeconds, 'operation');
    const call = seriesOf(this.storageCallSeconds, 'call');
    return {
      operation: (name: string, seconds: number, failed: boolean) => operation(name, failed).observe(seconds),
      call: (name: string, seconds: number, failed: boolean) => call(name, failed).observe(seconds),
    };
  }
}
