import { commandNamed } from '@kv/node';
import { argsOf, shardOf, type Args } from '@kv/wire';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';

/**
 * OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP, as Redis 7.0's: each keyed subcommand runs
 * on the key's owner (the internal OBJECTSTEP, apps/node/src/commands/key-info.ts), which reads
 * the key without touching it.
 */

const OBJECTSTEP = commandNamed('OBJECTSTEP');
const ARITY: Readonly<Record<string, number>> = { ENCODING: 3, FREQ: 3, IDLETIME: 3, REFCOUNT: 3, HELP: 2 };

export function object(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'OBJECT', ARITY);
  if (sub === undefined) return;
  if (sub === 'HELP') return help(conn);
  const owners = conn.env.owners;
  const shard = shardOf(args.buf, args.starts[2], args.ends[2]);
  owners.run(owners.map[shard], shard, OBJECTSTEP, argsOf([OBJECTSTEP.name, args.latin1(2), sub]), conn.reply, conn.plans, 0);
}

/** Redis 7.0's OBJECT HELP, line for line. */
const HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(HELP.length);
  for (const line of HELP) conn.reply.status(line);
}
