import { sampleTtls } from './avg-ttl';
import type { SampledState, ShardsState } from './types';

/** Samples kept for an instantaneous rate, as Redis's STATS_METRIC_SAMPLES. */
const SAMPLES = 16;

/**
 * Redis's instantaneous metrics: every 100 ms, the rate since the last sample goes into a ring of
 * 16; the figure is their mean (the last 1.6 s).
 */
export class InstantRate {
  private readonly samples = new Float64Array(SAMPLES);
  private next = 0;
  private lastValue = -1;
  private lastTime = 0;

  sample(value: number, nowMs: number): void {
    if (this.lastValue >= 0 && nowMs > this.lastTime) {
      this.samples[this.next] = ((value - this.lastValue) * 1000) / (nowMs - this.lastTime);
      this.next = (this.next + 1) % SAMPLES;
    }
    this.lastValue = value;
    this.lastTime = nowMs;
  }

  perSecond(): number {
    let sum = 0;
    for (let i = 0; i < SAMPLES; i++) sum += this.samples[i];
    return Math.round(sum / SAMPLES);
  }
}

/** A worker's figures sampled every 100 ms (worker-process.ts's timer, beside active expiry). */
export class SampledFigures implements SampledState {
  private readonly ops = new InstantRate();
  private peak = 0;

  constructor(private readonly shards: ShardsState) {}

  /** `commands`: the worker's count of its clients' commands so far. */
  sample(commands: number, now: number): void {
    this.ops.sample(commands, now);
    this.memoryPeak();
    for (const shard of this.shards.owned) {
      const store = this.shards.store(shard);
      if (store !== undefined) sampleTtls(store, now);
    }
  }

  opsPerSecond(): number {
    return this.ops.perSecond();
  }

  memoryPeak(): number {
    let bytes = 0;
    for (const shard of this.shards.owned) bytes += this.shards.store(shard)?.bytes ?? 0;
    if (bytes > this.peak) this.peak = bytes;
    return this.peak;
  }
}
