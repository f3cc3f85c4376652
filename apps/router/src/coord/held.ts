import { argsOf, ReplyKind, type Args, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { LINK_DOWN } from '../links/link';
import { WHOLE_WORKER } from './owners';
import { Plan, type PlanClient } from './plan';

const TXHOLD = commandNamed('TXHOLD');
const TXABORT = commandNamed('TXABORT');

let nextHold = 0;

/** A command for a peer: its opcode and arguments. */
export interface OwnerRequest {
  readonly opcode: number;
  readonly args: Args;
}

/**
 * Something that runs several commands as one, with no other client's command on the same
 * workers in between: a MULTI/EXEC (exec.ts) or a script (script.ts). It holds every worker
 * involved (TXHOLD, one at a time in worker order, as coord/txn.ts prepares: one global order
 * means two of them never wait on each other in a cycle), then runs its commands through the
 * holds (Later.txid: TXRUN on a peer, straight on this worker's own shards), then releases them
 * (TXABORT: a hold has no writes of its own). When every worker involved is this one and its
 * shards are free, it runs at once, with no hold: nothing else can run in between.
 * Inside a MULTI/EXEC whose hold covers it already (a script queued in MULTI), it runs under that one.
 */
export abstract class Held extends Plan {
  override readonly blocks = true;
  /** The hold's id: what its commands carry to pass it. */
  holdId: string;
  private readonly workers: number[];
  /** Workers held so far: workers[0, at). */
  private at = 0;
  /** The link each remote hold was asked on: the participant holds for that link only. */
  private readonly links = new Map<number, number>();
  /** Nothing is held any more (or never was). */
  protected released = false;
  /** Counted from the holds' replies: watched keys that changed since WATCH. */
  protected changed = 0;
  /** The owner's reply, in the client's protocol, when the owner ran it whole. */
  private owned: Buffer | null = null;

  constructor(client: PlanClient, workers: Iterable<number>) {
    super(client);
    this.holdId = `h${client.owners.self}:${nextHold++}`;
    this.workers = [...new Set(workers)].sort((a, b) => a - b);
  }

  /** Runs the commands: with every worker involved held (or with none, see above). */
  protected abstract run(): void;

  /** A hold could not be taken (`message` says why): nothing is held any more. */
  protected abstract failed(message: string): void;

  /** The arguments after TXHOLD txid coordinator, for one worker (a MULTI's watched keys). */
  protected holdArgs(_worker: number): string[] {
    return [];
  }

  override get over(): boolean {
    return this.done && this.released;
  }

  start(): void {
    const owners = this.client.owners;
    const outer = this.client.txid;
    if (outer !== null) {
      // Queued in a MULTI, whose EXEC holds what this needs: run under its hold.
      this.holdId = outer;
      this.released = true;
      return this.run();
    }
    if (this.workers.every((w) => w === owners.self) && !owners.localBusy) {
      this.released = true;
      return this.run();
    }
    // (This worker's own keys, while something holds it: they wait for a hold here, below.)
    const request = this.workers.length === 1 && this.workers[0] !== owners.self ? this.ownerRequest() : null;
    if (request !== null) return this.runOnOwner(this.workers[0], request);
    this.holdNext();
  }

  /**
   * The whole thing as one request for the one worker that owns every key (EXECHERE, EVALHERE;
   * coord/here.ts runs it there at once, in its turn), or null when it cannot go as one.
   */
  protected ownerRequest(): OwnerRequest | null {
    return null;
  }

  /** Sends it whole to its one owner: no hold anywhere, one round trip, answered in the client's protocol. */
  private runOnOwner(worker: number, request: OwnerRequest): void {
    const peers = this.client.owners.peers;
    this.released = true;
    if (!peers.isUp(worker)) return this.failed(LINK_DOWN);
    this.place();
    const held = this;
    peers.forward(worker, request.opcode, request.args, {
      client: this.client,
      mode: this.replies.mode,
      settle(kind: ReplyKind, payload: string) {
        if (kind === ReplyKind.ERROR) return held.failed(payload);
        held.failed(`ERR unexpected reply from the owner: ${payload}`);
      },
      settleEncoded(buf: Buffer, start: number, end: number) {
        held.owned = Buffer.from(buf.subarray(start, end));
        held.complete();
      },
    });
  }

  /** Writes the owner's reply when the owner ran it whole; false otherwise. */
  protected encodeOwned(out: OutBuffer): boolean {
    if (this.owned === null) return false;
    out.bytes(this.owned, 0, this.owned.length);
    return true;
  }

  private holdNext(): void {
    if (this.at === this.workers.length) return this.allHeld();
    const worker = this.workers[this.at];
    const owners = this.client.owners;
    if (worker !== owners.self) this.links.set(worker, owners.peers.linkIdOf(worker));
    this.step(worker, WHOLE_WORKER, TXHOLD, argsOf(['TXHOLD', this.holdId, String(owners.self), ...this.holdArgs(worker)]), this.at);
  }

  /** A worker answered its TXHOLD. */
  part(_index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    if (kind === ReplyKind.ERROR) return this.fail(payload);
    this.changed += Number(payload);
    this.at++;
    this.holdNext();
  }

  private allHeld(): void {
    // A link that closed since its hold released that worker: running now would not be atomic.
    const peers = this.client.owners.peers;
    for (const [worker, link] of this.links) if (peers.linkIdOf(worker) !== link) return this.fail(LINK_DOWN);
    this.run();
  }

  private fail(message: string): void {
    this.release();
    this.failed(message);
  }

  /** Ends every hold taken (remote ones after the commands sent to them, on the same link). */
  protected release(): void {
    if (this.released) return;
    this.released = true;
    const owners = this.client.owners;
    let self = false;
    for (let i = 0; i < this.at; i++) {
      const worker = this.workers[i];
      if (worker === owners.self) {
        self = true;
        continue;
      }
      const link = this.links.get(worker);
      // A link gone since: its participant released the hold when it saw the link close.
      if (link !== undefined) owners.peers.control(worker, TXABORT.opcode, argsOf(['TXABORT', this.holdId]), link);
    }
    this.at = 0;
    // Last: this worker's release runs the work that waited for it.
    if (self) owners.endHold(this.holdId, false);
  }
}
