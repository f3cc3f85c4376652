/**
 * Per-command latency histograms for INFO latencystats (Redis 7.0's) and /metrics: log-linear
 * buckets over nanoseconds, 32 linear steps per power of two (within about 3%, where Redis's
 * HdrHistogram keeps 2 significant digits), from 1 ns to 1 s as Redis records (longer is 1 s).
 * One Float64Array per command, made on its first call: recording allocates nothing.
 */

/** Linear steps per power of two (a power of two itself). */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Redis's CONFIG_LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE (ns). */
const MIN_NS = 1;
const MAX_NS = 1_000_000_000;
/** Values below SUB have a bucket each; then SUB buckets for each power of two up to MAX_NS's. */
export const LATENCY_BUCKETS = SUB + (31 - Math.clz32(MAX_NS) - SUB_BITS + 1) * SUB;

/** The bucket of a duration in nanoseconds (an integer within MIN_NS..MAX_NS). */
export function bucketOf(ns: number): number {
  if (ns < SUB) return ns;
  const exp = 31 - Math.clz32(ns);
  return SUB + (exp - SUB_BITS) * SUB + ((ns >>> (exp - SUB_BITS)) & (SUB - 1));
}

/** The largest nanosecond value a bucket holds (HdrHistogram's highest equivalent value). */
export function bucketTop(bucket: number): number {
  if (bucket < SUB) return bucket;
  const shift = Math.floor((bucket - SUB) / SUB);
  const step = 2 ** shift;
  return (SUB + ((bucket - SUB) % SUB)) * step + step - 1;
}

/**
 * HdrHistogram's hdr_value_at_percentile over bucket counts: the top of the bucket where the
 * count reaches `percentile`% of all (at least the first value).
 */
export function valueAtPercentile(counts: ArrayLike<number>, total: number, percentile: number): number {
  const wanted = Math.max(1, Math.floor((Math.min(percentile, 100) / 100) * total + 0.5));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= wanted) return bucketTop(i);
  }
  return 0;
}

/** Redis's `%f` then trimDoubleString: 99.9 → `99.9`, 50 → `50`, 1e-7 → `0`. */
export function percentileName(p: number): string {
  const fixed = p.toFixed(6);
  return fixed.replace(/\.?0+$/, '');
}

/** `p50=1.003,p99=2.007,p99.9=4.015`: each percentile's value in microseconds, three decimals. */
export function percentilesText(counts: ArrayLike<number>, total: number, percentiles: readonly number[]): string {
  return percentiles.map((p) => `p${percentileName(p)}=${(valueAtPercentile(counts, total, p) / 1000).toFixed(3)}`).join(',');
}

/** One command's histogram as a worker reports it: the buckets that have counts, their sum, and the time summed. */
export interface LatencyValue {
  /** [bucket, count] pairs, bucket ascending. */
  buckets: [number, number][];
  count: number;
  /** Seconds summed over the calls (Prometheus's `_sum`). */
  sum: number;
}

/** Every command's latency histogram on one worker (CommandStats.latency). */
export class LatencyHistograms {
  /** Off: nothing recorded and INFO latencystats empty (CONFIG SET latency-tracking no). */
  tracking = true;
  /** latency-tracking-info-percentiles. */
  percentiles: readonly number[] = [50, 99, 99.9];
  /** Counts per bucket by opcode, null until its first call. */
  readonly byOpcode: (Float64Array | null)[] = new Array<Float64Array | null>(256).fill(null);
  readonly seconds = new Float64Array(256);

  record(opcode: number, ms: number): void {
    let counts = this.byOpcode[opcode];
    if (counts === null) counts = this.byOpcode[opcode] = new Float64Array(LATENCY_BUCKETS);
    const ns = Math.min(MAX_NS, Math.max(MIN_NS, Math.round(ms * 1e6)));
    counts[bucketOf(ns)]++;
    this.seconds[opcode] += ms * 0.001;
  }

  reset(): void {
    this.byOpcode.fill(null);
    this.seconds.fill(0);
  }

  /** One command's buckets with counts, or null when it was never timed. */
  value(opcode: number): LatencyValue | null {
    const counts = this.byOpcode[opcode];
    if (counts === null) return null;
    const buckets: [number, number][] = [];
    let count = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        buckets.push([i, counts[i]]);
        count += counts[i];
      }
    }
    return count === 0 ? null : { buckets, count, sum: this.seconds[opcode] };
  }
}

/** Several workers' histograms of one command as one (the buckets summed). */
export function addLatency(a: LatencyValue | undefined, b: LatencyValue): LatencyValue {
  if (a === undefined) return { buckets: b.buckets.map(([i, c]) => [i, c]), count: b.count, sum: b.sum };
  const byBucket = new Map(a.buckets);
  for (const [i, c] of b.buckets) byBucket.set(i, (byBucket.get(i) ?? 0) + c);
  return { buckets: [...byBucket].sort((x, y) => x[0] - y[0]), count: a.count + b.count, sum: a.sum + b.sum };
}

/** Dense counts from [bucket, count] pairs (to read percentiles). */
export function denseCounts(buckets: readonly (readonly [number, number])[]): Float64Array {
  const counts = new Float64Array(LATENCY_BUCKETS);
  for (const [i, c] of buckets) counts[i] += c;
  return counts;
}

/**
 * Cumulative counts at Prometheus bounds (seconds), `+Inf` last: a bucket counts under a bound
 * when its top value is within it (so to within the buckets' 3%).
 */
export function cumulativeAt(value: LatencyValue, bounds: readonly number[]): { le: string; count: number }[] {
  const out: { le: string; count: number }[] = [];
  let i = 0;
  let cumulative = 0;
  for (const bound of bounds) {
    const ns = bound * 1e9;
    while (i < value.buckets.length && bucketTop(value.buckets[i][0]) <= ns) cumulative += value.buckets[i++][1];
    out.push({ le: String(bound), count: cumulative });
  }
  out.push({ le: '+Inf', count: value.count });
  return out;
}
