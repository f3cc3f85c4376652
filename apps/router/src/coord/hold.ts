import { argsOf, ReplyKind, type Args, type Items, type ReplyMode } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { LINK_DOWN } from '../links/link';
import { REPLY_ERRORS } from '../reply-errors';
import type { Failable, Pending } from '../links/types';
import { WHOLE_WORKER } from './owners';
import type { OwnerSet } from './plan';
import { Steps, type StepTaker } from './steps';

const TXHOLD = commandNamed('TXHOLD');
const TXABORT = commandNamed('TXABORT');

/** What a hold tells the plan it serves (an EXEC, a script). */
export interface HoldTaker extends Failable {
  /** A hold must wait for its owner: the plan's reply comes later. */
  waiting(): void;
  /** Every worker is held; `changed` counts the WATCHed keys whose version changed. */
  held(changed: number): void;
  /** A worker could not be held (`message` says why); nothing is held any more. */
  refused(message: string): void;
}

/** A command for one owner: its opcode and arguments (EXECHERE, EVALHERE). */
export interface OwnerRequest {
  readonly opcode: number;
  readonly args: Args;
}

/**
 * How a plan that runs several commands as one (a MULTI/EXEC, a script) keeps every other client's
 * command off the workers it touches:
 * - `under`: it runs inside a MULTI/EXEC that holds them already (a script queued in MULTI);
 * - `here`: every worker involved is this one and its shards are free: it runs at once, with no
 *   hold (nothing can come in between);
 * - `whole`: one other worker owns everything: it may go there whole (sendWhole), one round trip;
 * - `hold`: TXHOLD each worker, one at a time in worker order (the order coord/txn.ts prepares
 *   in: one global order means two of them never wait on each other in a cycle), run its
 *   commands through the holds (their txid: TXRUN on a peer, straight on this worker's shards),
 *   then release them (TXABORT: a hold has no writes of its own).
 */
export class Hold implements StepTaker {
  /** The hold's id: what its commands carry to pass it. */
  readonly id: string;
  readonly way: 'under' | 'here' | 'whole' | 'hold';
  private readonly workers: number[];
  private readonly steps: Steps;
  /** Workers held so far: workers[0, at). */
  private at = 0;
  /** The link each remote hold was asked on: the participant holds for that link only. */
  private readonly links = new Map<number, number>();
  /** Nothing is held any more (or never was). */
  released = false;
  private changed = 0;

  constructor(
    private readonly owners: OwnerSet,
    /** The hold the plan's client runs under already (a MULTI/EXEC's), or null. */
    outer: string | null,
    workers: Iterable<number>,
    /** The arguments after TXHOLD txid coordinator, for one worker (a MULTI's watched keys there). */
    private readonly holdArgs: (worker: number) => readonly string[],
    private readonly taker: HoldTaker,
    /** It may wait for a worker it does not hold (a script that publishes): held even when its keys are all this worker's or one other's. */
    mayWait = false,
  ) {
    this.workers = [...new Set(workers)].sort((a, b) => a - b);
    this.id = outer ?? owners.newTxid('hold');
    this.steps = new Steps(owners, null, this);
    const self = owners.self;
    if (mayWait && this.workers.length === 0) this.workers.push(self);
    if (outer !== null) this.way = 'under';
    else if (mayWait) this.way = 'hold';
    else if (this.workers.every((w) => w === self) && !owners.localBusy) this.way = 'here';
    else if (this.workers.length === 1 && this.workers[0] !== self) this.way = 'whole';
    else this.way = 'hold';
    if (this.way !== 'hold' && this.way !== 'whole') this.released = true;
  }

  /** The one worker that owns everything (way `whole`). */
  get owner(): number {
    return this.workers[0];
  }

  /** Holds the workers in order while they answer at once; one that waits goes on in late(). */
  take(): void {
    const owners = this.owners;
    const steps = this.steps;
    while (this.at < this.workers.length) {
      const worker = this.workers[this.at];
      if (worker !== owners.self) this.links.set(worker, owners.linkIdOf(worker));
      const args = argsOf([TXHOLD.name, this.id, String(owners.self), ...this.holdArgs(worker)]);
      if (!steps.run(worker, WHOLE_WORKER, TXHOLD, args, this.at)) return;
      if (!this.heldOne(steps.now.kind, steps.now.payload)) return;
    }
    // A link that closed since its hold released that worker: running now would not be atomic.
    for (const [worker, link] of this.links) if (owners.linkIdOf(worker) !== link) return this.refuse(LINK_DOWN);
    this.taker.held(this.changed);
  }

  waiting(): void {
    this.taker.waiting();
  }

  late(_index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    if (this.heldOne(kind, payload)) this.take();
  }

  failed(err: Error): void {
    this.taker.failed(err);
  }

  /** A worker answered its TXHOLD: false when it refused (the hold is over). */
  private heldOne(kind: ReplyKind, payload: string): boolean {
    if (kind === ReplyKind.ERROR) {
      this.refuse(payload);
      return false;
    }
    this.changed += Number(payload);
    this.at++;
    return true;
  }

  private refuse(message: string): void {
    this.release();
    this.taker.refused(message);
  }

  /** Ends every hold taken (remote ones after the commands sent to them, on the same link). */
  release(): void {
    if (this.released) return;
    this.released = true;
    const owners = this.owners;
    let self = false;
    for (let i = 0; i < this.at; i++) {
      const worker = this.workers[i];
      if (worker === owners.self) {
        self = true;
        continue;
      }
      const link = this.links.get(worker);
      // A link gone since: its participant released the hold when it saw the link close.
      if (link !== undefined) owners.control(worker, TXABORT.opcode, argsOf([TXABORT.name, this.id]), link);
    }
    this.at = 0;
    // Last: this worker's release runs the work that waited for it.
    if (self) owners.endHold(this.id, false);
  }
}

/** What a plan sent whole to its owner hears back. */
export interface WholeTaker extends Failable {
  /** The owner's reply, already in the client's protocol (a copy: the frame's bytes are reused). */
  answered(reply: Buffer): void;
  refused(message: string): void;
}

/**
 * Sends a MULTI/EXEC or a script whole to the one worker owning every key (way `whole`): no hold
 * anywhere, one round trip, answered in the client's protocol (`mode`). False (nothing sent) when
 * the link to it is down.
 */
export function sendWhole(owners: OwnerSet, worker: number, request: OwnerRequest, mode: ReplyMode, taker: WholeTaker, reader = 0): boolean {
  if (!owners.isUp(worker)) return false;
  const pending: Pending = {
    client: taker,
    mode,
    settle(kind: ReplyKind, payload: string) {
      taker.refused(kind === ReplyKind.ERROR ? payload : REPLY_ERRORS.unexpectedFromOwner(payload));
    },
    settleEncoded(buf: Buffer, start: number, end: number) {
      taker.answered(Buffer.from(buf.subarray(start, end)));
    },
  };
  owners.send(worker, request.opcode, request.args, pending, reader);
  return true;
}
