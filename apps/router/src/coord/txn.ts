import { argsOf, ReplyKind, shardOfString, type Args } from '@kv/wire';
import { answerTo, commandNamed, ReplyTo, unpackValues } from '@kv/node';
import { Gather } from './gather';
import { Slot, type Peers, type SlotOwner } from '../links/peers';
import type { Router } from '../worker/router';

const TXPREPARE = commandNamed('TXPREPARE');
const TXCOMMIT = commandNamed('TXCOMMIT');
const TXABORT = commandNamed('TXABORT');
const LINK_DOWN = 'ERR the worker owning this key is down';

export type TxnMode = 'MSET' | 'MSETNX' | 'MGET';

let nextTxn = 0;

/**
 * The coordinator of a command over keys on several workers that must look atomic: MSET,
 * MSETNX, and MGET across workers. It prepares the workers one by one in worker order; a
 * prepared worker holds its shards (everything else there waits its turn) until the commit or
 * abort. Only when all are prepared does it commit them all, so no reader on any worker can see
 * some of the keys written and others not; taking workers in one global order means two
 * transactions never wait on each other in a cycle. It takes one place in the client's reply
 * order, like a Gather, and its reply is built as one (list, sum or OK).
 */
export class Transaction extends Gather {
  readonly txid: string;
  private readonly owners: number[];
  /** Key positions (into keys) per owning worker. */
  private readonly positions = new Map<number, number[]>();
  private step = 0;
  private existing = 0;
  /** The link each remote prepare went out on. */
  private readonly links = new Map<number, number>();
  /** Inside start(): a synchronous finish is flushed by the caller. */
  private starting = false;

  constructor(
    owner: SlotOwner,
    resp: boolean,
    private readonly router: Router,
    private readonly mode: TxnMode,
    private readonly keys: readonly string[],
    private readonly writes: readonly string[] | null,
  ) {
    super(owner, resp, mode === 'MGET' ? 'list' : mode === 'MSETNX' ? 'sum' : 'ok', mode === 'MGET' ? keys.length : 0);
    this.txid = `${router.self}:${nextTxn++}`;
    keys.forEach((key, i) => {
      const worker = router.owners[shardOfString(key)];
      const list = this.positions.get(worker);
      if (list === undefined) this.positions.set(worker, [i]);
      else list.push(i);
    });
    this.owners = [...this.positions.keys()].sort((a, b) => a - b);
  }

  /** Runs the transaction; true when it finished at once (every worker was this one and free). */
  start(): boolean {
    this.starting = true;
    this.prepareNext();
    this.starting = false;
    return this.done;
  }

  private prepareNext(): void {
    if (this.step === this.owners.length) return this.finish();
    const worker = this.owners[this.step];
    const args = this.prepareArgs(worker);
    const router = this.router;
    if (worker === router.self) {
      const shards = router.node.shards;
      const sink = new ReplyTo((kind, payload) => this.prepared(kind, payload));
      shards.run(() => shards.runWorkerCommand(TXPREPARE, args, sink), answerTo(sink));
    } else if (!router.peers.isUp(worker)) {
      this.fail(LINK_DOWN);
    } else {
      this.links.set(worker, router.peers.linkIdOf(worker));
      router.peers.forward(worker, TXPREPARE.opcode, args, new PrepareSlot(this));
    }
  }

  /** A worker answered its prepare: record what it said and go on to the next. */
  prepared(kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.ERROR) return this.fail(payload);
    const worker = this.owners[this.step];
    if (this.mode === 'MSETNX') this.existing += Number(payload);
    if (this.mode === 'MGET') {
      const values = unpackValues(payload);
      this.positions.get(worker)!.forEach((position, j) => {
        const value = values[j];
        this.part(position, value === undefined ? ReplyKind.NIL : ReplyKind.BULK, value ?? '');
      });
    }
    this.step++;
    this.prepareNext();
  }

  /**
   * Every worker is prepared: commit (or, MSETNX with an existing key, abort) them all. The client
   * hears OK only if every remote TXCOMMIT was written to the very link its prepare went out on,
   * still usable: that link's participant holds the shards for this link id, and frames on it
   * arrive in order, so the participant reads TXCOMMIT before it could see the link close.
   * Everything here is synchronous, so no link changes between the check and the writes; remote
   * commits go out before this worker's own, whose release runs waiting work.
   */
  private finish(): void {
    // A link that closed (or was closed here) since its prepare released, or will release, that
    // worker's hold: committing the others would apply only part of the write.
    for (const [worker, link] of this.links) if (this.router.peers.linkIdOf(worker) !== link) return this.fail(LINK_DOWN);
    const commit = !(this.mode === 'MSETNX' && this.existing > 0);
    for (let i = 0; i < this.owners.length; i++) {
      const worker = this.owners[i];
      if (worker !== this.router.self && !this.end(worker, commit)) {
        // Cannot happen after the check above; if it does, release those not yet told (commits
        // already written stand) and say so rather than answer OK.
        for (let j = i + 1; j < this.owners.length; j++) this.end(this.owners[j], false);
        if (this.owners.includes(this.router.self)) this.end(this.router.self, false);
        this.error = LINK_DOWN;
        return this.complete();
      }
    }
    if (this.owners.includes(this.router.self)) this.end(this.router.self, commit);
    if (this.mode === 'MSETNX') this.sum = commit ? 1 : 0;
    this.complete();
  }

  /** A worker could not be prepared: release those that were, and answer the error. */
  private fail(message: string): void {
    for (let i = 0; i < this.step; i++) this.end(this.owners[i], false);
    this.error = message;
    this.complete();
  }

  private complete(): void {
    this.remaining = 0;
    this.done = true;
    if (!this.starting) this.router.peers.markDirty(this.owner);
  }

  /** Commits or aborts one worker; false when a remote one's prepare link is gone (nothing sent). */
  private end(worker: number, commit: boolean): boolean {
    const router = this.router;
    if (worker === router.self) {
      if (commit) router.node.shards.commit(this.txid);
      else router.node.shards.abort(this.txid);
      return true;
    }
    const link = this.links.get(worker);
    // Never prepared (it failed, or was not reached): nothing to end.
    if (link === undefined) return true;
    // Sent at once, before the client hears OK: the commit must not wait for the end of the turn.
    return router.peers.control(worker, (commit ? TXCOMMIT : TXABORT).opcode, argsOf([commit ? 'TXCOMMIT' : 'TXABORT', this.txid]), link);
  }

  /** TXPREPARE txid from mode key [value] ... for the keys this worker owns. */
  private prepareArgs(worker: number): Args {
    const parts = ['TXPREPARE', this.txid, String(this.router.self), this.mode];
    for (const i of this.positions.get(worker)!) {
      parts.push(this.keys[i]);
      if (this.writes !== null) parts.push(this.writes[i]);
    }
    return argsOf(parts);
  }
}

/** A prepare sent to another worker. */
class PrepareSlot extends Slot {
  constructor(private readonly txn: Transaction) {
    super(txn.owner, txn.resp);
  }
  override settle(kind: ReplyKind, payload: string, _peers: Peers): void {
    this.txn.prepared(kind, payload);
  }
}

