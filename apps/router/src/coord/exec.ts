import { argsOf, type Args, type OutBuffer } from '@kv/wire';
import { commandNamed, lookup, type Plan as PlanName } from '@kv/node';
import type { PlanClient } from './plan';
import { Held, type OwnerRequest } from './held';

const EXECHERE = commandNamed('EXECHERE');
/** Plans a transaction's command may have to run whole on the one owner of its keys. */
const RUN_ON_OWNER: ReadonlySet<PlanName> = new Set(['one-key', 'each-key', 'atomic', 'script']);

/** What EXEC needs of its client (Conn): to run its queued commands as if just sent, in order. */
export interface ExecClient extends PlanClient {
  /** Set while the commands run: they pass the hold (Later.txid). */
  txid: string | null;
  /** Runs a queued command: its reply takes its place in the client's reply order. */
  runQueued(args: Args): void;
  /** The place in the client's reply order that the next owed reply would take. */
  readonly nextSeq: number;
  /** True when every owed reply before place `seq` is done. */
  answeredBefore(seq: number): boolean;
  /** Writes an array header where the next reply goes (EXEC run at once). */
  arrayHeader(n: number): void;
  /** Told of each owed reply done while this EXEC's commands are running (Conn.ready). */
  running: Exec | null;
}

/**
 * EXEC of a MULTI: its queued commands run one after another with no other client's command in
 * between on any worker they touch (Held). Its reply is an array header, then each command's own
 * reply in its place in the client's reply order; nil when a WATCHed key changed; an error when a
 * worker could not be held.
 */
export class Exec extends Held {
  private result: 'array' | 'nil' | 'error' = 'array';
  private error = '';
  /** The header went out with the commands (run at once, not placed). */
  private written = false;
  /** The reply-order place after the last command sent's. */
  private last = 0;
  /** The next queued command to send. */
  private next = 0;

  constructor(
    override readonly client: ExecClient,
    workers: Iterable<number>,
    private readonly queued: readonly Args[],
    /** Watched keys with the version each had at WATCH, by owning worker. */
    private readonly watches: ReadonlyMap<number, string[]>,
    /** Checks watched keys on this worker's own shards, when it runs with no hold. */
    private readonly changedHere: () => number,
  ) {
    super(client, workers);
  }

  /**
   * EXECHERE n-watched (key version)* (argc argv...)*: the whole transaction for the one worker
   * owning every key, when each command runs on keys alone (no connection, every-worker or
   * cursor command, which need this connection or every worker).
   */
  protected override ownerRequest(): OwnerRequest | null {
    const parts = ['EXECHERE'];
    const watches = [...this.watches.values()][0] ?? [];
    parts.push(String(watches.length / 2), ...watches);
    for (const args of this.queued) {
      const spec = lookup(args);
      if (spec === undefined || !RUN_ON_OWNER.has(spec.plan)) return null;
      parts.push(String(args.count));
      for (let i = 0; i < args.count; i++) parts.push(args.latin1(i));
    }
    return { opcode: EXECHERE.opcode, args: argsOf(parts) };
  }

  protected override holdArgs(worker: number): string[] {
    return this.watches.get(worker) ?? [];
  }

  protected run(): void {
    const client = this.client;
    const unheld = this.released;
    if (unheld && client.txid === null) this.changed += this.changedHere();
    if (this.changed > 0) {
      this.result = 'nil';
      this.release();
      return this.complete();
    }
    if (unheld) {
      // At once, here (nothing waited): header and replies go out in order as they are produced.
      client.arrayHeader(this.queued.length);
      this.written = true;
      this.done = true;
      for (const args of this.queued) client.runQueued(args);
      return;
    }
    this.place();
    this.done = true;
    client.txid = this.holdId;
    client.running = this;
    this.dispatch();
    client.ready();
  }

  /**
   * Sends the queued commands in order. A command's steps go out in order on each link, so the
   * next may follow at once, unless it takes more than one round of steps (MSETNX's writes after
   * its checks, a script's calls, a SCAN's next shard): then the next waits until it is done.
   */
  private dispatch(): void {
    const client = this.client;
    while (this.next < this.queued.length) {
      const args = this.queued[this.next++];
      client.runQueued(args);
      this.last = client.nextSeq;
      if (takesRounds(args) && !client.answeredBefore(this.last)) return;
    }
    this.check();
  }

  /** Some owed reply is done (Conn.ready calls it): go on, and once all are, the holds go. */
  check(): void {
    if (this.released || !this.client.answeredBefore(this.last)) return;
    if (this.next < this.queued.length) return this.dispatch();
    const client = this.client;
    client.txid = null;
    client.running = null;
    this.release();
    client.ready();
  }

  protected failed(message: string): void {
    this.result = 'error';
    this.error = message;
    this.complete();
  }

  encode(out: OutBuffer): void {
    if (this.encodeOwned(out)) return;
    // In the protocol EXEC was sent in: a WATCHed key changed is RESP2's `*-1`, RESP3's `_`.
    if (this.result === 'error') return this.replies.error(out, this.error);
    if (this.result === 'nil') return this.replies.nullArray(out);
    if (!this.written) this.replies.arrayHeader(out, this.queued.length);
  }
}

/** A command whose later steps are sent only after earlier ones answered. */
function takesRounds(args: Args): boolean {
  const spec = lookup(args);
  return spec !== undefined && (spec.plan === 'script' || spec.plan === 'cursor' || spec.name === 'MSETNX');
}
