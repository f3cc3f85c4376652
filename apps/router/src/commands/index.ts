import type { CommandSpec } from '@kv/node';
import type { Args } from '@kv/wire';
import { CONNECTION_COMMANDS } from './connection';
import type { ConnectionContext, ConnectionHandler, ConnectionHandlers } from './context';
import { SERVER_COMMANDS } from './server';
import { REPLY_ERRORS } from '../reply-errors';
import { SCRIPTING_COMMANDS } from './scripting';
import { TRANSACTION_COMMANDS } from './transaction';
import { PUBSUB_COMMANDS } from './pubsub';
import { RESET_COMMANDS } from './reset';
import { MONITOR_COMMANDS } from './monitor';

export { address, setClientName } from './client';
export type { ConnectionContext, ConnectionHandler } from './context';

/** Every family's handlers of the table's `connection` commands, by name. */
const FAMILIES: readonly ConnectionHandlers[] = [CONNECTION_COMMANDS, SERVER_COMMANDS, TRANSACTION_COMMANDS, SCRIPTING_COMMANDS, PUBSUB_COMMANDS, RESET_COMMANDS, MONITOR_COMMANDS];

export const CONNECTION_HANDLERS: ReadonlyMap<string, ConnectionHandler> = (() => {
  const all = new Map<string, ConnectionHandler>();
  for (const family of FAMILIES) {
    for (const [name, handler] of family) {
      if (all.has(name)) throw new Error(`connection command ${name} has two handlers`);
      all.set(name, handler);
    }
  }
  return all;
})();

/** Commands about the connection or the server that need no shard (plan `connection`): its family's handler. */
export function runConnectionCommand(conn: ConnectionContext, spec: CommandSpec, args: Args): void {
  const handler = CONNECTION_HANDLERS.get(spec.name);
  if (handler === undefined) return conn.reply.error(REPLY_ERRORS.noHandler(spec.name));
  // A container command's handler names its subcommand (CLIENT LIST's cmd=client|list).
  conn.info.subcommand = '';
  conn.info.refused = false;
  handler(conn, args);
}

/** Redis 7's reply to an unknown command, quoting up to a few of its arguments. */
export function unknownCommand(args: Args): string {
  // As many arguments as the text can show (it stops past 256 characters).
  const rest: string[] = [];
  for (let i = 1, shown = 0; i < args.count && shown < 256; i++) {
    rest.push(args.latin1(i));
    shown += Math.min(args.length(i), 128) + 3;
  }
  return REPLY_ERRORS.unknownCommand(args.latin1(0), ...rest);
}
