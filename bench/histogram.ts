/**
 * Fixed-size log-linear latency histogram in microseconds.
 *
 * Recording must not allocate (it runs once per request in the load generator), and histograms from several worker
 * processes must merge exactly, so values are counted in buckets instead of being stored. Each power of two is split
 * into SUB_BUCKETS linear buckets, which bounds the relative error of a reported percentile to 1/SUB_BUCKETS.
 */

const SUB_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BITS;
/** Values are clamped to 2^32-1 µs (about 71 minutes), so the highest power of two is 2^31. */
const MAX_EXPONENT = 32;
const BUCKETS = SUB_BUCKETS + (MAX_EXPONENT - SUB_BITS) * SUB_BUCKETS;

export interface LatencySummary {
  count: number;
  /** All in milliseconds. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The plain-data form sent between processes. */
export interface HistogramSnapshot {
  counts: number[];
  count: number;
  sumMicros: number;
  maxMicros: number;
}

function bucketOf(micros: number): number {
  if (micros < SUB_BUCKETS) return micros;
  const exponent = 31 - Math.clz32(micros);
  const shift = exponent - SUB_BITS;
  return SUB_BUCKETS + shift * SUB_BUCKETS + ((micros >>> shift) - SUB_BUCKETS);
}

/** Midpoint of the bucket, so the reported value is never off by more than half a bucket width. */
function valueOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const shift = Math.floor((bucket - SUB_BUCKETS) / SUB_BUCKETS);
  const lower = (SUB_BUCKETS + ((bucket - SUB_BUCKETS) % SUB_BUCKETS)) * 2 ** shift;
  return lower + (2 ** shift - 1) / 2;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sumMicros = 0;
  private maxMicros = 0;

  /** Records one latency given in milliseconds (as returned by performance.now() differences). */
  recordMillis(millis: number): void {
    const micros = millis <= 0 ? 0 : Math.min(Math.round(millis * 1000), 0xffffffff);
    this.counts[bucketOf(micros)]++;
    this.total++;
    this.sumMicros += micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  get count(): number {
    return this.total;
  }

  merge(other: HistogramSnapshot): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i] ?? 0;
    this.total += other.count;
    this.sumMicros += other.sumMicros;
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros;
  }

  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.counts), count: this.total, sumMicros: this.sumMicros, maxMicros: this.maxMicros };
  }

  /** Latency in milliseconds below which `fraction` (0..1) of the recorded values fall. */
  percentile(fraction: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      // The true value can never exceed the exact maximum, even if the bucket midpoint does.
      if (seen >= rank) return Math.min(valueOf(i), this.maxMicros) / 1000;
    }
    return this.maxMicros / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      mean: this.total === 0 ? 0 : this.sumMicros / this.total / 1000,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: this.maxMicros / 1000,
    };
  }
}

export function formatLatency(latency: LatencySummary): string {
  const ms = (value: number): string => value.toFixed(3);
  return (
    `p50 ${ms(latency.p50)}  p90 ${ms(latency.p90)}  p99 ${ms(latency.p99)}  ` +
    `max ${ms(latency.max)}  mean ${ms(latency.mean)} (ms)`
  );
}
