/**
 * A small metrics registry and its Prometheus text exposition (format 0.0.4), written by hand so
 * the project keeps zero runtime dependencies: counters, gauges and histograms with fixed label
 * names. Label values are whatever the caller passes, so callers pass only values from closed
 * sets (see server-metrics.ts); nothing here bounds them. Example server only; not in the package.
 */

/** The content type of {@link MetricsRegistry.render}'s text. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What every metric is declared with. */
export interface MetricOptions {
  /** Metric name; counters end in `_total`. */
  name: string;
  /** One line saying what it counts, in which unit. */
  help: string;
  /** Label names, in the order values are passed; default none. */
  labelNames?: readonly string[];
}

/** Options of a histogram: {@link MetricOptions} plus its bucket bounds. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, increasing; `+Inf` is added. */
  buckets: readonly number[];
}

/** Options of a gauge, or of a counter kept elsewhere: its values are read at each render. */
export interface CollectedOptions extends MetricOptions {
  /** Returns the current values: label values (in `labelNames` order) and the number. */
  collect: () => Iterable<readonly [readonly string[], number]>;
}

/** A counter for one set of label values. */
export interface CounterChild {
  /** Adds `by` (default 1). */
  inc(by?: number): void;
}

/** A histogram for one set of label values. */
export interface HistogramChild {
  /** Records one observation. */
  observe(value: number): void;
}

interface Metric {
  render(): string;
}

/** A number as the exposition format writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `{name="value",...}` with the format's escapes (backslash, double quote, line feed). */
function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const value = (values[i] ?? '').replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
    text += `${text === '' ? '' : ','}${names[i]}="${value}"`;
  }
  if (extra !== '') text += `${text === '' ? '' : ','}${extra}`;
  return text === '' ? '' : `{${text}}`;
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

function checkNames(options: MetricOptions, used: Set<string>): readonly string[] {
  if (!METRIC_NAME.test(options.name)) throw new TypeError(`invalid metric name ${JSON.stringify(options.name)}`);
  if (used.has(options.name)) throw new TypeError(`metric ${options.name} is already registered`);
  used.add(options.name);
  const labels = options.labelNames ?? [];
  for (const label of labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le' || label === 'quantile') {
      throw new TypeError(`invalid label name ${JSON.stringify(label)} on ${options.name}`);
    }
  }
  return labels;
}

/** Label values as one map key; the separator cannot appear in the closed sets callers use. */
function keyOf(values: readonly string[]): string {
  return values.length === 1 ? (values[0] ?? '') : values.join('\u0001');
}

