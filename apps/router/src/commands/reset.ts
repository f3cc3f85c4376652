import { RESP_REPLIES } from '@kv/wire';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * RESET, as Redis 6.2+: the connection as if just opened (its MULTI and WATCHes dropped, its
 * subscriptions ended with no message, MONITOR ended, tracking off, replies on, RESP2 again, no name, and it must AUTH again if a password
 * is set), answered +RESET.
 */
export const RESET_COMMANDS: ConnectionHandlers = new Map([['RESET', reset]]);

function reset(conn: ConnectionContext): void {
  conn.tx.discard();
  conn.tx.unwatch();
  conn.pubsub.forget(conn.subs);
  conn.monitor.remove(conn.subs.client);
  // Tracking off, as Redis's clearClientConnectionState.
  if (conn.tracking !== null) conn.trackers.stop(conn.id, conn.tracking);
  conn.tracking = null;
  conn.resp = RESP_REPLIES;
  // CLIENT REPLY ON again, and RESET's own reply is sent.
  conn.replyOff = conn.skipNext = false;
  conn.reply.replies = RESP_REPLIES;
  conn.name = '';
  conn.deauthenticate();
  conn.reply.status('RESET');
}
