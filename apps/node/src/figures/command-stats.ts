import type { CommandSpec } from '../types';
import { LatencyHistograms } from './latency-histogram';

/**
 * Figures about the commands a worker's clients send, cheap enough to keep for every command:
 * typed arrays indexed by `statIndex(opcode, resp)`, so the hot path does no Map lookup and
 * builds no string. Names are made only when the figures are reported (STATS, INFO, /stats,
 * /metrics), and only ever from the command table: a client's bytes never become a label.
 * The table registers itself here (registerCommandTable) when it loads: it cannot be imported,
 * as its INFO handler imports this file.
 */

/** Stands for a text line or RESP name that matches no command (opcodes start at 1). */
export const UNKNOWN_OPCODE = 0;
/** No command is being timed. */
export const NO_STAT = -1;

export type Protocol = 'text' | 'resp';

/** Where a command's figures live: two slots per opcode, text then RESP. */
export function statIndex(opcode: number, resp: boolean): number {
  return opcode * 2 + (resp ? 1 : 0);
}

/** Opcodes are one byte in frames. */
const SLOTS = 256 * 2;

let commands: readonly CommandSpec[] = [];
const names: string[] = ['unknown'];
let clientOpcodes: readonly number[] | null = null;

/** Called once by the command table (commands/table.ts) as it loads. */
export function registerCommandTable(table: readonly CommandSpec[]): void {
  commands = table;
  for (const spec of table) names[spec.opcode] = spec.name.toLowerCase();
  clientOpcodes = null;
}

/** The commands a client can send (internal transaction steps never come from one), in table order. */
export function clientOpcodesInOrder(): readonly number[] {
  return (clientOpcodes ??= [UNKNOWN_OPCODE, ...commands.filter((spec) => spec.plan !== 'internal').map((spec) => spec.opcode)]);
}

/** The lower-case name, as Redis reports it; opcode 0 is `unknown`. */
export function commandName(opcode: number): string {
  const name = names[opcode];
  if (name === undefined) throw new Error(`no command with opcode ${opcode}`);
  return name;
}

/** Upper bounds (seconds) of the command latency buckets: 1, 2.5, 5 per decade from 1 us to 10 s. */
export const DURATION_BUCKETS: readonly number[] = [-6, -5, -4, -3, -2, -1, 0].flatMap((e) => [1, 2.5, 5].map((m) => Number(`${m}e${e}`))).concat(10);
/** Upper bounds of the commands-per-request-frame buckets: powers of two up to 1024. */
export const FRAME_BUCKETS: readonly number[] = Array.from({ length: 11 }, (_, i) => 2 ** i);

/** A histogram as reported: cumulative counts by upper bound (`+Inf` last), as Prometheus has it. */
export interface HistogramSnapshot {
  buckets: { le: string; count: number }[];
  sum: number;
  count: number;
}

/** A Prometheus histogram kept in place: a count per bucket, found by a short scan from the smallest. */
export class Histogram {
  /** Observations per bucket (not cumulative); the last is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  snapshot(): HistogramSnapshot {
    const buckets: HistogramSnapshot['buckets'] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += this.counts[i];
      buckets.push({ le: i < this.bounds.length ? String(this.bounds[i]) : '+Inf', count: cumulative });
    }
    return { buckets, sum: this.sum, count: this.count };
  }
}

/** One command's figures over one protocol. */
export interface CommandRow {
  command: string;
  protocol: Protocol;
  calls: number;
  /** Summed time from the router starting each call to its reply being ready. */
  seconds: number;
}

/** Calls and time per command and protocol, and the latency histogram of all of them. */
export class CommandStats {
  /** Calls counted as each command starts. */
  readonly calls = new Float64Array(SLOTS);
  readonly seconds = new Float64Array(SLOTS);
  /** Calls answered with an error as they ran (Redis's failed_calls), and commands refused before (rejected_calls: not calls). */
  readonly failed = new Float64Array(SLOTS);
  readonly rejected = new Float64Array(SLOTS);
  readonly duration = new Histogram(DURATION_BUCKETS);
  /** By command (both protocols): INFO latencystats; off with latency-tracking no. */
  readonly latency = new LatencyHistograms();

  /** A call's reply is ready, `ms` milliseconds (performance.now units) after it started; `failed`: it is an error. */
  done(stat: number, ms: number, failed = false): void {
    if (failed) this.failed[stat]++;
    const seconds = ms * 0.001;
    this.seconds[stat] += seconds;
    this.duration.observe(seconds);
    // Redis does not time a name no command matches (opcode 0).
    if (this.latency.tracking && stat > 1) this.latency.record(stat >> 1, ms);
  }

  /** The command was refused before it ran (arity, NOAUTH, OOM ...): counted as rejected, not as a call (begun as one). */
  reject(stat: number): void {
    this.calls[stat]--;
    this.rejected[stat]++;
  }

  /** CONFIG RESETSTAT: no calls yet. */
  reset(): void {
    this.calls.fill(0);
    this.seconds.fill(0);
    this.failed.fill(0);
    this.rejected.fill(0);
    this.duration.reset();
    this.latency.reset();
  }

  /** Every command and protocol with a call, in command table order. */
  rows(): CommandRow[] {
    const rows: CommandRow[] = [];
    for (const opcode of clientOpcodesInOrder()) {
      for (const resp of [false, true]) {
        const stat = statIndex(opcode, resp);
        if (this.calls[stat] > 0) rows.push({ command: commandName(opcode), protocol: resp ? 'resp' : 'text', calls: this.calls[stat], seconds: this.seconds[stat] });
      }
    }
    return rows;
  }
}
