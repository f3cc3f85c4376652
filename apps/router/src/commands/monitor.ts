import { AskPlan } from '../operator/ask-plan';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * MONITOR, as Redis 7.0: +OK once every worker feeds this client the commands it runs (the
 * primary's list of workers with monitors, monitor/feed.ts), then a status line per command of
 * any client, in either protocol; RESET, QUIT or closing ends it. Asked again: no reply; run by
 * EXEC: refused, as Redis.
 */
export const MONITOR_COMMANDS: ConnectionHandlers = new Map([['MONITOR', monitor]]);

function monitor(conn: ConnectionContext): void {
  const feed = conn.monitor;
  const client = conn.subs.client;
  if (feed.has(client)) return;
  if (conn.info.inExec) return conn.reply.error(REPLY_ERRORS.monitorInExec);
  conn.plans.start(new AskPlan(conn.plans, () => feed.add(client), () => conn.env.owners.flushReplies()));
}
