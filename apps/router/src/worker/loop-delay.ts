import type { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoopDelayValue } from '@kv/node';

/** What monitorEventLoopDelay returns (IntervalHistogram in @types/node 20, ELDHistogram in 24). */
export type EventLoopHistogram = ReturnType<typeof monitorEventLoopDelay>;

/** monitorEventLoopDelay's sampling interval: its samples include it, so it is subtracted. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** A worker's event-loop delay since it started, in seconds (the figures table's shape). */
export type LoopDelay = LoopDelayValue;

/** The histogram's figures in seconds, less the sampling interval (all 0 before the first sample). */
export function loopDelaySeconds(h: EventLoopHistogram | null): LoopDelay {
  const count = h?.count ?? 0;
  const seconds = (ns: number) => (count > 0 && Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS) / 1000 : 0);
  if (h === null || count === 0) return { count: 0, min: 0, mean: 0, max: 0, p50: 0, p90: 0, p99: 0 };
  return { count, min: seconds(h.min), mean: seconds(h.mean), max: seconds(h.max), p50: seconds(h.percentile(50)), p90: seconds(h.percentile(90)), p99: seconds(h.percentile(99)) };
}
