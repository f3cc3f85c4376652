import { commandNamed } from '@kv/node';
import { argsOf, ReplyKind, type Args, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import type { LatencySeries } from '../operator/latency';
import { latencyDoctor } from '../operator/latency-doctor';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';

/**
 * LATENCY LATEST / HISTORY / RESET / DOCTOR / HELP, as Redis 7.0's, over every worker's latency
 * monitor (operator/latency.ts; the internal LATENCYSTEP on each): an event's samples merged by
 * the second (the worst of the workers'), its worst ever the worst of theirs.
 */

const LATENCYSTEP = commandNamed('LATENCYSTEP');

type Sub = (conn: ConnectionContext, args: Args) => void;
const SUBCOMMANDS: Readonly<Record<string, { arity: number; run: Sub }>> = {
  LATEST: { arity: 2, run: (conn) => gather(conn, ['all'], 'latest') },
  HISTORY: { arity: 3, run: (conn, args) => gather(conn, ['all'], 'history', args.latin1(2).toLowerCase()) },
  RESET: { arity: -2, run: reset },
  DOCTOR: { arity: 2, run: (conn) => gather(conn, ['all'], 'doctor', '', conn.operator.settings['latency-monitor-threshold']) },
  HELP: { arity: 2, run: help },
};
const ARITY = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, sub]) => [name, sub.arity]));

export function latency(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'LATENCY', ARITY);
  if (sub !== undefined) SUBCOMMANDS[sub].run(conn, args);
}

function reset(conn: ConnectionContext, args: Args): void {
  const names: string[] = [];
  for (let i = 2; i < args.count; i++) names.push(args.latin1(i));
  gather(conn, ['reset', ...names], 'reset');
}

type Report = 'latest' | 'history' | 'reset' | 'doctor';

function gather(conn: ConnectionContext, step: string[], report: Report, event = '', threshold = 0): void {
  const workers = conn.env.workers;
  const plans = conn.plans;
  const steps = new WorkerSteps(LATENCYSTEP, argsOf([LATENCYSTEP.name, ...step]), workers);
  plans.start(new Gather(conn.env.owners, plans, plans.txid, steps, new LatencyReport(workers, report, event, threshold)));
}

/** Every worker's series of every event, merged: the second's worst sample, the worst ever. */
export function mergeSeries(parts: readonly LatencySeries[][]): LatencySeries[] {
  const merged = new Map<string, { bySecond: Map<number, number>; max: number }>();
  for (const part of parts) {
    for (const series of part) {
      let m = merged.get(series.event);
      if (m === undefined) merged.set(series.event, (m = { bySecond: new Map(), max: 0 }));
      m.max = Math.max(m.max, series.max);
      for (const { time, ms } of series.samples) m.bySecond.set(time, Math.max(ms, m.bySecond.get(time) ?? 0));
    }
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : 1)).map(([event, m]) => ({ event, max: m.max, samples: [...m.bySecond].sort(([a], [b]) => a - b).map(([time, ms]) => ({ time, ms })) }));
}

/** The workers' LATENCYSTEP answers (JSON) made LATENCY's reply. */
class LatencyReport extends Combined {
  private readonly parts: string[] = [];

  constructor(
    workers: number,
    private readonly report: Report,
    private readonly event: string,
    private readonly threshold: number,
  ) {
    super('lines', workers);
  }

  override add(index: number, kind: ReplyKind, payload: string, items?: Items): void {
    super.add(index, kind, payload, items);
    if (kind !== ReplyKind.ERROR) this.parts[index] = payload;
  }

  override encode(out: OutBuffer, replies: ReplyEncoder): void {
    if (this.error !== '') return replies.error(out, this.error);
    if (this.report === 'reset') {
      const names = new Set(this.parts.flatMap((p) => JSON.parse(p) as string[]));
      return replies.integer(out, names.size);
    }
    const all = mergeSeries(this.parts.map((p) => JSON.parse(p) as LatencySeries[]));
    if (this.report === 'doctor') return replies.verbatim(out, latencyDoctor(all, this.threshold, Date.now() / 1000));
    if (this.report === 'history') {
      const samples = all.find((s) => s.event === this.event)?.samples ?? [];
      replies.arrayHeader(out, samples.length);
      for (const { time, ms } of samples) {
        replies.arrayHeader(out, 2);
        replies.integer(out, time);
        replies.integer(out, ms);
      }
      return;
    }
    replies.arrayHeader(out, all.length);
    for (const series of all) {
      const last = series.samples[series.samples.length - 1];
      replies.arrayHeader(out, 4);
      replies.bulk(out, series.event);
      replies.integer(out, last?.time ?? 0);
      replies.integer(out, last?.ms ?? 0);
      replies.integer(out, series.max);
    }
  }
}

/** Redis 7.0's LATENCY HELP, less GRAPH and HISTOGRAM, which this server does not have. */
const HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HELP',
  '    Prints this help.',
];

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(HELP.length);
  for (const line of HELP) conn.reply.status(line);
}
