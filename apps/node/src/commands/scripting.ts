import type { Args } from '@kv/wire';
import type { ReplySink } from '../reply';
import type { EncodedSink, WorkerShards } from '../types';

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

/**
 * EXECHERE / EVALHERE: a MULTI/EXEC or a script whose keys are all this worker's, sent whole by
 * the worker its client is on. The router runs it (`shards.here`), at once, encoding the reply in
 * the client's protocol straight into the reply frame.
 */
export function runHere(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const here = shards.here;
  const encoded = (reply as Partial<EncodedSink>).encoded;
  if (here === null || encoded === undefined) return reply.error('ERR this worker cannot run a transaction sent to it');
  encoded.call(reply, (out, replies) => here.run(args, out, replies));
}
