import { performance } from 'node:perf_hooks';
import { treeRss, type TreeRss } from './procstat';

export const SAMPLE_INTERVAL_MS = 250;

/** Samples the summed RSS of a process tree every SAMPLE_INTERVAL_MS and keeps the peaks. */
export class RssSampler {
  peakTotal = 0;
  peakAt = 0;
  /** Highest RSS seen per PID (a process restarted under a new PID gets its own entry). */
  readonly peakByPid = new Map<number, number>();
  samples = 0;
  /** Longest time between two samples: the sampling is only as fine as the bench's event loop allows. */
  maxGapMs = 0;
  private last = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly rootPid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
  }

  sample(): TreeRss {
    const now = performance.now();
    if (this.last !== 0) this.maxGapMs = Math.max(this.maxGapMs, now - this.last);
    this.last = now;
    const rss = treeRss(this.rootPid);
    this.samples++;
    if (rss.total > this.peakTotal) {
      this.peakTotal = rss.total;
      this.peakAt = (now - this.started) / 1000;
    }
    for (const [pid, bytes] of rss.byPid) this.peakByPid.set(pid, Math.max(bytes, this.peakByPid.get(pid) ?? 0));
    return rss;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
