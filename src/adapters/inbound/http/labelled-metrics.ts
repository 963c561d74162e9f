import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the per-request path. prom-client's own hash and validate the label object on every
 * `inc` and `observe`, even through a child from `labels()`; here a label set is looked up once and its series is
 * a plain object, so recording is a few additions. The exposition is built only when the registry is scraped, in
 * the shape prom-client's Counter and Histogram give.
 */
type Labels<L extends string> = Readonly<Record<L, string>>;

interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

abstract class LabelledMetric<L extends string, S> {
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  private readonly byKey = new Map<string, { readonly labels: Labels<L>; readonly series: S }>();

  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly L[], registry: Registry) {
    registry.registerMetric(this as never);
  }

  /** The series of one label set; callers on a hot path keep it rather than ask again. */
  series(labels: Labels<L>): S {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { labels: { ...labels }, series: this.newSeries() }));
    return entry.series;
  }

  reset(): void {
    this.byKey.clear();
  }

  /** What prom-client's registry asks of a metric when it is scraped. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const { labels, series } of this.byKey.values()) this.samples(labels, series, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  protected abstract newSeries(): S;
  protected abstract samples(labels: Labels<L>, series: S, into: Sample[]): void;
}

export class LabelledCounter<L extends string> extends LabelledMetric<L, { value: number; inc(): void }> {
  readonly type = 'counter';

  protected newSeries() {
    return { value: 0, inc() { this.value += 1; } };
  }

  protected samples(labels: Labels<L>, series: { value: number }, into: Sample[]): void {
    into.push({ labels, value: series.value });
  }
}

interface HistogramSeries {
  readonly counts: number[];
  sum: number;
  count: number;
  observe(value: number): void;
}

export class LabelledHistogram<L extends string> extends LabelledMetric<L, HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly L[], private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected newSeries(): HistogramSeries {
    const bounds = this.bounds;
    return {
      counts: new Array<number>(bounds.length).fill(0),
      sum: 0,
      count: 0,
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        this.sum += value;
        this.count += 1;
        for (let i = 0; i < bounds.length; i += 1) {
          if (value <= bounds[i]!) {
            this.counts[i]! += 1;
            return;
          }
        }
      },
    };
  }

  protected samples(labels: Labels<L>, series: HistogramSeries, into: Sample[]): void {
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += series.counts[i]!;
      into.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    into.push({ labels: { ...labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
    into.push({ labels, value: series.sum, metricName: `${this.name}_sum` });
    into.push({ labels, value: series.count, metricName: `${this.name}_count` });
  }
}
