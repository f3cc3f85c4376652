import { RESP_COMMANDS, type CommandSpec } from '@kv/node';
import { config } from './config';
import { latency } from './latency';
import { memory } from './memory';
import { object } from './object';
import { shutdown } from './shutdown';
import { slowlog } from './slowlog';
import type { Args } from '@kv/wire';
import { commandDocs } from './docs';
import type { ConnectionContext, ConnectionHandlers } from './context';
import { subcommand } from './subcommand';

/**
 * Redis's server group, answered by the router: COMMAND, CONFIG (config.ts), MEMORY (memory.ts), OBJECT (object.ts), SLOWLOG (slowlog.ts), SHUTDOWN (shutdown.ts), LATENCY (latency.ts), TIME. A new one is a table
 * entry (apps/node/src/commands/table.ts, plan `connection`) and a handler here.
 */
export const SERVER_COMMANDS: ConnectionHandlers = new Map([
  ['COMMAND', command],
  ['CONFIG', config],
  ['MEMORY', memory],
  ['OBJECT', object],
  ['SLOWLOG', slowlog],
  ['SHUTDOWN', shutdown],
  ['LATENCY', latency],
  ['TIME', time],
]);

function time(conn: ConnectionContext): void {
  // One clock: timeOrigin + now() is the wall time in ms with sub-ms precision, monotonic within the process.
  const micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  conn.reply.arrayHeader(2);
  conn.reply.bulk(String(micros / 1_000_000n));
  conn.reply.bulk(String(micros % 1_000_000n));
}

const COMMAND_ARITY = { COUNT: 2, INFO: -2, DOCS: -2 };

/** COMMAND, COMMAND COUNT, COMMAND INFO [name...], COMMAND DOCS [name...]. */
function command(conn: ConnectionContext, args: Args): void {
  if (args.count === 1) return commandInfos(conn, RESP_COMMANDS);
  const sub = subcommand(conn, args, 'COMMAND', COMMAND_ARITY);
  if (sub === 'COUNT') return conn.reply.integer(RESP_COMMANDS.length);
  if (sub === 'DOCS') return commandDocs(conn, args);
  if (sub !== 'INFO') return;
  // COMMAND INFO with no name is every command, as Redis 7's.
  if (args.count === 2) return commandInfos(conn, RESP_COMMANDS);
  const specs: (CommandSpec | undefined)[] = [];
  for (let i = 2; i < args.count; i++) {
    const name = args.latin1(i).toUpperCase();
    specs.push(RESP_COMMANDS.find((c) => c.name === name));
  }
  commandInfos(conn, specs);
}

/** An array of command entries, nil for an unknown name. */
function commandInfos(conn: ConnectionContext, specs: readonly (CommandSpec | undefined)[]): void {
  conn.reply.arrayHeader(specs.length);
  for (const spec of specs) {
    if (spec === undefined) conn.reply.nil();
    else commandInfo(conn, spec);
  }
}

/**
 * One command's entry as Redis 7 lists it, all from its table entry: name, arity, flags, first
 * key, last key, step, and empty extras (ACL categories, tips, key specs, subcommands). In RESP3
 * the flags, categories, tips and (empty) subcommands are sets, as Redis's; key specs an array.
 */
function commandInfo(conn: ConnectionContext, spec: CommandSpec): void {
  conn.reply.arrayHeader(10);
  conn.reply.bulk(spec.name.toLowerCase());
  conn.reply.integer(spec.arity);
  conn.reply.setHeader(spec.flags.length);
  for (const flag of spec.flags) conn.reply.status(flag);
  conn.reply.integer(spec.firstKey);
  conn.reply.integer(spec.lastKey);
  conn.reply.integer(spec.step);
  conn.reply.setHeader(0);
  conn.reply.setHeader(0);
  conn.reply.arrayHeader(0);
  conn.reply.setHeader(0);
}
