import { cumulativeAt, FIGURES, type CommandRowValue, type HistogramValue, type LatencyValue, type LoopDelayValue } from '@kv/node';
import type { ClusterStats, WorkerEntry } from './cluster';
import type { WorkerStats } from '../primary/messages';

type Labels = Record<string, string | number>;
type Sample = [labels: Labels, value: number, suffix?: string];

/** The Prometheus text exposition (format 0.0.4) of the figures table, from the workers' /stats. */
export function metricsText(stats: ClusterStats): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, samples: Sample[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value, suffix] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      out.push(`${name}${suffix ?? ''}${l ? `{${l}}` : ''} ${formatValue(value)}`);
    }
  };
  const up = stats.per_worker.filter((w) => w.up) as (WorkerEntry & WorkerStats)[];
  for (const f of FIGURES) {
    let samples: Sample[];
    switch (f.shape) {
      case 'primary':
        samples = [[{}, f.get(stats)]];
        break;
      case 'slot':
        samples = stats.per_worker.map((w) => [{ worker: w.worker }, f.get(w)]);
        break;
      case 'worker':
        samples = up.map((w) => [{ worker: w.worker }, w[f.json] as number]);
        break;
      case 'shard':
        samples = up.flatMap((w) => w.shards.map((s): Sample => [{ worker: w.worker, shard: s.shard }, s[f.json]]));
        break;
      case 'command':
        samples = up.flatMap((w) => (w[f.json] as CommandRowValue[]).map((r): Sample => [{ worker: w.worker, command: r.command, protocol: r.protocol }, r[f.row]]));
        break;
      case 'histogram':
        samples = up.flatMap((w) => histogramSamples(w.worker, w[f.json] as HistogramValue));
        break;
      case 'summary':
        samples = up.flatMap((w) => summarySamples(w.worker, w[f.json] as LoopDelayValue));
        break;
      case 'latency':
        samples = up.flatMap((w) => Object.entries(w[f.json] as Record<string, LatencyValue>).flatMap(([command, h]) => latencySamples({ worker: w.worker, command }, h, f.bounds)));
        break;
    }
    family(f.prom, f.kind, f.help, samples);
  }
  return out.join('\n') + '\n';
}

function histogramSamples(worker: number, h: HistogramValue): Sample[] {
  return [...h.buckets.map((b): Sample => [{ worker, le: b.le }, b.count, '_bucket']), [{ worker }, h.sum, '_sum'], [{ worker }, h.count, '_count']];
}

/** A command's buckets at the figure's bounds: cumulative `_bucket`s, `_sum`, `_count`. */
function latencySamples(labels: Labels, h: LatencyValue, bounds: readonly number[]): Sample[] {
  return [...cumulativeAt(h, bounds).map((b): Sample => [{ ...labels, le: b.le }, b.count, '_bucket']), [labels, h.sum, '_sum'], [labels, h.count, '_count']];
}

function summarySamples(worker: number, d: LoopDelayValue): Sample[] {
  return [
    [{ worker, quantile: '0.5' }, d.p50],
    [{ worker, quantile: '0.9' }, d.p90],
    [{ worker, quantile: '0.99' }, d.p99],
    [{ worker }, d.mean * d.count, '_sum'],
    [{ worker }, d.count, '_count'],
  ];
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
