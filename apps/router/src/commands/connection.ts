import { integerArg, REDIS_VERSION } from '@kv/node';
import { RESP3_REPLIES, RESP_REPLIES, type Args } from '@kv/wire';
import { REPLY_ERRORS } from '../reply-errors';
import { BAD_CLIENT_NAME, client, setClientName, validClientAttr } from './client';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * Redis's connection group, answered by the router: PING, ECHO, QUIT, SELECT, HELLO, AUTH,
 * CLIENT (./client.ts). A new one is a table entry (apps/node/src/commands/table.ts, plan
 * `connection`) and a handler here.
 */


export const CONNECTION_COMMANDS: ConnectionHandlers = new Map([
  ['PING', ping],
  ['ECHO', (conn, args) => conn.reply.bulk(args.latin1(1))],
  ['QUIT', quit],
  ['SELECT', select],
  ['HELLO', hello],
  ['AUTH', auth],
  ['CLIENT', client],
]);

function ping(conn: ConnectionContext, args: Args): void {
  if (args.count > 2) return conn.reply.error(REPLY_ERRORS.arity('ping'));
  return args.count === 2 ? conn.reply.bulk(args.latin1(1)) : conn.reply.status('PONG');
}

function quit(conn: ConnectionContext): void {
  conn.reply.ok();
  conn.quit();
}

function select(conn: ConnectionContext, args: Args): void {
  const index = args.latin1(1);
  if (!/^-?\d+$/.test(index)) return conn.reply.error(REPLY_ERRORS.notInteger);
  return index === '0' || index === '-0' ? conn.reply.ok() : conn.reply.error(REPLY_ERRORS.dbIndexOutOfRange);
}

function auth(conn: ConnectionContext, args: Args): void {
  if (args.count > 3) return conn.reply.error(REPLY_ERRORS.syntax);
  if (args.count === 2) {
    // As Redis: the one-argument form is an error while the default user needs no password.
    if (!conn.passwordRequired) return conn.reply.error(REPLY_ERRORS.noPassword);
    return conn.authenticate(args.latin1(1)) ? conn.reply.ok() : conn.reply.error(REPLY_ERRORS.wrongPass);
  }
  return authenticateAs(conn, args.latin1(1), args.latin1(2)) ? conn.reply.ok() : conn.reply.error(REPLY_ERRORS.wrongPass);
}

/**
 * AUTH user password, as Redis's ACL with its one user, `default`: with no password set it takes
 * any password (Redis's `nopass`); else it must be the one.
 */
function authenticateAs(conn: ConnectionContext, user: string, password: string): boolean {
  if (user !== 'default') return false;
  return !conn.passwordRequired || conn.authenticate(password);
}

/**
 * HELLO [protover [AUTH user pass] [SETNAME name]], as Redis 7: protover 2 or 3 switches this
 * connection's RESP version (this reply is already in it); the reply is a map of the server's
 * facts (a flat array in RESP2). The name is set only once the client is authenticated.
 */
function hello(conn: ConnectionContext, args: Args): void {
  let version = 0;
  if (args.count >= 2) {
    const given = integerArg(args, 1);
    if (given === undefined) return conn.reply.error(REPLY_ERRORS.protoNotInteger);
    if (given !== 2 && given !== 3) return conn.reply.error(REPLY_ERRORS.noProto);
    version = given;
  }
  let user: string | undefined;
  let password = '';
  let name: string | undefined;
  for (let i = 2; i < args.count; i++) {
    const more = args.count - 1 - i;
    const option = args.latin1(i).toUpperCase();
    if (option === 'AUTH' && more >= 2) {
      user = args.latin1(++i);
      password = args.latin1(++i);
    } else if (option === 'SETNAME' && more >= 1) {
      name = args.latin1(++i);
      if (!validClientAttr(name)) return conn.reply.error(BAD_CLIENT_NAME);
    } else {
      return conn.reply.error(REPLY_ERRORS.helloOption(args.latin1(i)));
    }
  }
  if (user !== undefined && !authenticateAs(conn, user, password)) return conn.reply.error(REPLY_ERRORS.wrongPass);
  if (!conn.isAuthenticated) return conn.reply.error(REPLY_ERRORS.helloNoauth);
  if (name !== undefined) setClientName(conn, name);
  if (version !== 0) {
    conn.resp = version === 3 ? RESP3_REPLIES : RESP_REPLIES;
    // This reply is already in it.
    conn.reply.replies = conn.resp;
  }
  conn.reply.mapHeader(7);
  conn.reply.bulk('server');
  conn.reply.bulk('redis');
  conn.reply.bulk('version');
  conn.reply.bulk(REDIS_VERSION);
  conn.reply.bulk('proto');
  conn.reply.integer(conn.resp === RESP3_REPLIES ? 3 : 2);
  conn.reply.bulk('id');
  conn.reply.integer(conn.id);
  conn.reply.bulk('mode');
  conn.reply.bulk('standalone');
  conn.reply.bulk('role');
  conn.reply.bulk('master');
  conn.reply.bulk('modules');
  conn.reply.arrayHeader(0);
}
