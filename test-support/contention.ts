/**
 * How starved of CPU this machine is while a test measures time: a test that promises "within
 * 1 s" means 1 s of a machine that runs it, not 1 s while four other test runs share its two
 * cores. A Contention gauge samples, every 50 ms, how long 2 ms of this thread's CPU takes in wall
 * time (process.threadCpuUsage against performance.now): 1 on an idle core, about 2 with twice as
 * many runnable threads as cores. A time bound is the promise times the factor over the window
 * measured (its 90th percentile: one sample preempted at length is not the window), never less
 * than the promise, so the promise is kept and load does not fail it. Test code only.
 */
export class Contention {
  private timer: NodeJS.Timeout | null = null;
  private readonly factors: number[] = [];

  /** Starts sampling (call stop() when the window measured is over). */
  start(): this {
    this.timer = setInterval(() => this.sample(), 50);
    this.timer.unref();
    this.sample();
    return this;
  }

  /** Stops sampling; the window's factor. */
  stop(): number {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.factor;
  }

  /** The window's factor: the 90th percentile of the samples, at least 1. */
  get factor(): number {
    const sorted = [...this.factors].sort((a, b) => a - b);
    return Math.max(1, sorted[Math.floor(0.9 * (sorted.length - 1))] ?? 1);
  }

  /** `promiseMs` scaled by the window's factor (at least the promise itself). */
  bound(promiseMs: number): number {
    return promiseMs * this.factor;
  }

  /** A message for a bound's assertion. */
  says(what: string, ms: number, promiseMs: number): string {
    return `${what}: ${ms.toFixed(0)} ms; the promise is ${promiseMs} ms on a machine that runs it, ${this.bound(promiseMs).toFixed(0)} ms at the CPU contention seen (x${this.factor.toFixed(2)} over ${this.factors.length} samples)`;
  }

  private sample(): void {
    const cpu0 = process.threadCpuUsage();
    const wall0 = performance.now();
    let spent = 0;
    while (spent < 2000) {
      const cpu = process.threadCpuUsage(cpu0);
      spent = cpu.user + cpu.system;
    }
    this.factors.push((performance.now() - wall0) / (spent / 1000));
  }
}
