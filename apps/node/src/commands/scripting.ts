import type { Args, OutBuffer, ReplyEncoder } from '@kv/wire';
import { ERR, type ReplySink } from '../reply';
import type { EncodedSink, HereRunner, WorkerShards } from '../types';

/**
 * The worker side of the script cache: every worker keeps every script, so that EVALSHA works on
 * any connection. The cache and the Lua engine are the router's (apps/router/src/coord/scripts.ts);
 * it registers itself as `shards.scripts`. Internal commands:
 *   SCRIPTSTORE kind body [evicted-sha ...]   compile and keep a script another worker brought in
 *                                             (kind eval: EVAL, load: SCRIPT LOAD), evicting the
 *                                             EVAL scripts it evicted to make room
 *   SCRIPTDUMP                                every script, kind and body pairs (a worker that starts copies them)
 *   SCRIPTFLUSH                               forget every script (SCRIPT FLUSH)
 */
export function scriptstore(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const scripts = shards.scripts;
  if (scripts === null) return reply.error(ERR.noScriptEngine);
  const victims: string[] = [];
  for (let i = 3; i < args.count; i++) victims.push(args.latin1(i));
  const error = scripts.store(args.latin1(1), args.latin1(2), victims);
  return error === null ? reply.ok() : reply.error(error);
}

export function scriptdump(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  reply.array(shards.scripts?.dump() ?? []);
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
export function execHere(shards: WorkerShards, args: Args, reply: ReplySink): void {
  whole(shards, reply, (here, out, replies) => here.exec(args, out, replies));
}

export function evalHere(shards: WorkerShards, args: Args, reply: ReplySink): void {
  // By sha, on a worker without that script: refused as a plain error, and its sender sends the body.
  const refused = shards.here?.evalRefusal(args) ?? null;
  if (refused !== null) return reply.error(refused);
  whole(shards, reply, (here, out, replies) => here.eval(args, out, replies));
}

function whole(shards: WorkerShards, reply: ReplySink, run: (here: HereRunner, out: OutBuffer, replies: ReplyEncoder) => void): void {
  const here = shards.here;
  const encoded = (reply as Partial<EncodedSink>).encoded;
  if (here === null || encoded === undefined) return reply.error(ERR.cannotRunWhole);
  encoded.call(reply, (out, replies) => run(here, out, replies));
}
