import { addLatency, denseCounts, percentilesText } from '../figures/latency-histogram';
import type { HistogramSource, LatencySource, LatencyValue } from '../figures/types';

/** INFO's value formats, shared by a worker's INFO and the router's merge of them. */

/** Redis's usec_per_call: two decimals. */
export function perCall(usec: number, calls: number): string {
  return (calls > 0 ? usec / calls : 0).toFixed(2);
}

/**
 * `le_1=N,...,le_inf=N,sum=N,count=N`: cumulative counts by upper bound, bounds and sum times
 * `scale` (1e6: microseconds, as INFO counts time).
 */
export function histogramPairs(h: HistogramSource, scale: number): string {
  let text = '';
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i];
    text += `le_${Math.round(h.bounds[i] * scale * 10) / 10}=${cumulative},`;
  }
  return `${text}le_inf=${h.count},sum=${Math.round(h.sum * scale)},count=${h.count}`;
}

/**
 * Sums `name=value,...` lists name by name, in the first list's order; a name in `means` is
 * instead averaged, each list's value weighted by its pair named there (rounded).
 */
export function sumPairs(lists: readonly string[], means: Readonly<Record<string, string>> = {}): Map<string, number> {
  const sums = new Map<string, number>();
  const weights = new Map<string, number>();
  for (const list of lists) {
    const values = new Map(list.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), Number(pair.slice(pair.indexOf('=') + 1))]));
    for (const [name, value] of values) {
      const by = means[name];
      const weight = by === undefined ? 1 : (values.get(by) ?? 0);
      sums.set(name, (sums.get(name) ?? 0) + value * weight);
      if (by !== undefined) weights.set(name, (weights.get(name) ?? 0) + weight);
    }
  }
  for (const [name, weight] of weights) sums.set(name, weight > 0 ? Math.round(sums.get(name)! / weight) : 0);
  return sums;
}

/** Redis's bytesToHuman: `123B`, `1.21K`, `3.50M`, `2.00G` ... */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  let unit = 0;
  while (d >= 1024 && unit < units.length - 1) {
    d /= 1024;
    unit++;
  }
  return `${d.toFixed(2)}${units[unit]}`;
}

/**
 * A worker's latencystats field, for the router's merge to read (never shown as is): the
 * percentiles wanted, then the command's buckets with counts, `50 99 99.9|<bucket>:<count> ...`;
 * empty when the command was not timed or latency-tracking is off.
 */
export function latencyField(source: LatencySource, opcode: number): string {
  const value = source.tracking ? source.value(opcode) : null;
  if (value === null) return '';
  return `${source.percentiles.join(' ')}|${value.buckets.map(([i, c]) => `${i}:${c}`).join(' ')}`;
}

/** The workers' latencystats fields of one command as Redis's `p50=...,p99=...`, or null when none timed it. */
export function mergeLatencyFields(fields: readonly string[]): string | null {
  let sum: LatencyValue | undefined;
  let percentiles: number[] | undefined;
  for (const field of fields) {
    if (field === '') continue;
    const bar = field.indexOf('|');
    percentiles ??= field.slice(0, bar) === '' ? [] : field.slice(0, bar).split(' ').map(Number);
    const buckets = field.slice(bar + 1).split(' ').map((pair): [number, number] => [Number(pair.slice(0, pair.indexOf(':'))), Number(pair.slice(pair.indexOf(':') + 1))]);
    sum = addLatency(sum, { buckets, count: buckets.reduce((n, [, c]) => n + c, 0), sum: 0 });
  }
  if (sum === undefined || percentiles === undefined) return null;
  return percentilesText(denseCounts(sum.buckets), sum.count, percentiles);
}

/**
 * A worker's part of a `distinct` INFO field: its names as 53-bit hashes (two FNV-1a variants),
 * base 36, `.`-separated; the merge counts the union. Names travel as hashes because they may hold
 * any byte, CRLF and `:` included; at 53 bits a collision among a million names is about 1 in 10^4.
 */
export function nameHashes(names: readonly string[] | undefined): string {
  if (names === undefined || names.length === 0) return '';
  const out = new Array<string>(names.length);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ name.length;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    out[n] = ((a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff)).toString(36);
  }
  return out.join('.');
}

/** The merge of a `distinct` field: how many different hashes the workers sent. */
export function distinctCount(parts: readonly string[]): number {
  const seen = new Set<string>();
  for (const part of parts) if (part.length > 0) for (const hash of part.split('.')) seen.add(hash);
  return seen.size;
}
