import { shardOf, type Args } from '@kv/wire';
import { copyOptions, lastKeyIndex, movesAcross, parseScan, type CommandSpec } from '@kv/node';
import { Combined } from './combine';
import { Gather, KeySteps, WorkerSteps } from './gather';
import { HeldWrite } from './held-write';
import { Gathered } from './gathered';
import { KeyMove } from './key-move';
import type { CallMonitor, PlanEnv } from './env';
import type { OwnerSet, Plan, PlanSink } from './plan';
import { Scan } from './scan';
import { scriptPlan } from './script-plan';
import type { Scripts } from './scripts';
import { Transaction } from './txn';
import { REPLY_ERRORS } from '../reply-errors';

/**
 * A worker's plans (PlanEnv): the client side's (its EVAL bodies are shared with every other
 * worker), or the owner side's for a transaction or script sent whole (not shared again).
 */
export class Coordinator implements PlanEnv {
  monitor: CallMonitor | null = null;

  constructor(
    readonly owners: OwnerSet,
    readonly scripts: Scripts,
    private readonly workersNow: () => number,
    readonly sharesScripts: boolean,
  ) {}

  get workers(): number {
    return this.workersNow();
  }

  plan(sink: PlanSink, txid: string | null, spec: CommandSpec, args: Args): Plan | string {
    return planFor(this, sink, txid, spec, args);
  }
}

/**
 * The plan of a command that spans owners (plan each-key, each-worker, atomic, cursor, script;
 * RENAME or COPY over two shards; a gathering command over several),
 * from its table entry alone, not started: its steps, on the owners of its keys, its reply to
 * `sink`, passing the hold `txid` (a MULTI/EXEC's or a script's running it) or none. Or the error
 * its arguments are refused with.
 */
export function planFor(env: PlanEnv, sink: PlanSink, txid: string | null, spec: CommandSpec, args: Args): Plan | string {
  const owners = env.owners;
  switch (spec.plan) {
    case 'each-key': {
      // Values from several workers must be read at one moment, as Redis's MGET does. (Under a
      // MULTI/EXEC's or a script's hold nothing else runs meanwhile: a Gather does.)
      if (spec.atomic === 'read' && txid === null && spans(owners.map, spec, args)) return new Transaction(owners, sink, 'read', keysOf(spec, args, 0), null);
      const steps = new KeySteps(owners.map, spec, args);
      return new Gather(owners, sink, txid, steps, new Combined(spec.combine!, steps.length));
    }
    case 'each-worker':
      return new Gather(owners, sink, txid, new WorkerSteps(spec, args, env.workers), new Combined(spec.combine!, env.workers));
    case 'atomic': {
      // Key value pairs.
      if ((args.count - spec.firstKey) % spec.step !== 0) return REPLY_ERRORS.arity(spec.name);
      const keys = keysOf(spec, args, 0);
      const values = keysOf(spec, args, 1);
      if (txid !== null) return new HeldWrite(owners, sink, txid, spec.atomic === 'write-new', keys, values);
      return new Transaction(owners, sink, spec.atomic!, keys, values);
    }
    case 'cursor': {
      const request = parseScan(args);
      if (typeof request === 'string') return request;
      return new Scan(owners, sink, txid, spec, request);
    }
    case 'script':
      return scriptPlan(env, sink, txid, spec, args);
    case 'one-key': {
      // RENAME, COPY over keys of two shards; a gathering command over keys of several (every other one-key command runs on its key's owner).
      if (!movesAcross(spec, args, true)) return REPLY_ERRORS.noPlan(spec.name);
      if (spec.movesAcross === undefined) return new Gathered(owners, sink, txid, spec, args);
      const replace = spec.movesAcross === 'copy' ? copyOptions(args) : true;
      if (typeof replace === 'string') return replace;
      return new KeyMove(owners, sink, txid, spec.movesAcross!, replace, args);
    }
    default:
      return REPLY_ERRORS.noPlan(spec.name);
  }
}

/** The arguments at each key position (`offset` 1: each key's value, for key value pairs), as strings. */
function keysOf(spec: CommandSpec, args: Args, offset: number): string[] {
  const out: string[] = [];
  const last = lastKeyIndex(spec, args.count);
  for (let k = spec.firstKey; k <= last; k += spec.step) out.push(args.latin1(k + offset));
  return out;
}

/** True when the command's keys belong to more than one worker. */
function spans(map: Uint8Array, spec: CommandSpec, args: Args): boolean {
  const last = lastKeyIndex(spec, args.count);
  const first = spec.firstKey;
  const owner = map[shardOf(args.buf, args.starts[first], args.ends[first])];
  for (let k = first + spec.step; k <= last; k += spec.step) if (map[shardOf(args.buf, args.starts[k], args.ends[k])] !== owner) return true;
  return false;
}
