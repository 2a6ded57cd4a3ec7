// A small Prometheus registry. Counters and gauges are plain numbers so that request paths only do
// an addition; the text exposition format is built when /metrics is scraped.

export type Labels = Record<string, string>;

export interface Counter {
  inc(by?: number): void;
  get(): number;
}

export interface Gauge extends Counter {
  set(value: number): void;
  dec(by?: number): void;
}

type MetricType = 'counter' | 'gauge';

interface Family {
  name: string;
  help: string;
  type: MetricType;
  /** Children by rendered label set ('' for the unlabelled metric). */
  children: Map<string, { value: number }>;
  /** Gauges read at scrape time instead of being pushed. */
  collect?: () => number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  for (const n of names) if (!LABEL_NAME.test(n)) throw new Error(`invalid label name ${n}`);
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  /** A counter; calling again with the same name and labels returns the same one. */
  counter(name: string, help: string, labels: Labels = {}): Counter {
    const cell = this.cell(name, help, 'counter', labels);
    return {
      inc: (by = 1) => {
        cell.value += by;
      },
      get: () => cell.value,
    };
  }

  gauge(name: string, help: string, labels: Labels = {}): Gauge {
    const cell = this.cell(name, help, 'gauge', labels);
    return {
      inc: (by = 1) => {
        cell.value += by;
      },
      dec: (by = 1) => {
        cell.value -= by;
      },
      set: (value) => {
        cell.value = value;
      },
      get: () => cell.value,
    };
  }

  /** A gauge whose value is computed on each scrape (e.g. "has leader" or memory use). */
  gaugeFunc(name: string, help: string, collect: () => number): void {
    if (this.families.has(name)) throw new Error(`metric ${name} is already registered`);
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    this.families.set(name, { name, help, type: 'gauge', children: new Map(), collect });
  }

  /** Prometheus text exposition format, version 0.0.4. */
  render(): string {
    const out: string[] = [];
    const names = [...this.families.keys()].sort();
    for (const name of names) {
      const f = this.families.get(name) as Family;
      out.push(`# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      out.push(`# TYPE ${name} ${f.type}`);
      if (f.collect) {
        out.push(`${name} ${formatValue(f.collect())}`);
        continue;
      }
      for (const [labels, cell] of f.children) out.push(`${name}${labels} ${formatValue(cell.value)}`);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private cell(name: string, help: string, type: MetricType, labels: Labels): { value: number } {
    let family = this.families.get(name);
    if (family === undefined) {
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
      family = { name, help, type, children: new Map() };
      this.families.set(name, family);
    } else if (family.type !== type || family.collect) {
      throw new Error(`metric ${name} is already registered as another kind`);
    }
    const key = renderLabels(labels);
    let cell = family.children.get(key);
    if (cell === undefined) {
      cell = { value: 0 };
      family.children.set(key, cell);
    }
    return cell;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
