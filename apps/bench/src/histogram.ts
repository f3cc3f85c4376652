/**
 * Log-linear latency histogram over non-negative integers (microseconds): values below
 * 2^SUB_BITS are counted exactly; above, each power-of-two range is split into 2^(SUB_BITS-1)
 * equal buckets, so a reported value is at most 1/128 (0.8%) above the true one. Fixed memory.
 */
const SUB_BITS = 8;
const LINEAR_LIMIT = 1 << SUB_BITS;
const HALF = 1 << (SUB_BITS - 1);
const MAX_VALUE = 0x7fffffff;
const BUCKETS = LINEAR_LIMIT + (31 - SUB_BITS) * HALF;

export function bucketOf(value: number): number {
  if (value < LINEAR_LIMIT) return value;
  const exponent = 31 - Math.clz32(value);
  const shift = exponent - (SUB_BITS - 1);
  return LINEAR_LIMIT + (exponent - SUB_BITS) * HALF + ((value >>> shift) - HALF);
}

/** The largest value that falls in the bucket: percentiles never under-report. */
export function highestValueOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const offset = bucket - LINEAR_LIMIT;
  const exponent = SUB_BITS + Math.floor(offset / HALF);
  const shift = exponent - (SUB_BITS - 1);
  const lowest = (HALF + (offset % HALF)) * 2 ** shift;
  return lowest + 2 ** shift - 1;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private maxSeen = 0;

  record(value: number): void {
    let v = value < 0 ? 0 : Math.round(value);
    if (v > MAX_VALUE) v = MAX_VALUE;
    this.counts[bucketOf(v)]++;
    this.total++;
    this.sum += v;
    if (v > this.maxSeen) this.maxSeen = v;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxSeen;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** Smallest recorded value v (to bucket precision) with at least q of all samples <= v; q in [0, 1]. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(highestValueOf(b), this.maxSeen);
    }
    return this.maxSeen;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.maxSeen = 0;
  }
}
