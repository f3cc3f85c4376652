import type { Args } from '@kv/wire';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';

/**
 * A container command's subcommand, checked as Redis 7 does: unknown, or of the wrong arity (Redis's
 * arity of the subcommand, counting the container's name), is an error reply. The subcommand in
 * upper case, or undefined when the error was sent.
 */
export function subcommand(conn: ConnectionContext, args: Args, container: string, arities: Readonly<Record<string, number>>): string | undefined {
  const given = args.latin1(1);
  const sub = given.toUpperCase();
  const arity = arities[sub];
  if (arity === undefined) {
    conn.reply.error(REPLY_ERRORS.unknownSubcommand(given, container));
    return undefined;
  }
  if (arity >= 0 ? args.count !== arity : args.count < -arity) {
    conn.reply.error(REPLY_ERRORS.subcommandArity(container, sub));
    return undefined;
  }
  conn.info.subcommand = sub.toLowerCase();
  return sub;
}
