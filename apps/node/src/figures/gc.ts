import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { DURATION_BUCKETS, Histogram } from './command-stats';

/**
 * The worker's garbage collections, from perf_hooks' 'gc' entries (Node's usual GC figures): how
 * many, their time in all, and the longest pause. The store keeps keys and values outside the V8
 * heap, so these stay small however full the cache is (BENCHMARKS.md).
 */
export const gcStats = { runs: 0, seconds: 0, maxPauseSeconds: 0, pauses: new Histogram(DURATION_BUCKETS) };

let observer: PerformanceObserver | null = null;

/** Starts counting (once per process; the worker calls it at start). */
export function observeGc(): void {
  if (observer !== null) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceEntry[]) {
      const seconds = entry.duration / 1000;
      gcStats.runs++;
      gcStats.seconds += seconds;
      if (seconds > gcStats.maxPauseSeconds) gcStats.maxPauseSeconds = seconds;
      gcStats.pauses.observe(seconds);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
