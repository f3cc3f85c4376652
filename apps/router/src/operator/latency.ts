/** Samples each event keeps (Redis's LATENCY_TS_LEN). */
const HISTORY = 160;

/** One latency sample: the second it fell in and the worst latency (ms) in that second. */
export interface LatencySample {
  time: number;
  ms: number;
}

/** An event's series as LATENCY reads it, newest sample last. */
export interface LatencySeries {
  event: string;
  samples: LatencySample[];
  max: number;
}

/**
 * A worker's latency monitor (LATENCY): events that took at least latency-monitor-threshold ms,
 * one sample per event per second (the worst), the last 160 of each, and each event's worst
 * ever, as Redis's latencyAddSample keeps them. Events here: `command` and `fast-command` (a
 * command where it ran, by its table flags, as Redis's), `forwarded-command` (a reply that
 * waited for another worker), `event-loop` (the worker's loop stalled), `expire-cycle` (active
 * expiry's pass). LATENCY merges every worker's.
 */
export class LatencyMonitor {
  /** 0: off. */
  thresholdMs = 0;
  private readonly events = new Map<string, LatencySeries>();

  /** Records `ms` for `event` when the monitor is on and it reaches the threshold. */
  add(event: string, ms: number): void {
    const threshold = this.thresholdMs;
    if (threshold === 0 || ms < threshold) return;
    const latency = Math.floor(ms);
    let series = this.events.get(event);
    if (series === undefined) this.events.set(event, (series = { event, samples: [], max: 0 }));
    if (latency > series.max) series.max = latency;
    const now = Math.floor(Date.now() / 1000);
    const last = series.samples[series.samples.length - 1];
    if (last !== undefined && last.time === now) {
      if (latency > last.ms) last.ms = latency;
      return;
    }
    series.samples.push({ time: now, ms: latency });
    if (series.samples.length > HISTORY) series.samples.shift();
  }

  /** Every event's series (LATENCY LATEST, HISTORY, DOCTOR merge them over the workers). */
  all(): LatencySeries[] {
    return [...this.events.values()];
  }

  /** Forgets the events named (all when none is): the names of those there were. */
  reset(events: readonly string[]): string[] {
    const names = events.length === 0 ? [...this.events.keys()] : events.map((e) => e.toLowerCase()).filter((e) => this.events.has(e));
    for (const name of names) this.events.delete(name);
    return names;
  }
}
