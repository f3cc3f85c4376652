import { addLatency, FIGURES, ttlMean, type CommandRowValue, type HistogramValue, type LatencyValue } from '@kv/node';
import type { WorkerStats } from '../primary/messages';

/** One worker slot in /stats: what the primary knows of it, and its figures if it answered. */
export interface WorkerEntry extends Partial<WorkerStats> {
  worker: number;
  /** Answered this stats request. */
  up: boolean;
  /** Passes the /readyz test now. */
  ready: boolean;
  /** Times the primary restarted this worker. */
  restarts: number;
}

/** Live changes of the worker count (scaling.ts), counted by the primary. */
export interface ResizeFigures {
  map_version: number;
  resizing: boolean;
  resizes: number;
  resizes_failed: number;
  last_resize_seconds: number;
}

/** /stats: the cluster's figures now. */
export interface ClusterStats {
  time: string;
  workers: number;
  /** Workers that answered within the timeout. */
  answered: number;
  worker_restarts: number;
  totals: Record<string, number>;
  resize: ResizeFigures;
  per_worker: WorkerEntry[];
  /** The workers' command rows and histograms summed, by their figures' /stats keys (sumWorkers). */
  [summed: string]: unknown;
}

/** The /stats key of each shard's keys with a TTL, by which `ttl_mean` figures are averaged. */
const KEYS_WITH_TTL = FIGURES.find((f) => f.name === 'keys_with_expiry')!.json;

/**
 * The primary's sums of the workers' figures for /stats: `totals` (each worker and shard figure
 * combined by its merge rule, as INFO combines it) and, by their /stats keys, the command rows and
 * histograms of every worker together.
 */
export function sumWorkers(got: readonly WorkerStats[]): { totals: Record<string, number>; summed: Record<string, unknown> } {
  const totals: Record<string, number> = {};
  const summed: Record<string, unknown> = {};
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'worker': {
        const values = got.map((s) => s[f.json] as number);
        totals[f.json] = f.merge === 'max' ? Math.max(0, ...values) : f.merge === 'first' ? (values[0] ?? 0) : values.reduce((a, b) => a + b, 0);
        break;
      }
      case 'shard':
        totals[f.json] =
          f.merge === 'sum'
            ? got.reduce((sum, s) => sum + s.shards.reduce((n, shard) => n + shard[f.json], 0), 0)
            : ttlMean(got.flatMap((s) => s.shards.map((shard) => [shard[f.json], shard[KEYS_WITH_TTL]] as const)));
        break;
      case 'histogram':
        summed[f.json] = got.reduce<HistogramValue | null>((sum, s) => addHistograms(sum, s[f.json] as HistogramValue), null);
        break;
      case 'command':
        summed[f.json] ??= sumRows(got.flatMap((s) => s[f.json] as CommandRowValue[]));
        break;
      case 'latency': {
        // Each command's buckets summed over the workers (percentiles of the sum, as INFO's).
        const byCommand: Record<string, LatencyValue> = {};
        for (const s of got) for (const [command, h] of Object.entries(s[f.json] as Record<string, LatencyValue>)) byCommand[command] = addLatency(byCommand[command], h);
        summed[f.json] = byCommand;
        break;
      }
      case 'summary':
      case 'primary':
      case 'slot':
        break;
    }
  }
  return { totals, summed };
}

/** The workers' rows by command and protocol, summed, in first-seen order. */
function sumRows(rows: readonly CommandRowValue[]): CommandRowValue[] {
  const byKey = new Map<string, CommandRowValue>();
  for (const row of rows) {
    const key = `${row.command} ${row.protocol}`;
    const sum = byKey.get(key);
    if (sum === undefined) byKey.set(key, { ...row });
    else {
      sum.calls += row.calls;
      sum.seconds += row.seconds;
    }
  }
  return [...byKey.values()];
}

/** Two workers' histograms (same buckets) as one; `a` may be null (none yet). */
function addHistograms(a: HistogramValue | null, b: HistogramValue): HistogramValue {
  if (a === null) return { buckets: b.buckets.map((x) => ({ ...x })), sum: b.sum, count: b.count };
  return { buckets: a.buckets.map((x, i) => ({ le: x.le, count: x.count + b.buckets[i].count })), sum: a.sum + b.sum, count: a.count + b.count };
}
