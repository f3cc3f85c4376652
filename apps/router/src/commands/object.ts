import { commandNamed } from '@kv/node';
import { argsOf, shardOf, type Args } from '@kv/wire';
import type { ConnectionContext } from './context';
import { OBJECT_ARITY, OBJECT_HELP } from './object-text';
import { subcommand } from './subcommand';

/**
 * OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP, as Redis 7.0's: each keyed subcommand runs
 * on the key's owner (the internal OBJECTSTEP, apps/node/src/commands/key-info.ts), which reads
 * the key without touching it.
 */

const OBJECTSTEP = commandNamed('OBJECTSTEP');

export function object(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'OBJECT', OBJECT_ARITY);
  if (sub === undefined) return;
  if (sub === 'HELP') return help(conn);
  const owners = conn.env.owners;
  const shard = shardOf(args.buf, args.starts[2], args.ends[2]);
  owners.run(owners.map[shard], shard, OBJECTSTEP, argsOf([OBJECTSTEP.name, args.latin1(2), sub]), conn.reply, conn.plans, 0);
}

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) conn.reply.status(line);
}
