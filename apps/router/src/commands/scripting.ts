import { argsOf, type Args } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { Broadcast } from '../coord/broadcast';
import { runPlan } from '../coord/plan';
import type { ScriptClient } from '../coord/script';
import { ShareScript } from '../coord/script-share';
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

function script(conn: ConnectionContext & ScriptClient, args: Args): void {
  const sub = args.latin1(1).toUpperCase();
  if (sub === 'HELP' && args.count === 2) {
    conn.arrayHeader(HELP.length);
    for (const line of HELP) conn.status(line);
    return;
  }
  // Compiled here first (a compile error is the answer), then on every other worker before the sha is.
  if (sub === 'LOAD' && args.count === 3) return conn.runBlocking(runPlan(new ShareScript(conn, args.latin1(2), 'load', 'sha'), () => conn.target()));
  if (sub === 'EXISTS' && args.count >= 3) {
    conn.arrayHeader(args.count - 2);
    for (let i = 2; i < args.count; i++) conn.integer(conn.scripts.has(args.latin1(i).toLowerCase()) ? 1 : 0);
    return;
  }
  if (sub === 'FLUSH' && args.count <= 3) {
    const mode = args.count === 3 ? args.latin1(2).toUpperCase() : 'SYNC';
    if (mode !== 'SYNC' && mode !== 'ASYNC') return conn.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    conn.scripts.flush();
    return conn.runBlocking(runPlan(new Broadcast(conn, SCRIPTFLUSH, argsOf(['SCRIPTFLUSH']), conn.workers, null), () => conn.target()));
  }
  if (sub === 'KILL' && args.count === 2) return conn.error('NOTBUSY No scripts in execution right now.');
  if (['LOAD', 'EXISTS', 'FLUSH', 'KILL', 'HELP'].includes(sub)) return conn.error(`ERR wrong number of arguments for 'script|${sub.toLowerCase()}' command`);
  conn.error(`ERR unknown subcommand '${args.latin1(1).slice(0, 128)}'. Try SCRIPT HELP.`);
}
