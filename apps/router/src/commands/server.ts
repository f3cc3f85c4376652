import { compileGlob, RESP_COMMANDS, type CommandSpec } from '@kv/node';
import type { Args } from '@kv/wire';
import { commandDocs } from './docs';
import type { ConnectionContext, ConnectionHandlers } from './context';

/**
 * Redis's server group, answered by the router: COMMAND, CONFIG, TIME. A new one is a table
 * entry (apps/node/src/commands/table.ts, plan `connection`) and a handler here.
 */
export const SERVER_COMMANDS: ConnectionHandlers = new Map([
  ['COMMAND', command],
  ['CONFIG', config],
  ['TIME', time],
]);

function time(conn: ConnectionContext): void {
  // One clock: timeOrigin + now() is the wall time in ms with sub-ms precision, monotonic within the process.
  const micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  conn.arrayHeader(2);
  conn.bulk(String(micros / 1_000_000n));
  conn.bulk(String(micros % 1_000_000n));
}

/** COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS [name...]. */
function command(conn: ConnectionContext, args: Args): void {
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

/**
 * One command's entry as Redis 7 lists it, all from its table entry: name, arity, flags, first
 * key, last key, step, and empty extras (ACL categories, tips, key specs, subcommands).
 */
function commandInfo(conn: ConnectionContext, spec: CommandSpec): void {
  conn.arrayHeader(10);
  conn.bulk(spec.name.toLowerCase());
  conn.integer(spec.arity);
  conn.arrayHeader(spec.flags.length);
  for (const flag of spec.flags) conn.status(flag);
  conn.integer(spec.firstKey);
  conn.integer(spec.lastKey);
  conn.integer(spec.step);
  for (let i = 0; i < 4; i++) conn.arrayHeader(0);
}

/** CONFIG GET pattern...: the parameters Redis tools ask about. */
function config(conn: ConnectionContext, args: Args): void {
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
