import type { Args } from '@kv/wire';
import { log } from '../log';
import { AskPlan } from '../operator/ask-plan';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0 reads it. The primary stops the
 * server as SIGTERM does (every worker answers what it read, closes its clients, exit 0); the
 * client that asked gets no reply, its connection closes, as Redis's. Nothing is on disk: NOSAVE
 * or none is the only way that can succeed but SAVE with FORCE (Redis's shutdown going on past a
 * failed save); SAVE alone fails as Redis's does when its save fails. NOW (no replicas to wait for)
 * and FORCE change nothing else. ABORT: a shutdown here cannot be taken back once begun (and the
 * client that could ask is closed by it), so it answers Redis's "No shutdown in progress."
 * With a password only an authenticated client gets here (the table's flags: not `no_auth`).
 */
export function shutdown(conn: ConnectionContext, args: Args): void {
  const given = new Set<string>();
  for (let i = 1; i < args.count; i++) {
    const option = args.latin1(i).toUpperCase();
    if (!['NOSAVE', 'SAVE', 'NOW', 'FORCE', 'ABORT'].includes(option)) return conn.reply.error(REPLY_ERRORS.syntax);
    given.add(option);
  }
  const abort = given.has('ABORT');
  if ((abort && given.size > 1) || (given.has('NOSAVE') && given.has('SAVE'))) return conn.reply.error(REPLY_ERRORS.syntax);
  if (abort) return conn.reply.error(REPLY_ERRORS.noShutdown);
  if (given.has('SAVE') && !given.has('FORCE')) {
    log('warn', 'SHUTDOWN SAVE refused: this server keeps nothing on disk (SHUTDOWN, NOSAVE or SAVE FORCE stop it)', { client: conn.id });
    return conn.reply.error(REPLY_ERRORS.shutdownFailed);
  }
  const { operator } = conn;
  conn.plans.start(new AskPlan(conn.plans, () => operator.ask({ op: 'shutdown' }), () => conn.env.owners.flushReplies(), () => conn.quit()));
}
