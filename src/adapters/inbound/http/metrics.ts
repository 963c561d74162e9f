import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

export interface RequestSeries {
  readonly requests: { inc(): void };
  readonly seconds: { observe(value: number): void };
}

type Observer = { observe(value: number): void };

/**
 * What the relay reports: events the broker acknowledged (with, for those this process committed, milliseconds
 * from commit to acknowledgement), and publishes that failed, by reason.
 */
export interface RelayMetrics {
  published(count: number, delaysMs?: ArrayLike<number>): void;
  failed(reason: string): void;
}

/** The outbox as a store reports it: events waiting for the relay, and when the oldest was committed. */
export type OutboxBacklog = () => Promise<{ readonly waiting: number; readonly oldestAt?: Date }>;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
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

  /**
   * The outbox gauges, read from the store at each scrape (a store that does not answer leaves the last values),
   * and the relay's counters. Registered only when events are relayed: without a broker nothing is ever waiting.
   */
  relayMetrics(backlog: OutboxBacklog, clock: () => number = Date.now): RelayMetrics {
    const registers = [this.registry];
    // Both gauges are collected in the same scrape: they share one read of the store.
    let reading: ReturnType<OutboxBacklog> | undefined;
    const read = () => (reading ??= backlog().finally(() => (reading = undefined)));
    new Gauge({
      name: 'events_outbox_waiting', help: 'Events committed but not yet acknowledged by the broker.', registers,
      async collect() {
        await read().then(({ waiting }) => this.set(waiting), () => {}); // a failed read keeps the last value
      },
    });
    new Gauge({
      name: 'events_outbox_oldest_age_seconds', help: 'Age of the oldest event waiting for the relay; 0 when none waits.', registers,
      async collect() {
        await read().then(({ oldestAt }) => this.set(oldestAt ? Math.max(0, (clock() - oldestAt.getTime()) / 1000) : 0), () => {});
      },
    });
    const published = new LabelledCounter('events_published_total', 'Events the broker acknowledged.', [], this.registry).series({});
    const failures = new LabelledCounter('events_publish_failures_total', 'Event publishes that failed, by reason.', ['reason'], this.registry);
    const delay = new LabelledHistogram('events_outbox_delay_seconds',
      'From the commit of an event (by this process) to its acknowledgement by the broker.', [], DELAY_BUCKETS, this.registry).series({});
    const byReason = new Map<string, { inc(): void }>();
    return {
      published: (count, delaysMs = []) => {
        published.value += count;
        for (let i = 0; i < delaysMs.length; i += 1) delay.observe(delaysMs[i]! / 1000);
      },
      failed: (reason) => {
        let series = byReason.get(reason);
        if (!series) byReason.set(reason, (series = failures.series({ reason })));
        series.inc();
      },
    };
  }
}
