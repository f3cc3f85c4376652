import type { CommandSpec } from '@kv/node';
import type { Args } from '@kv/wire';
import { CONNECTION_COMMANDS } from './connection';
import type { ConnectionContext, ConnectionHandler, ConnectionHandlers } from './context';
import { SERVER_COMMANDS } from './server';
import { SCRIPTING_COMMANDS } from './scripting';
import { TRANSACTION_COMMANDS } from './transaction';

export { setClientName } from './client';
export type { ConnectionContext, ConnectionHandler } from './context';

/** Every family's handlers of the table's `connection` commands, by name. */
const FAMILIES: readonly ConnectionHandlers[] = [CONNECTION_COMMANDS, SERVER_COMMANDS, TRANSACTION_COMMANDS, SCRIPTING_COMMANDS];

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
  if (handler === undefined) return conn.error(`ERR unknown command '${spec.name.toLowerCase()}'`);
  // A container command's handler names its subcommand (CLIENT LIST's cmd=client|list).
  conn.info.subcommand = '';
  handler(conn, args);
}

/** Redis 7's reply to an unknown command, quoting up to a few of its arguments. */
export function unknownCommand(args: Args): string {
  let text = `ERR unknown command '${args.latin1(0).slice(0, 128)}', with args beginning with: `;
  for (let i = 1; i < args.count && text.length < 256; i++) text += `'${args.latin1(i).slice(0, 128)}' `;
  return text;
}
