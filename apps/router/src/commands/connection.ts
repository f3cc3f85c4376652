import { REDIS_VERSION } from '@kv/node';
import type { Args } from '@kv/wire';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * Redis's connection group, answered by the router: PING, ECHO, QUIT, SELECT, HELLO, AUTH,
 * CLIENT. A new one is a table entry (apps/node/src/commands/table.ts, plan `connection`) and a
 * handler here.
 */

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NO_PASSWORD = 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const BAD_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

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
  if (!conn.passwordRequired) return conn.error(NO_PASSWORD);
  // AUTH password, or AUTH default password (the only user there is).
  if (args.count === 3 && args.latin1(1) !== 'default') return conn.error(WRONGPASS);
  return conn.authenticate(args.latin1(args.count - 1)) ? conn.ok() : conn.error(WRONGPASS);
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. */
function hello(conn: ConnectionContext, args: Args): void {
  if (args.count >= 2) {
    const version = args.latin1(1);
    if (!/^\d+$/.test(version)) return conn.error('ERR Protocol version is not an integer or out of range');
    if (version !== '2') return conn.error('NOPROTO unsupported protocol version');
  }
  for (let i = 2; i < args.count; i++) {
    const option = args.latin1(i).toUpperCase();
    if (option === 'SETNAME' && i + 1 < args.count) {
      if (!setClientName(conn, args.latin1(++i))) return conn.error(BAD_CLIENT_NAME);
    } else if (option === 'AUTH' && i + 2 < args.count) {
      if (!conn.passwordRequired) return conn.error(NO_PASSWORD);
      const user = args.latin1(++i);
      const password = args.latin1(++i);
      if (user !== 'default' || !conn.authenticate(password)) return conn.error(WRONGPASS);
    } else {
      return conn.error(`ERR Syntax error in HELLO option '${args.latin1(i)}'`);
    }
  }
  if (!conn.isAuthenticated) {
    return conn.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  const fields: [string, string | number][] = [
    ['server', 'redis'],
    ['version', REDIS_VERSION],
    ['proto', 2],
    ['id', conn.id],
    ['mode', 'standalone'],
    ['role', 'master'],
  ];
  conn.arrayHeader(fields.length * 2 + 2);
  for (const [key, value] of fields) {
    conn.bulk(key);
    if (typeof value === 'number') conn.integer(value);
    else conn.bulk(value);
  }
  conn.bulk('modules');
  conn.arrayHeader(0);
}

/**
 * Redis's one rule for HELLO SETNAME and CLIENT SETNAME: every byte in '!'..'~'; the empty name is
 * allowed and clears the name. False (the name unchanged) when refused.
 */
export function setClientName(conn: ConnectionContext, name: string): boolean {
  if (/[^\x21-\x7e]/.test(name)) return false;
  conn.name = name;
  return true;
}

/** CLIENT SETNAME / GETNAME / ID */
function client(conn: ConnectionContext, args: Args): void {
  const sub = args.latin1(1).toUpperCase();
  if (sub === 'ID' && args.count === 2) return conn.integer(conn.id);
  if (sub === 'GETNAME' && args.count === 2) return conn.name === '' ? conn.nil() : conn.bulk(conn.name);
  if (sub === 'SETNAME' && args.count === 3) {
    return setClientName(conn, args.latin1(2)) ? conn.ok() : conn.error(BAD_CLIENT_NAME);
  }
  conn.error(`ERR unknown subcommand or wrong number of arguments for '${args.latin1(1)}'. Try CLIENT HELP.`);
}
