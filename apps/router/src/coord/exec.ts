import { respArrayHeader, respError, type Args, type OutBuffer } from '@kv/wire';
import type { PlanClient } from './plan';
import { Held } from './held';

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
  /** The reply-order place after the last command's. */
  private last = 0;

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
    for (const args of this.queued) client.runQueued(args);
    client.ready();
    // Released once every command of it has its reply: a step answered late (an MSETNX's
    // writes, a SCAN's next shard) still runs under the hold.
    this.last = client.nextSeq;
    client.running = this;
    this.check();
  }

  /** Some owed reply is done: once all of this EXEC's are, the holds go (Conn.ready calls it). */
  check(): void {
    if (this.released || !this.client.answeredBefore(this.last)) return;
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
    if (this.result === 'error') return respError(out, this.error);
    if (this.result === 'nil') return out.latin1('*-1\r\n');
    if (!this.written) respArrayHeader(out, this.queued.length);
  }
}
