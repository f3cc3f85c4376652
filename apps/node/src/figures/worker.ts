import { clientOpcodesInOrder, commandName } from './command-stats';
import { denseCounts, percentileName, valueAtPercentile } from './latency-histogram';
import { combineShards, FIGURES } from './table';
import type { LatencySource, LatencyValue, ShardsState, WorkerState } from './types';

/**
 * A worker's own outputs of the figures table: the JSON it sends the primary for /stats and
 * /metrics, and the text protocol's STATS.
 */

/** One worker's figures for the primary: by each figure's /stats key, and per shard. */
export function workerFigures(w: WorkerState, shards: ShardsState): Record<string, unknown> & { shards: Record<string, number>[] } {
  const out: Record<string, unknown> = { pid: process.pid };
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'worker':
        out[f.json] = f.get(w);
        break;
      case 'histogram':
        out[f.json] = f.get(w).snapshot();
        break;
      case 'summary':
        out[f.json] = f.get(w);
        break;
      case 'command':
        // The rows carry every command figure.
        out[f.json] ??= f.get(w).rows();
        break;
      case 'latency':
        out[f.json] = latencyByCommand(f.get(w));
        break;
      case 'shard':
      case 'primary':
      case 'slot':
        break;
    }
  }
  const perShard = shards.owned.map((shard) => {
    const store = shards.store(shard)!;
    const entry: Record<string, number> = { shard };
    for (const f of FIGURES) if (f.shape === 'shard') entry[f.json] = f.get(store);
    return entry;
  });
  return { ...out, shards: perShard };
}

/** STATS: `name value` lines, `head` (the worker's identity) first, then every figure; `END`. */
export function statsText(w: WorkerState, shards: ShardsState, head: readonly [string, string | number][]): string {
  let text = '';
  const line = (name: string, value: string | number) => (text += `${name} ${value}\n`);
  for (const [k, v] of head) line(k, v);
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'worker':
        line(f.stats, f.get(w));
        break;
      case 'shard':
        line(f.stats, combineShards(shards, f));
        break;
      case 'primary':
      case 'slot':
        if (f.worker !== undefined) line(f.worker.stats, f.worker.get(w));
        break;
      case 'summary': {
        const d = f.get(w);
        for (const q of ['p50', 'p90', 'p99', 'mean'] as const) line(`${f.stats}_${q}_seconds`, d[q]);
        break;
      }
      case 'histogram': {
        // Named as in /metrics: `<name>_bucket_<le>` (cumulative), `_sum`, `_count`.
        const h = f.get(w).snapshot();
        for (const b of h.buckets) line(`${f.stats}_bucket_${b.le}`, b.count);
        line(`${f.stats}_sum`, h.sum);
        line(`${f.stats}_count`, h.count);
        break;
      }
      case 'command':
        for (const r of f.get(w).rows()) line(`cmd_${r.command}_${r.protocol}${f.stats.suffix}`, r[f.row]);
        break;
      case 'latency': {
        // `<stats>_<command>_p<percentile>` in microseconds, as INFO latencystats has them.
        const source = f.get(w);
        for (const [command, h] of Object.entries(latencyByCommand(source))) {
          const counts = denseCounts(h.buckets);
          for (const p of source.percentiles) line(`${f.stats}_${command}_p${percentileName(p)}`, (valueAtPercentile(counts, h.count, p) / 1000).toFixed(3));
        }
        break;
      }
    }
  }
  return text + 'END\n';
}

/** Each timed command's histogram by name, in table order; none while latency-tracking is off. */
export function latencyByCommand(source: LatencySource): Record<string, LatencyValue> {
  const out: Record<string, LatencyValue> = {};
  if (!source.tracking) return out;
  for (const opcode of clientOpcodesInOrder()) {
    const value = opcode === 0 ? null : source.value(opcode);
    if (value !== null) out[commandName(opcode)] = value;
  }
  return out;
}
