import { argsOf, type Args } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import { ShareScript } from '../coord/script-share';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext, ConnectionHandlers } from './context';

const SCRIPTFLUSH = commandNamed('SCRIPTFLUSH');

/** SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP: the script cache, on every worker (coord/scripts.ts). */
export const SCRIPTING_COMMANDS: ConnectionHandlers = new Map([['SCRIPT', script]]);

const HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Print this help.',
];

function script(conn: ConnectionContext, args: Args): void {
  const sub = args.latin1(1).toUpperCase();
  if (sub === 'HELP' && args.count === 2) {
    conn.reply.arrayHeader(HELP.length);
    for (const line of HELP) conn.reply.status(line);
    return;
  }
  // Compiled here first (a compile error is the answer), then on every other worker before the sha is.
  if (sub === 'LOAD' && args.count === 3) return conn.plans.start(new ShareScript(conn.env, conn.plans, args.latin1(2), 'load', 'sha'));
  if (sub === 'EXISTS' && args.count >= 3) {
    conn.reply.arrayHeader(args.count - 2);
    for (let i = 2; i < args.count; i++) conn.reply.integer(conn.env.scripts.has(args.latin1(i).toLowerCase()) ? 1 : 0);
    return;
  }
  if (sub === 'FLUSH' && args.count <= 3) {
    const mode = args.count === 3 ? args.latin1(2).toUpperCase() : 'SYNC';
    if (mode !== 'SYNC' && mode !== 'ASYNC') return conn.reply.error(REPLY_ERRORS.scriptFlushMode);
    const env = conn.env;
    env.scripts.flush();
    // Then on every other worker, answered once all have forgotten them.
    const others: number[] = [];
    for (let w = 0; w < env.workers; w++) if (w !== env.owners.self) others.push(w);
    return conn.plans.start(new Gather(env.owners, conn.plans, conn.plans.txid, new WorkerSteps(SCRIPTFLUSH, argsOf([SCRIPTFLUSH.name]), others), new Combined('ok', others.length)));
  }
  if (sub === 'KILL' && args.count === 2) return conn.reply.error(REPLY_ERRORS.notBusy);
  if (['LOAD', 'EXISTS', 'FLUSH', 'KILL', 'HELP'].includes(sub)) return conn.reply.error(REPLY_ERRORS.subcommandArity('SCRIPT', sub));
  conn.reply.error(REPLY_ERRORS.unknownSubcommand(args.latin1(1), 'SCRIPT'));
}
