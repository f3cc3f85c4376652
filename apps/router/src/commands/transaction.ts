import type { Args } from '@kv/wire';
import { Watch } from '../coord/watch';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * Redis's transactions group: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The queue and the watched
 * keys are the connection's (client/multi.ts); EXEC runs as coord/exec.ts, across workers.
 */
export const TRANSACTION_COMMANDS: ConnectionHandlers = new Map([
  ['MULTI', multi],
  ['EXEC', (conn) => conn.plans.start(conn.tx.exec())],
  ['DISCARD', (conn) => (conn.tx.discard() ? conn.reply.ok() : conn.reply.error(REPLY_ERRORS.discardWithoutMulti))],
  ['WATCH', watch],
  ['UNWATCH', unwatch],
]);

function multi(conn: ConnectionContext): void {
  const refused = conn.tx.begin();
  return refused === null ? conn.reply.ok() : conn.reply.error(refused);
}

function watch(conn: ConnectionContext, args: Args): void {
  if (conn.tx.active) return conn.reply.error(REPLY_ERRORS.watchInMulti);
  const keys: string[] = [];
  for (let i = 1; i < args.count; i++) keys.push(args.latin1(i));
  conn.plans.start(new Watch(conn.env.owners, conn.plans, keys, conn.tx.watched));
}

function unwatch(conn: ConnectionContext): void {
  conn.tx.unwatch();
  conn.reply.ok();
}
