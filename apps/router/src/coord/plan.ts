import type { Args, OutBuffer, ReplyEncoder } from '@kv/wire';
import type { CommandSpec, ReplySink } from '@kv/node';
import type { Pending } from '../links/types';

/**
 * What a plan is given and what it gives back. A plan runs one command over several owners as
 * one reply: it is given the owners it runs on (OwnerSet), its steps (built by coordinator.ts from
 * the command's table entry) and its sink (PlanSink: where its one reply goes). It keeps no state
 * outside itself, and nothing here knows which client, script or peer its reply is for.
 */

/** Who takes a step's reply when it cannot come at once: `later(index)` makes its place. */
export interface Later {
  later(index: number): Pending;
  /**
   * The MULTI/EXEC or script whose hold this command runs under (coord/hold.ts), or null: its
   * commands pass the hold of every worker it holds, and nothing else does.
   */
  readonly txid: string | null;
  /**
   * The command just run is a blocked one (BLPOP ...) whose reply is owed: the client's later
   * input waits for it, as Redis's blocked client reads nothing; `cancel` unblocks it if the client
   * leaves: half-closed first (`gone` false: an answer may still be read), then perhaps gone.
   */
  blockInput?(cancel: (gone: boolean) => void): void;
  /** A blocking command run now may wait: its client's own, not one of an EXEC (held or run at once here) or a script. */
  readonly mayBlock?: boolean;
}

/** The owners of the shards as a plan sees them: Owners (owners.ts), a fake in the unit tests. */
export interface OwnerSet {
  readonly self: number;
  /** map[shard]: the worker that owns it. */
  readonly map: Uint8Array;
  /** Client-side caching: the tracking client of the command being dispatched (owners.ts), 0 for none. */
  reader: number;
  /** Runs a step on its owner: true when answered at once (to `now`), false when it settles `later.later(index)`. */
  run(worker: number, shard: number, spec: CommandSpec, args: Args, now: ReplySink, later: Later, index: number): boolean;
  /** True while this worker's own shards are held, or others' work waits behind a hold. */
  readonly localBusy: boolean;
  /** The version of a key on this worker's own shards (WATCH); 0 when absent. */
  localVersion(key: string): number;
  /** Ends this worker's own hold for `txid`: its writes applied (commit) or not; what waited runs. */
  endHold(txid: string, commit: boolean): void;
  /** The id of the live link to `worker`, or -1: a transaction checks its link did not change under it. */
  linkIdOf(worker: number): number;
  isUp(worker: number): boolean;
  /** A step that gets no reply (commit, abort, release), sent at once on link `link` only; false when that link is gone. */
  control(worker: number, opcode: number, args: Args, link: number): boolean;
  /** A request sent as it is (EXECHERE, EVALHERE), its reply to `pending` in `pending.mode`. */
  /** `reader`: the tracking client of a MULTI/EXEC sent whole (owners.ts `reader`). */
  send(worker: number, opcode: number, args: Args, pending: Pending, reader?: number): void;
  /** A worker's own request to a peer (a script shared): not a client's, so never refused at the link's bounds. */
  request(worker: number, opcode: number, args: Args, pending: Pending): void;
  /** A new id for a transaction (`txn`) or a hold (`hold`), unique in the cluster while this worker lives. */
  newTxid(kind: 'txn' | 'hold'): string;
  /** Writes out the client replies made ready outside a read of a link or a client (a promise's turn). */
  flushReplies(): void;
}

/** A plan's one reply, encoded in the protocol its command was read in. */
export interface Answer {
  encode(out: OutBuffer): void;
}

/** An answer's place in its client's reply order, taken when a step had to wait. */
export interface Place {
  /** The answer is final: it is written when every reply before it is. */
  ready(): void;
}

/**
 * Where a plan's one reply goes: a client's reply order (client/plans.ts), a script's call
 * (script-calls.ts), or an owner's reply frame for a transaction sent whole (here.ts).
 */
export interface PlanSink {
  /** The protocol the reply is encoded in, as it stood when the command was read. */
  readonly replies: ReplyEncoder;
  /** A step must wait: `answer` takes its place now, in order, to be written once ready. */
  place(answer: Answer): Place;
  /** `answer` never waited: write it now, where the next reply goes. */
  now(answer: Answer): void;
  /** Handling one of the plan's replies threw (a bug): what it answers for fails, and only that. */
  failed(err: Error): void;
}

/** A plan as its starter sees it. */
export interface Plan extends Answer {
  /** Runs the first steps (and, while they answer at once, the rest). */
  start(): void;
  /** Its reply is final. */
  readonly done: boolean;
  /** Its client's later commands wait for it (a transaction: its client reads its own writes). */
  readonly blocks: boolean;
  /** Its client may go on with what it sent next (a blocking plan: once done and its holds released). */
  readonly over: boolean;
}

/**
 * A plan's one reply on its way to its sink: written at once if the plan is done before any step
 * waited, else in the place it took when the first one did (composition: each plan has one).
 */
export class PlanReply {
  /** Some step had to wait: the reply has a place in the order. */
  private place: Place | null = null;
  done = false;
  readonly replies: ReplyEncoder;

  constructor(
    readonly sink: PlanSink,
    private readonly answer: Answer,
  ) {
    this.replies = sink.replies;
  }

  get placed(): boolean {
    return this.place !== null;
  }

  /** A step must wait: take the place (once). */
  wait(): void {
    if (this.place === null) this.place = this.sink.place(this.answer);
  }

  /** The answer is final: written now, or in its place when its turn comes. */
  complete(): void {
    this.done = true;
    if (this.place !== null) this.place.ready();
    else this.sink.now(this.answer);
  }
}
