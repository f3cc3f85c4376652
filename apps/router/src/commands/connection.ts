import { integerArg, REDIS_VERSION } from '@kv/node';
import { RESP3_REPLIES, RESP_REPLIES, type Args } from '@kv/wire';
import { BAD_CLIENT_NAME, client, setClientName, validClientAttr } from './client';
import { mapHeader, type ConnectionContext, type ConnectionHandlers } from './context';

/**
 * Redis's connection group, answered by the router: PING, ECHO, QUIT, SELECT, HELLO, AUTH,
 * CLIENT (./client.ts). A new one is a table entry (apps/node/src/commands/table.ts, plan
 * `connection`) and a handler here.
 */

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NO_PASSWORD = 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';

export const CONNECTION_COMMANDS: ConnectionHandlers = new Map([
  ['PING', ping],
  ['ECHO', (conn, args) => conn.bulk(args.latin1(1))],
  ['QUIT', quit],
  ['SELECT', select],
  ['HELLO', hello],
  ['AUTH', auth],
  ['CLIENT', client],
]);

function ping(conn: ConnectionContext, args: Args): void {
  if (args.count > 2) return conn.error("ERR wrong number of arguments for 'ping' command");
  return args.count === 2 ? conn.bulk(args.latin1(1)) : conn.status('PONG');
}

function quit(conn: ConnectionContext): void {
  conn.ok();
  conn.quit();
}

function select(conn: ConnectionContext, args: Args): void {
  const index = args.latin1(1);
  if (!/^-?\d+$/.test(index)) return conn.error('ERR value is not an integer or out of range');
  return index === '0' || index === '-0' ? conn.ok() : conn.error('ERR DB index is out of range');
}

function auth(conn: ConnectionContext, args: Args): void {
  if (args.count > 3) return conn.error('ERR syntax error');
  if (args.count === 2) {
    // As Redis: the one-argument form is an error while the default user needs no password.
    if (!conn.passwordRequired) return conn.error(NO_PASSWORD);
    return conn.authenticate(args.latin1(1)) ? conn.ok() : conn.error(WRONGPASS);
  }
  return authenticateAs(conn, args.latin1(1), args.latin1(2)) ? conn.ok() : conn.error(WRONGPASS);
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
    if (given === undefined) return conn.error('ERR Protocol version is not an integer or out of range');
    if (given !== 2 && given !== 3) return conn.error('NOPROTO unsupported protocol version');
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
      if (!validClientAttr(name)) return conn.error(BAD_CLIENT_NAME);
    } else {
      return conn.error(`ERR Syntax error in HELLO option '${args.latin1(i)}'`);
    }
  }
  if (user !== undefined && !authenticateAs(conn, user, password)) return conn.error(WRONGPASS);
  if (!conn.isAuthenticated) return conn.error(HELLO_NOAUTH);
  if (name !== undefined) setClientName(conn, name);
  if (version !== 0) {
    conn.resp = version === 3 ? RESP3_REPLIES : RESP_REPLIES;
    conn.replies = conn.resp;
  }
  mapHeader(conn, 7);
  conn.bulk('server');
  conn.bulk('redis');
  conn.bulk('version');
  conn.bulk(REDIS_VERSION);
  conn.bulk('proto');
  conn.integer(conn.resp === RESP3_REPLIES ? 3 : 2);
  conn.bulk('id');
  conn.integer(conn.id);
  conn.bulk('mode');
  conn.bulk('standalone');
  conn.bulk('role');
  conn.bulk('master');
  conn.bulk('modules');
  conn.arrayHeader(0);
}
