import type { Args } from '@kv/wire';
import type { ReplySink } from '../reply';
import type { WorkerShards } from '../types';

/**
 * The worker side of the script cache: every worker keeps every script, so that EVALSHA works on
 * any connection. The Lua engine is the router's (apps/router/src/coord/scripts.ts); it registers
 * itself as `shards.scripts`. Internal commands:
 *   SCRIPTSTORE body   compile and keep a script another worker was given (SCRIPT LOAD, EVAL)
 *   SCRIPTFLUSH        forget every script (SCRIPT FLUSH)
 */
export function scriptstore(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const scripts = shards.scripts;
  if (scripts === null) return reply.error('ERR no script engine on this worker');
  const error = scripts.store(args.latin1(1));
  return error === null ? reply.ok() : reply.error(error);
}

export function scriptflush(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  shards.scripts?.flush();
  reply.ok();
}
