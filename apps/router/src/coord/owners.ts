import { argsOf, copyArgs, SHARD_COUNT, shardOfString, type Args } from '@kv/wire';
import { answerTo, commandNamed, LINE_FULL, ReplyTo, type CommandSpec, type ReplySink, type ShardNode } from '@kv/node';
import type { Peers } from '../links/peers';
import type { Pending } from '../links/types';
import type { Later, OwnerSet } from './plan';
import { PushKind } from '../links/push-kinds';
import { BlockedReply } from './blocked-reply';

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
export class Owners implements OwnerSet {
  /** map[shard]: the worker that runs commands on it (the primary's shard map, copied). */
  readonly map = new Uint8Array(SHARD_COUNT);
  /** Commands run on this worker's own shards for its clients. */
  local = 0;
  private readonly shards: ShardNode['shards'];
  /** Transactions and holds begun here, for their ids. */
  private begun = 0;
  /**
   * Client-side caching: the tracking client whose command is being dispatched (its id: its reads
   * are remembered by their owners; negated: it is only named as the writer, for NOLOOP; 0: a
   * client that does not track). Set by the dispatcher around one command's dispatch.
   */
  reader = 0;

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
      // A client's own blocking command (not inside MULTI or a script) may wait for a push.
      if (spec.blocking !== undefined && later.mayBlock === true && !shards.busy) return this.block(spec, args, now, later, index);
      if (!shards.busy || spec.holdFree === true || (later.txid !== null && (later.txid === HERE || shards.holds(later.txid)))) {
        const reader = this.reader;
        if (reader !== 0) shards.client = reader;
        if (shard === WHOLE_WORKER) shards.runWorkerCommand(spec, args, now);
        else shards.executeOn(shard, spec, args, now);
        if (reader !== 0) shards.client = 0;
        return true;
      }
      return this.wait(shard, spec, args, now, later, index);
    }
    const txid = later.txid;
    const refused = this.peers.refusal(worker, txid === null);
    if (refused !== null) {
      now.error(refused);
      return true;
    }
    if (txid === null && spec.blocking !== undefined && later.mayBlock === true && later.blockInput !== undefined) {
      // Its owner may keep it waiting: the client waits for it; if it leaves, a cancel tells the owner, and what was served meanwhile goes back.
      const reply = new BlockedReply(later.later(index), spec, args, worker, this.peers);
      const id = this.peers.forward(worker, spec.opcode, args, reply);
      let cancelled = false;
      later.blockInput((gone) => {
        // Gone: what its owner served meanwhile goes back. Half-closed: it may still read it.
        if (gone) reply.left = true;
        if (!cancelled) this.cancelOn(worker, id);
        cancelled = true;
      });
    } else if (txid === null) this.peers.forward(worker, spec.opcode, args, later.later(index), this.reader);
    else this.peers.forward(worker, TXRUN.opcode, heldArgs(txid, spec.opcode, args), later.later(index), this.reader);
    return false;
  }

  /** A blocking command on this worker's free shards: answered now, or kept waiting with its reply owed. */
  private block(spec: CommandSpec, args: Args, now: ReplySink, later: Later, index: number): boolean {
    let pending: Pending | null = null;
    const sink = new ReplyTo((kind, payload, items) => {
      const settling = pending;
      pending = null;
      settling?.settle(kind, payload, items);
    });
    const waiter = this.shards.block(spec, args, now, () => sink);
    if (waiter === null) return true;
    pending = later.later(index);
    later.blockInput?.(() => this.shards.blocked.drop(waiter));
    return false;
  }

  /** A blocked request forwarded to `worker` as `id` no longer waits (its client left). */
  private cancelOn(worker: number, id: number): void {
    if (id === 0) return;
    const out = this.peers.pushTo(worker);
    if (out === null) return;
    out.begin(PushKind.UNBLOCK, 1);
    out.latin1(String(id));
  }

  /** A command for this worker's shards while a hold keeps them: it waits in line, with a copy of its arguments, answered exactly once when it runs. */
  private wait(shard: number, spec: CommandSpec, args: Args, now: ReplySink, later: Later, index: number): boolean {
    const shards = this.shards;
    const copy = copyArgs(args);
    let pending: Pending | null = null;
    const sink = new ReplyTo((kind, payload, items) => {
      // Once: a reply place may be reused as soon as it is written.
      const settling = pending;
      pending = null;
      settling?.settle(kind, payload, items);
    });
    // A client's blocking command behind a hold may still wait, once it runs.
    const blocks = spec.blocking !== undefined && later.mayBlock === true;
    let waiter: ReturnType<ShardNode['shards']['block']> = null;
    const reader = this.reader;
    const work =
      shard === WHOLE_WORKER
        ? () => {
            // Client-side caching: a worker command's reads (a read transaction's TXPREPARE: MGET over workers) are its client's, behind a hold too.
            shards.client = reader;
            shards.runWorkerCommand(spec, copy, sink);
            shards.client = 0;
          }
        : blocks
          ? () => void (waiter = shards.block(spec, copy, sink, () => sink))
          : () => {
              shards.client = reader;
              shards.executeOn(shard, spec, copy, sink);
              shards.client = 0;
            };
    // The line behind the hold is full: refused at once, before it takes a place in the reply order.
    if (!shards.offer(work, copy.buf.length, answerTo(sink))) {
      now.error(LINE_FULL);
      return true;
    }
    pending = later.later(index);
    if (blocks) later.blockInput?.(() => waiter !== null && shards.blocked.drop(waiter));
    return false;
  }

  get localBusy(): boolean {
    return this.shards.busy;
  }

  localVersion(key: string): number {
    const store = this.shards.store(shardOfString(key));
    return store === undefined ? 0 : store.versionOfKey(key);
  }

  endHold(txid: string, commit: boolean): void {
    if (commit) this.shards.commit(txid);
    else this.shards.abort(txid);
  }

  linkIdOf(worker: number): number {
    return this.peers.linkIdOf(worker);
  }

  isUp(worker: number): boolean {
    return this.peers.isUp(worker);
  }

  control(worker: number, opcode: number, args: Args, link: number): boolean {
    return this.peers.control(worker, opcode, args, link);
  }

  send(worker: number, opcode: number, args: Args, pending: Pending, reader = 0): void {
    this.peers.forward(worker, opcode, args, pending, reader);
  }

  request(worker: number, opcode: number, args: Args, pending: Pending): void {
    this.peers.request(worker, opcode, args, pending);
  }

  newTxid(kind: 'txn' | 'hold'): string {
    return `${kind === 'hold' ? 'h' : ''}${this.self}:${this.begun++}`;
  }

  flushReplies(): void {
    this.peers.flushDirty();
  }
}

/** TXRUN txid opcode argv...: a command of the transaction holding its owner. */
function heldArgs(txid: string, opcode: number, args: Args): Args {
  const parts = [TXRUN.name, txid, String(opcode)];
  for (let i = 0; i < args.count; i++) parts.push(args.latin1(i));
  return argsOf(parts);
}
