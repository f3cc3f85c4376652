import { compileGlob, REDIS_VERSION, RESP_COMMANDS, type CommandSpec } from '@kv/node';
import type { Args } from '@kv/wire';
import { commandDocs } from './command-docs';
import type { Conn } from './conn';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NO_PASSWORD = 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';

/** Commands about the connection or the server that need no shard: PING, HELLO, CLIENT ... */
export function runConnectionCommand(conn: Conn, spec: CommandSpec, args: Args): void {
  switch (spec.name) {
    case 'PING':
      if (args.count > 2) return conn.error("ERR wrong number of arguments for 'ping' command");
      return args.count === 2 ? conn.bulk(args.latin1(1)) : conn.status('PONG');
    case 'ECHO':
      return conn.bulk(args.latin1(1));
    case 'QUIT':
      conn.ok();
      return conn.quit();
    case 'SELECT': {
      const index = args.latin1(1);
      if (!/^-?\d+$/.test(index)) return conn.error('ERR value is not an integer or out of range');
      return index === '0' || index === '-0' ? conn.ok() : conn.error('ERR DB index is out of range');
    }
    case 'HELLO':
      return hello(conn, args);
    case 'AUTH':
      if (args.count > 3) return conn.error('ERR syntax error');
      if (!conn.passwordRequired) return conn.error(NO_PASSWORD);
      // AUTH password, or AUTH default password (the only user there is).
      if (args.count === 3 && args.latin1(1) !== 'default') return conn.error(WRONGPASS);
      return conn.authenticate(args.latin1(args.count - 1)) ? conn.ok() : conn.error(WRONGPASS);
    case 'CLIENT':
      return client(conn, args);
    case 'COMMAND':
      return command(conn, args);
    case 'CONFIG':
      return config(conn, args);
    case 'TIME': {
      // One clock: timeOrigin + now() is the wall time in ms with sub-ms precision, monotonic within the process.
      const micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
      conn.arrayHeader(2);
      conn.bulk(String(micros / 1_000_000n));
      return conn.bulk(String(micros % 1_000_000n));
    }
    default:
      return conn.error(`ERR unknown command '${spec.name.toLowerCase()}'`);
  }
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. */
function hello(conn: Conn, args: Args): void {
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

const BAD_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/**
 * Redis's one rule for HELLO SETNAME and CLIENT SETNAME: every byte in '!'..'~'; the empty name is
 * allowed and clears the name. False (the name unchanged) when refused.
 */
export function setClientName(conn: Conn, name: string): boolean {
  if (/[^\x21-\x7e]/.test(name)) return false;
  conn.name = name;
  return true;
}

/** CLIENT SETNAME / GETNAME / ID */
function client(conn: Conn, args: Args): void {
  const sub = args.latin1(1).toUpperCase();
  if (sub === 'ID' && args.count === 2) return conn.integer(conn.id);
  if (sub === 'GETNAME' && args.count === 2) return conn.name === '' ? conn.nil() : conn.bulk(conn.name);
  if (sub === 'SETNAME' && args.count === 3) {
    return setClientName(conn, args.latin1(2)) ? conn.ok() : conn.error(BAD_CLIENT_NAME);
  }
  conn.error(`ERR unknown subcommand or wrong number of arguments for '${args.latin1(1)}'. Try CLIENT HELP.`);
}

/** COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS [name...]. */
function command(conn: Conn, args: Args): void {
  if (args.count === 1) {
    conn.arrayHeader(RESP_COMMANDS.length);
    for (const spec of RESP_COMMANDS) commandInfo(conn, spec);
    return;
  }
  const sub = args.latin1(1).toUpperCase();
  if (sub === 'COUNT' && args.count === 2) return conn.integer(RESP_COMMANDS.length);
  if (sub === 'DOCS') return commandDocs(conn, args);
  if (sub === 'INFO') {
    conn.arrayHeader(args.count - 2);
    for (let i = 2; i < args.count; i++) {
      const name = args.latin1(i).toUpperCase();
      const spec = RESP_COMMANDS.find((c) => c.name === name);
      if (spec === undefined) conn.nil();
      else commandInfo(conn, spec);
    }
    return;
  }
  conn.error(`ERR unknown subcommand or wrong number of arguments for '${args.latin1(1)}'. Try COMMAND HELP.`);
}

/** Redis 7's first key, last key (-1: the last argument) and step for a command's route. */
export function keyPositions(spec: CommandSpec): [number, number, number] {
  switch (spec.route) {
    case 'key':
      return [1, 1, 1];
    case 'each-key':
      return [1, -1, 1];
    case 'txn':
      // MSET key value [key value ...]: every other argument from the first.
      return [1, -1, 2];
    default:
      return [0, 0, 0];
  }
}

/** One command's entry as Redis 7 lists it: name, arity, flags, first/last key, step, and empty extras. */
function commandInfo(conn: Conn, spec: CommandSpec): void {
  const [first, last, step] = keyPositions(spec);
  conn.arrayHeader(10);
  conn.bulk(spec.name.toLowerCase());
  conn.integer(spec.arity);
  conn.arrayHeader(spec.flags.length);
  for (const flag of spec.flags) conn.status(flag);
  conn.integer(first);
  conn.integer(last);
  conn.integer(step);
  for (let i = 0; i < 4; i++) conn.arrayHeader(0);
}

/** CONFIG GET pattern...: the parameters Redis tools ask about. */
function config(conn: Conn, args: Args): void {
  const sub = args.latin1(1).toUpperCase();
  if (sub !== 'GET' || args.count < 3) {
    return conn.error(`ERR unknown subcommand or wrong number of arguments for '${args.latin1(1)}'. Try CONFIG HELP.`);
  }
  const params = conn.configParams();
  const matched: [string, string][] = [];
  for (let i = 2; i < args.count; i++) {
    // Redis matches parameter names without regard to case.
    const glob = compileGlob(args.latin1(i), true);
    for (const [name, value] of params) if (glob.matches(name) && !matched.some(([n]) => n === name)) matched.push([name, value]);
  }
  conn.arrayHeader(matched.length * 2);
  for (const [name, value] of matched) {
    conn.bulk(name);
    conn.bulk(value);
  }
}
