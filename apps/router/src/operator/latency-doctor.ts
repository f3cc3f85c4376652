import type { LatencySeries } from './latency';

/** Redis 7.0's LATENCY DOCTOR texts for a monitor that is off, and for one that saw nothing. */
const DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const NOTHING =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';

/** What to look at for each event here (this server's advice, in Redis's report's framing). */
const ADVICE: Readonly<Record<string, string>> = {
  command: "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.",
  'fast-command': "- Commands flagged fast (O(1) or O(log N)) took long: the worker was starved of CPU or stalled (see event-loop). Check the machine's load and the workers' garbage collection (INFO's kv_gc_max_pause_seconds).",
  'forwarded-command': '- Replies from the worker owning the keys came back late: that worker was busy (see its command and event-loop events) or the links were full. Keys used together can share a worker with a hash tag ({...}).',
  'event-loop': "- A worker's event loop stalled: a long command or script, a garbage collection pause, or CPU starvation (other processes on the machine).",
  'expire-cycle': '- Active expiry took long: many keys with a TTL expiring together. Spread their TTLs.',
};

/**
 * LATENCY DOCTOR as Redis 7.0 frames it: per event, its spikes, average and mean deviation (ms),
 * their period (seconds between the first and now over the count) and its worst ever; then advice.
 */
export function latencyDoctor(all: readonly LatencySeries[], threshold: number, nowSeconds: number): string {
  if (threshold === 0) return DISABLED;
  if (all.length === 0) return NOTHING;
  let text = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  all.forEach((series, i) => {
    const values = series.samples.map((s) => s.ms);
    const n = Math.max(1, values.length);
    const avg = values.reduce((a, b) => a + b, 0) / n;
    const mad = values.reduce((a, b) => a + Math.abs(b - avg), 0) / n;
    const period = values.length === 0 ? 0 : (nowSeconds - series.samples[0].time) / n;
    text += `${i + 1}. ${series.event}: ${values.length} latency spikes (average ${Math.floor(avg)}ms, mean deviation ${Math.floor(mad)}ms, period ${period.toFixed(2)} sec). Worst all time event ${series.max}ms.\n`;
  });
  text += '\nI have a few advices for you:\n\n';
  for (const series of all) if (ADVICE[series.event] !== undefined) text += `${ADVICE[series.event]}\n`;
  return text;
}
