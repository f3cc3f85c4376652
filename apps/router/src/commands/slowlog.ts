import { commandNamed, integerArg } from '@kv/node';
import { argsOf, ReplyKind, type Args, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import type { SlowEntry } from '../operator/slowlog';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';

/**
 * SLOWLOG GET [count] / LEN / RESET / HELP, as Redis 7.0's, over every worker's slow log
 * (operator/slowlog.ts; the internal SLOWLOGSTEP on each): GET merges them newest first.
 */

const SLOWLOGSTEP = commandNamed('SLOWLOGSTEP');
/** Redis's default count for SLOWLOG GET. */
const DEFAULT_COUNT = 10;

type Sub = (conn: ConnectionContext, args: Args) => void;
const SUBCOMMANDS: Readonly<Record<string, { arity: number; run: Sub }>> = {
  GET: { arity: -2, run: get },
  LEN: { arity: 2, run: (conn) => everyWorker(conn, ['len'], new Combined('sum', conn.env.workers)) },
  RESET: { arity: 2, run: (conn) => everyWorker(conn, ['reset'], new Combined('ok', conn.env.workers)) },
  HELP: { arity: 2, run: help },
};
const ARITY = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, sub]) => [name, sub.arity]));

export function slowlog(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'SLOWLOG', ARITY);
  if (sub !== undefined) SUBCOMMANDS[sub].run(conn, args);
}

function everyWorker(conn: ConnectionContext, step: string[], combined: Combined): void {
  const workers = conn.env.workers;
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(SLOWLOGSTEP, argsOf([SLOWLOGSTEP.name, ...step]), workers), combined));
}

/** SLOWLOG GET [count]: the newest `count` entries of all the workers (-1: all). */
function get(conn: ConnectionContext, args: Args): void {
  if (args.count > 3) return conn.reply.error(REPLY_ERRORS.subcommandSyntax(args.latin1(1), 'SLOWLOG'));
  let count = DEFAULT_COUNT;
  if (args.count === 3) {
    const given = integerArg(args, 2);
    if (given === undefined || given < -1) return conn.reply.error(REPLY_ERRORS.slowlogCount);
    count = given;
  }
  everyWorker(conn, ['get', String(count)], new NewestEntries(conn.env.workers, count));
}

/** The workers' entries (each its newest `count`, as JSON) merged newest first, `count` of them, as Redis's entries. */
class NewestEntries extends Combined {
  private readonly parts: string[] = [];

  constructor(
    workers: number,
    private readonly count: number,
  ) {
    super('lines', workers);
  }

  override add(index: number, kind: ReplyKind, payload: string, items?: Items): void {
    super.add(index, kind, payload, items);
    if (kind !== ReplyKind.ERROR) this.parts[index] = payload;
  }

  override encode(out: OutBuffer, replies: ReplyEncoder): void {
    if (this.error !== '') return replies.error(out, this.error);
    const all = this.parts.flatMap((part) => JSON.parse(part) as SlowEntry[]).sort((a, b) => b[6] - a[6]);
    const shown = this.count < 0 ? all : all.slice(0, this.count);
    replies.arrayHeader(out, shown.length);
    for (const [id, time, micros, argv, addr, name] of shown) {
      replies.arrayHeader(out, 6);
      replies.integer(out, id);
      replies.integer(out, time);
      replies.integer(out, micros);
      replies.arrayHeader(out, argv.length);
      for (const arg of argv) replies.bulk(out, arg);
      replies.bulk(out, addr);
      replies.bulk(out, name);
    }
  }
}

/** Redis 7.0's SLOWLOG HELP, line for line. */
const HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(HELP.length);
  for (const line of HELP) conn.reply.status(line);
}
