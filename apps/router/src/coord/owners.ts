import { argsOf, copyArgs, SHARD_COUNT, shardOf, shardOfString, type Args } from '@kv/wire';
import { answerTo, commandNamed, LINE_FULL, ReplyTo, type CommandSpec, type ReplySink, type ShardNode } from '@kv/node';
import type { Peers } from '../links/peers';
import type { Pending } from '../links/types';

/** Who takes the reply of a command that cannot be answered at once: `later(index)` makes its place. */
export interface Later {
  later(index: number): Pending;
  /**
   * The MULTI/EXEC or script whose hold this command runs under (coord/held.ts), or null: its
   * commands pass the hold of every worker it holds, and nothing else does.
   */
  readonly txid: string | null;
}

const TXRUN = commandNamed('TXRUN');

/**
 * Later.txid of a MULTI/EXEC or script that a peer sent here to run whole (coord/here.ts): its
 * keys are all this worker's, and it runs in its turn, so its commands run at once, even while
 * other work still waits behind a hold that just ended.
 */
export const HERE = '\0here';

/** run()'s `shard` for a command that runs on a worker as a whole (its workerHandler). */
export const WHOLE_WORKER = -1;

/**
 * The one way a command reaches its owner. The owner of a shard is this worker (its own
 * shards, which a transaction may hold for a moment) or a peer over its link. Routing code asks
 * for a run and gets the reply at once (`now`) or later (`later`), whichever the owner is.
 */
export class Owners {
  /** map[shard]: the worker that runs commands on it (the primary's shard map, copied). */
  readonly map = new Uint8Array(SHARD_COUNT);
  /** Commands run on this worker's own shards for its clients. */
  local = 0;
  private readonly shards: ShardNode['shards'];

  constructor(
    readonly self: number,
    node: ShardNode,
    readonly peers: Peers,
  ) {
    this.shards = node.shards;
  }

  /**
   * Runs `spec` with `args` on `worker` for `shard` (or WHOLE_WORKER). True when the reply went
   * to `now`: run here on free shards, or refused (the link to the owner is down, or what would
   * hold it is at its bound: an error reply). False when the reply will settle
   * `later.later(index)`: forwarded to the peer (leaving in its frame at the end of this turn), or
   * waiting here behind a transaction's hold with a copy of its arguments, in arrival order.
   */
  run(worker: number, shard: number, spec: CommandSpec, args: Args, now: ReplySink, later: Later, index: number): boolean {
    if (worker === this.self) {
      const shards = this.shards;
      if (shard !== WHOLE_WORKER) this.local++;
      if (!shards.busy || (later.txid !== null && (later.txid === HERE || shards.holds(later.txid)))) {
        if (shard === WHOLE_WORKER) shards.runWorkerCommand(spec, args, now);
        else shards.executeOn(shard, spec, args, now);
        return true;
      }
      const copy = copyArgs(args);
      let pending: Pending | null = null;
      const sink = new ReplyTo((kind, payload, items) => pending!.settle(kind, payload, items));
      const work = shard === WHOLE_WORKER ? () => shards.runWorkerCommand(spec, copy, sink) : () => shards.executeOn(shard, spec, copy, sink);
      // The line behind the hold is full: refused at once, before it takes a place in the reply order.
      if (!shards.offer(work, copy.buf.length, answerTo(sink))) {
        now.error(LINE_FULL);
        return true;
      }
      pending = later.later(index);
      return false;
    }
    const txid = later.txid;
    const refused = this.peers.refusal(worker, txid === null);
    if (refused !== null) {
      now.error(refused);
      return true;
    }
    if (txid === null) this.peers.forward(worker, spec.opcode, args, later.later(index));
    else this.peers.forward(worker, TXRUN.opcode, heldArgs(txid, spec.opcode, args), later.later(index));
    return false;
  }

  /** True while this worker's own shards are held or others' work waits behind a hold. */
  get localBusy(): boolean {
    return this.shards.busy;
  }

  /** The version of a key on this worker's own shards (WATCH); 0 when absent or not here. */
  localVersion(key: string): number {
    const store = this.shards.store(shardOfString(key));
    return store === undefined ? 0 : store.versionOfKey(key);
  }

  /** Ends this worker's hold for a transaction: its writes applied (commit) or not; waiting work runs. */
  endHold(txid: string, commit: boolean): void {
    if (commit) this.shards.commit(txid);
    else this.shards.abort(txid);
  }

  /** True when the keys at args[first..last] (every step) belong to more than one worker. */
  spans(args: Args, first: number, last: number, step: number): boolean {
    const owner = this.map[shardOfArg(args, first)];
    for (let k = first + step; k <= last; k += step) if (this.map[shardOfArg(args, k)] !== owner) return true;
    return false;
  }
}

/** TXRUN txid opcode argv...: a command of the transaction holding its owner. */
function heldArgs(txid: string, opcode: number, args: Args): Args {
  const parts = ['TXRUN', txid, String(opcode)];
  for (let i = 0; i < args.count; i++) parts.push(args.latin1(i));
  return argsOf(parts);
}

/** The shard of argument `i`. */
export function shardOfArg(args: Args, i: number): number {
  return shardOf(args.buf, args.starts[i], args.ends[i]);
}
