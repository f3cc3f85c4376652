import { commandNamed, integerArg } from '@kv/node';
import { argsOf, shardOf, type Args } from '@kv/wire';
import { Gather, WorkerSteps } from '../coord/gather';
import { MemoryReport } from '../operator/memory-report';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';

/**
 * MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, as Redis 7.0's. USAGE runs on the
 * key's owner (the internal MEMORYUSAGE: the bytes the key is charged, exactly, so SAMPLES changes
 * nothing); STATS and DOCTOR read every worker's INFO memory and keyspace (operator/memory-report.ts).
 */

const MEMORYUSAGE = commandNamed('MEMORYUSAGE');
const INFO = commandNamed('INFO');

type Sub = (conn: ConnectionContext, args: Args) => void;
const SUBCOMMANDS: Readonly<Record<string, { arity: number; run: Sub }>> = {
  USAGE: { arity: -3, run: usage },
  STATS: { arity: 2, run: (conn) => report(conn, 'stats') },
  DOCTOR: { arity: 2, run: (conn) => report(conn, 'doctor') },
  // The store's arena is not malloc's: Redis's answer for an allocator without statistics.
  'MALLOC-STATS': { arity: 2, run: (conn) => conn.reply.bulk('Stats not supported for the current allocator') },
  // Nothing to purge: the arena keeps its chunks for the keys to come (Redis's OK for an allocator that cannot).
  PURGE: { arity: 2, run: (conn) => conn.reply.ok() },
  HELP: { arity: 2, run: help },
};
const ARITY = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, sub]) => [name, sub.arity]));

export function memory(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'MEMORY', ARITY);
  if (sub !== undefined) SUBCOMMANDS[sub].run(conn, args);
}

/** MEMORY USAGE key [SAMPLES count]: the key's charged bytes, nil for no key; Redis's checks of SAMPLES. */
function usage(conn: ConnectionContext, args: Args): void {
  for (let i = 3; i < args.count; i += 2) {
    if (args.latin1(i).toUpperCase() !== 'SAMPLES' || i + 1 >= args.count) return conn.reply.error(REPLY_ERRORS.syntax);
    const samples = integerArg(args, i + 1);
    if (samples === undefined) return conn.reply.error(REPLY_ERRORS.notInteger);
    if (samples < 0) return conn.reply.error(REPLY_ERRORS.syntax);
  }
  const owners = conn.env.owners;
  const shard = shardOf(args.buf, args.starts[2], args.ends[2]);
  owners.run(owners.map[shard], shard, MEMORYUSAGE, argsOf([MEMORYUSAGE.name, args.latin1(2)]), conn.reply, conn.plans, 0);
}

function report(conn: ConnectionContext, which: 'stats' | 'doctor'): void {
  const workers = conn.env.workers;
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(INFO, argsOf([INFO.name, 'memory', 'keyspace']), workers), new MemoryReport(workers, which)));
}

/** Redis 7.0's MEMORY HELP, line for line. */
const HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(HELP.length);
  for (const line of HELP) conn.reply.status(line);
}
