import { COMMAND_DOCS, RESP_COMMANDS, type CommandDoc, type DocArg } from '@kv/node';
import type { Args } from '@kv/wire';
import type { ConnectionContext } from './context';

/**
 * COMMAND DOCS [command-name ...]: Redis 7's map (a flat array in RESP2) of command name to its
 * docs, for every command clients can call or for those named (unknown names are left out).
 * redis-cli 7.2 and later builds its help and typing hints from it, and asserts on the shapes:
 * names and texts are bulk strings, argument flags simple strings (a set of them in RESP3), each
 * doc and each argument a map, the arguments an array.
 */
export function commandDocs(conn: ConnectionContext, args: Args): void {
  const entries: [string, CommandDoc][] = [];
  if (args.count === 2) {
    for (const spec of RESP_COMMANDS) {
      const doc = COMMAND_DOCS.get(spec.name);
      if (doc !== undefined) entries.push([spec.name.toLowerCase(), doc]);
    }
  } else {
    for (let i = 2; i < args.count; i++) {
      const name = args.latin1(i).toUpperCase();
      const doc = RESP_COMMANDS.some((spec) => spec.name === name) ? COMMAND_DOCS.get(name) : undefined;
      if (doc !== undefined) entries.push([name.toLowerCase(), doc]);
    }
  }
  conn.reply.mapHeader(entries.length);
  for (const [name, doc] of entries) {
    conn.reply.bulk(name);
    encodeDoc(conn, doc);
  }
}

function encodeDoc(conn: ConnectionContext, doc: CommandDoc): void {
  const fields = 3 + (doc.args.length > 0 ? 1 : 0) + (doc.subcommands.length > 0 ? 1 : 0);
  conn.reply.mapHeader(fields);
  conn.reply.bulk('summary');
  conn.reply.bulk(doc.summary);
  conn.reply.bulk('since');
  conn.reply.bulk(doc.since);
  conn.reply.bulk('group');
  conn.reply.bulk(doc.group);
  if (doc.args.length > 0) {
    conn.reply.bulk('arguments');
    encodeArgs(conn, doc.args);
  }
  if (doc.subcommands.length > 0) {
    conn.reply.bulk('subcommands');
    conn.reply.mapHeader(doc.subcommands.length);
    for (const [name, sub] of doc.subcommands) {
      conn.reply.bulk(name);
      encodeDoc(conn, sub);
    }
  }
}

function encodeArgs(conn: ConnectionContext, args: readonly DocArg[]): void {
  conn.reply.arrayHeader(args.length);
  for (const arg of args) {
    const fields = 2 + (arg.type === 'key' ? 1 : 0) + (arg.token !== undefined ? 1 : 0) + (arg.flags.length > 0 ? 1 : 0) + (arg.args.length > 0 ? 1 : 0);
    conn.reply.mapHeader(fields);
    conn.reply.bulk('name');
    conn.reply.bulk(arg.name);
    conn.reply.bulk('type');
    conn.reply.bulk(arg.type);
    if (arg.type === 'key') {
      conn.reply.bulk('key_spec_index');
      conn.reply.integer(0);
    }
    if (arg.token !== undefined) {
      conn.reply.bulk('token');
      conn.reply.bulk(arg.token);
    }
    if (arg.flags.length > 0) {
      conn.reply.bulk('flags');
      conn.reply.setHeader(arg.flags.length);
      for (const flag of arg.flags) conn.reply.status(flag);
    }
    if (arg.args.length > 0) {
      conn.reply.bulk('arguments');
      encodeArgs(conn, arg.args);
    }
  }
}
