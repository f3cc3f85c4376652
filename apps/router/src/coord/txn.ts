import { argsOf, ReplyKind, shardOfString, type Args, type Items } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { LINK_DOWN } from '../links/link';
import { Gather } from './gather';
import { WHOLE_WORKER } from './owners';
import type { PlanClient } from './plan';

const TXPREPARE = commandNamed('TXPREPARE');
const TXCOMMIT = commandNamed('TXCOMMIT');
const TXABORT = commandNamed('TXABORT');

export type TxnMode = 'MSET' | 'MSETNX' | 'MGET';

let nextTxn = 0;

/**
 * The coordinator of a command over keys on several workers that must look atomic: MSET,
 * MSETNX, and MGET across workers. It prepares the workers one by one in worker order; a
 * prepared worker holds its shards (everything else there waits its turn) until the commit or
 * abort. Only when all are prepared does it commit them all, so no reader on any worker can see
 * some of the keys written and others not; taking workers in one global order means two
 * transactions never wait on each other in a cycle. It takes one place in the client's reply
 * order, like a Gather, and its reply is built as one (list, sum or OK). Each prepare is a step
 * through Owners.run, here or on a peer, like any other command.
 */
export class Transaction extends Gather {
  override readonly blocks = true;
  /** This transaction's id, which its participants hold for. */
  readonly id: string;
  private readonly owners: number[];
  /** Key positions (into keys) per owning worker. */
  private readonly positions = new Map<number, number[]>();
  /** The position in `owners` of the worker being prepared. */
  private at = 0;
  private existing = 0;
  /** The link each remote prepare went out on. */
  private readonly links = new Map<number, number>();
  private readonly self: number;

  constructor(
    client: PlanClient,
    private readonly mode: TxnMode,
    private readonly keys: readonly string[],
    private readonly writes: readonly string[] | null,
  ) {
    super(client, mode === 'MGET' ? 'list' : mode === 'MSETNX' ? 'sum' : 'ok', mode === 'MGET' ? keys.length : 0);
    const owners = client.owners;
    this.self = owners.self;
    this.id = `${owners.self}:${nextTxn++}`;
    keys.forEach((key, i) => {
      const worker = owners.map[shardOfString(key)];
      const list = this.positions.get(worker);
      if (list === undefined) this.positions.set(worker, [i]);
      else list.push(i);
    });
    this.owners = [...this.positions.keys()].sort((a, b) => a - b);
  }

  /** Runs the transaction (finished at once when every worker was this one and free). */
  override start(): void {
    this.prepareNext();
  }

  private prepareNext(): void {
    if (this.at === this.owners.length) return this.finish();
    const worker = this.owners[this.at];
    if (worker !== this.self) this.links.set(worker, this.client.owners.peers.linkIdOf(worker));
    this.step(worker, WHOLE_WORKER, TXPREPARE, this.prepareArgs(worker), this.at);
  }

  /** A worker answered its prepare: record what it said and go on to the next. */
  override part(_index: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (kind === ReplyKind.ERROR) return this.fail(payload);
    const worker = this.owners[this.at];
    if (this.mode === 'MSETNX') this.existing += Number(payload);
    if (this.mode === 'MGET') {
      const values = items ?? [];
      this.positions.get(worker)!.forEach((position, j) => {
        const value = values[j];
        this.kinds[position] = value === undefined ? ReplyKind.NIL : ReplyKind.BULK;
        this.values[position] = value ?? '';
      });
    }
    this.at++;
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
    for (const [worker, link] of this.links) if (this.client.owners.peers.linkIdOf(worker) !== link) return this.fail(LINK_DOWN);
    const commit = !(this.mode === 'MSETNX' && this.existing > 0);
    for (let i = 0; i < this.owners.length; i++) {
      const worker = this.owners[i];
      if (worker !== this.self && !this.end(worker, commit)) {
        // Cannot happen after the check above; if it does, release those not yet told (commits
        // already written stand) and say so rather than answer OK.
        for (let j = i + 1; j < this.owners.length; j++) this.end(this.owners[j], false);
        if (this.owners.includes(this.self)) this.end(this.self, false);
        this.error = LINK_DOWN;
        return this.complete();
      }
    }
    if (this.owners.includes(this.self)) this.end(this.self, commit);
    if (this.mode === 'MSETNX') this.sum = commit ? 1 : 0;
    this.complete();
  }

  /** A worker could not be prepared: release those that were, and answer the error. */
  private fail(message: string): void {
    for (let i = 0; i < this.at; i++) this.end(this.owners[i], false);
    this.error = message;
    this.complete();
  }

  /** Commits or aborts one worker; false when a remote one's prepare link is gone (nothing sent). */
  private end(worker: number, commit: boolean): boolean {
    const owners = this.client.owners;
    if (worker === this.self) {
      owners.endHold(this.id, commit);
      return true;
    }
    const link = this.links.get(worker);
    // Never prepared (it failed, or was not reached): nothing to end.
    if (link === undefined) return true;
    // Sent at once, before the client hears OK: the commit must not wait for the end of the turn.
    return owners.peers.control(worker, (commit ? TXCOMMIT : TXABORT).opcode, argsOf([commit ? 'TXCOMMIT' : 'TXABORT', this.id]), link);
  }

  /** TXPREPARE txid from mode key [value] ... for the keys this worker owns. */
  private prepareArgs(worker: number): Args {
    const parts = ['TXPREPARE', this.id, String(this.self), this.mode];
    for (const i of this.positions.get(worker)!) {
      parts.push(this.keys[i]);
      if (this.writes !== null) parts.push(this.writes[i]);
    }
    return argsOf(parts);
  }
}
