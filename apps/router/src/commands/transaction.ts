import type { Args } from '@kv/wire';
import { runPlan } from '../coord/plan';
import { Watch } from '../coord/watch';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * Redis's transactions group: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The queue and the watched
 * keys are the connection's (client/multi.ts); EXEC runs as coord/exec.ts, across workers.
 */
export const TRANSACTION_COMMANDS: ConnectionHandlers = new Map([
  ['MULTI', multi],
  ['EXEC', (conn) => conn.runBlocking(conn.tx.exec(() => conn.target()))],
  ['DISCARD', (conn) => (conn.tx.discard() ? conn.ok() : conn.error('ERR DISCARD without MULTI'))],
  ['WATCH', watch],
  ['UNWATCH', unwatch],
]);

function multi(conn: ConnectionContext): void {
  const refused = conn.tx.begin();
  return refused === null ? conn.ok() : conn.error(refused);
}

function watch(conn: ConnectionContext, args: Args): void {
  if (conn.tx.active) return conn.error('ERR WATCH inside MULTI is not allowed');
  const keys: string[] = [];
  for (let i = 1; i < args.count; i++) keys.push(args.latin1(i));
  conn.runBlocking(runPlan(new Watch(conn, keys, conn.tx.watched), () => conn.target()));
}

function unwatch(conn: ConnectionContext): void {
  conn.tx.watched.clear();
  conn.ok();
}