/** A counter: only ever goes up. */
export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #labels: readonly string[];
  readonly #children = new Map<string, { values: readonly string[]; value: number }>();

  /** Use {@link MetricsRegistry.counter}. */
  constructor(options: MetricOptions, labels: readonly string[]) {
    if (!options.name.endsWith('_total')) throw new TypeError(`counter ${options.name} must end in _total`);
    this.#name = options.name;
    this.#help = options.help;
    this.#labels = labels;
  }

  /** The counter for these label values, created at 0 on first use (kept for fast repeat use). */
  labels(...values: string[]): CounterChild {
    const key = keyOf(values);
    let child = this.#children.get(key);
    if (child === undefined) {
      child = { values, value: 0 };
      this.#children.set(key, child);
    }
    const entry = child;
    return {
      inc: (by = 1) => {
        entry.value += by;
      },
    };
  }

  /** Adds `by` (default 1) to the counter with these label values. */
  inc(values: readonly string[], by = 1): void {
    const child = this.#children.get(keyOf(values));
    if (child === undefined) this.#children.set(keyOf(values), { values, value: by });
    else child.value += by;
  }

  /** The current value for these label values (0 if never counted). */
  get(...values: string[]): number {
    return this.#children.get(keyOf(values))?.value ?? 0;
  }

  /** @internal */
  render(): string {
    let text = header(this.#name, this.#help, 'counter');
    for (const { values, value } of this.#children.values()) text += `${this.#name}${labelText(this.#labels, values)} ${formatValue(value)}\n`;
    return text;
  }
}

/** A gauge, or a counter kept elsewhere (CPU seconds), whose values are read at each render. */
export class CollectedMetric implements Metric {
  readonly #type: 'gauge' | 'counter';
  readonly #name: string;
  readonly #help: string;
  readonly #labels: readonly string[];
  readonly #collect: CollectedOptions['collect'];

  /** Use {@link MetricsRegistry.gauge} or {@link MetricsRegistry.collectedCounter}. */
  constructor(options: CollectedOptions, labels: readonly string[], type: 'gauge' | 'counter') {
    if (type === 'counter' && !options.name.endsWith('_total')) throw new TypeError(`counter ${options.name} must end in _total`);
    this.#type = type;
    this.#name = options.name;
    this.#help = options.help;
    this.#labels = labels;
    this.#collect = options.collect;
  }

  /** @internal */
  render(): string {
    let text = header(this.#name, this.#help, this.#type);
    for (const [values, value] of this.#collect()) text += `${this.#name}${labelText(this.#labels, values)} ${formatValue(value)}\n`;
    return text;
  }
}

interface HistogramSeries {
  values: readonly string[];
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed buckets, rendered cumulatively as the format requires. */
export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #labels: readonly string[];
  readonly #bounds: readonly number[];
  readonly #children = new Map<string, HistogramSeries>();

  /** Use {@link MetricsRegistry.histogram}. */
  constructor(options: HistogramOptions, labels: readonly string[]) {
    const bounds = options.buckets;
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] ?? -Infinity)))) {
      throw new RangeError(`histogram ${options.name}: buckets must be finite and increasing`);
    }
    this.#name = options.name;
    this.#help = options.help;
    this.#labels = labels;
    this.#bounds = [...bounds];
  }

  /** The histogram for these label values, created empty on first use. */
  labels(...values: string[]): HistogramChild {
    const series = this.#series(values);
    return { observe: (value) => this.#observe(series, value) };
  }

  /** Records one observation for these label values. */
  observe(values: readonly string[], value: number): void {
    this.#observe(this.#series(values), value);
  }

  /** Observations so far for these label values. */
  count(...values: string[]): number {
    return this.#children.get(keyOf(values))?.count ?? 0;
  }

  #series(values: readonly string[]): HistogramSeries {
    const key = keyOf(values);
    let series = this.#children.get(key);
    if (series === undefined) {
      series = { values, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#children.set(key, series);
    }
    return series;
  }

  #observe(series: HistogramSeries, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] ?? 0) + 1;
    series.sum += value;
    series.count++;
  }

  /** @internal */
  render(): string {
    const name = this.#name;
    let text = header(name, this.#help, 'histogram');
    for (const series of this.#children.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += series.counts[i] ?? 0;
        const le = i < this.#bounds.length ? formatValue(this.#bounds[i] as number) : '+Inf';
        text += `${name}_bucket${labelText(this.#labels, series.values, `le="${le}"`)} ${cumulative}\n`;
      }
      const labels = labelText(this.#labels, series.values);
      text += `${name}_sum${labels} ${formatValue(series.sum)}\n${name}_count${labels} ${series.count}\n`;
    }
    return text;
  }
}

/** The metrics of one server, in registration order. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];
  readonly #names = new Set<string>();

  /** @throws {TypeError} On an invalid or repeated name or label name, or a counter not ending in `_total`. */
  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options, checkNames(options, this.#names)));
  }

  /** @throws {TypeError} On an invalid or repeated name or label name. */
  gauge(options: CollectedOptions): CollectedMetric {
    return this.#add(new CollectedMetric(options, checkNames(options, this.#names), 'gauge'));
  }

  /** A counter whose value is kept elsewhere and read at each render (e.g. CPU seconds). */
  collectedCounter(options: CollectedOptions): CollectedMetric {
    return this.#add(new CollectedMetric(options, checkNames(options, this.#names), 'counter'));
  }

  /** @throws {TypeError | RangeError} On an invalid name, label name or bucket list. */
  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options, checkNames(options, this.#names)));
  }

  /** The exposition text of every metric (content type {@link EXPOSITION_CONTENT_TYPE}). */
  render(): string {
    let text = '';
    for (const metric of this.#metrics) text += metric.render();
    return text;
  }

  #add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}
