import { commandNamed, integerArg, type ClientFilter } from '@kv/node';
import { argsOf, type Args, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';

/**
 * CLIENT KILL and CLIENT UNBLOCK, as Redis 7.0's clientCommand: checked here, then sent to every
 * worker (the internal CLIENTKILL and CLIENTUNBLOCK: @kv/node's commands/clients.ts), each acting
 * on its own clients, the counts summed. Client ids are unique over the server (Router).
 */

const CLIENTKILL = commandNamed('CLIENTKILL');
const CLIENTUNBLOCK = commandNamed('CLIENTUNBLOCK');
/** Redis's getClientTypeByName. */
export const CLIENT_TYPES = new Set(['normal', 'slave', 'replica', 'pubsub', 'master']);

/** The old form's answer: OK when a client was killed, else an error. */
class KilledOrNot extends Combined {
  override encode(out: OutBuffer, replies: ReplyEncoder): void {
    if (this.error === '' && this.sum === 0) return replies.error(out, REPLY_ERRORS.noSuchClient);
    if (this.error === '') return replies.ok(out);
    super.encode(out, replies);
  }
}

/** CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] ... */
export function clientKill(conn: ConnectionContext, args: Args): void {
  const filter: ClientFilter = { asker: conn.id, skip: 0, id: 0, addr: '', laddr: '', type: '' };
  const oldForm = args.count === 3;
  if (oldForm) filter.addr = args.latin1(2);
  else if (args.count % 2 === 1) return conn.reply.error(REPLY_ERRORS.syntax);
  else {
    // The filter form skips the asking client unless SKIPME no.
    filter.skip = conn.id;
    for (let i = 2; i < args.count; i += 2) {
      const value = args.latin1(i + 1);
      switch (args.latin1(i).toLowerCase()) {
        case 'id': {
          const id = integerArg(args, i + 1);
          if (id === undefined || id < 1) return conn.reply.error(REPLY_ERRORS.clientIdNotPositive);
          filter.id = id;
          break;
        }
        case 'type':
          if (!CLIENT_TYPES.has(value.toLowerCase())) return conn.reply.error(REPLY_ERRORS.unknownClientType(value));
          filter.type = value.toLowerCase();
          break;
        case 'addr':
          filter.addr = value;
          break;
        case 'laddr':
          filter.laddr = value;
          break;
        case 'user':
          // The only user is `default`, every client's: it filters nothing out.
          if (value !== 'default') return conn.reply.error(REPLY_ERRORS.noSuchUser(value));
          break;
        case 'skipme': {
          const skip = value.toLowerCase();
          if (skip !== 'yes' && skip !== 'no') return conn.reply.error(REPLY_ERRORS.syntax);
          filter.skip = skip === 'yes' ? conn.id : 0;
          break;
        }
        default:
          return conn.reply.error(REPLY_ERRORS.syntax);
      }
    }
  }
  const { asker, skip, id, addr, laddr, type } = filter;
  const step = argsOf([CLIENTKILL.name, String(asker), String(skip), String(id), addr, laddr, type]);
  everyWorker(conn, CLIENTKILL, step, oldForm ? new KilledOrNot('sum', conn.env.workers) : new Combined('sum', conn.env.workers));
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when that client was blocked (a BLPOP ...), now answered as timed out or UNBLOCKED. */
export function clientUnblock(conn: ConnectionContext, args: Args): void {
  let reason = 'TIMEOUT';
  if (args.count === 4) {
    reason = args.latin1(3).toUpperCase();
    if (reason !== 'TIMEOUT' && reason !== 'ERROR') return conn.reply.error(REPLY_ERRORS.unblockReason);
  }
  const id = integerArg(args, 2);
  if (id === undefined) return conn.reply.error(REPLY_ERRORS.notInteger);
  everyWorker(conn, CLIENTUNBLOCK, argsOf([CLIENTUNBLOCK.name, String(id), reason]), new Combined('sum', conn.env.workers));
}

function everyWorker(conn: ConnectionContext, spec: typeof CLIENTKILL, step: Args, result: Combined): void {
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(spec, step, conn.env.workers), result));
}
