import { ReplyKind, ReplyMode } from '@kv/wire';
import { commandNamed, ShardExport, type ShardNode } from '@kv/node';
import type { Peers } from './peers';
import type { Failable, Pending } from './types';

const SHARDIMPORT = commandNamed('SHARDIMPORT');

/**
 * A hand-over not answered by then fails and the shard is put back here; the primary waits longer
 * (scaling.ts), so it hears this worker's answer rather than deciding on its own.
 */
export const HANDOVER_TIMEOUT_MS = 30_000;

export interface HandoverResult {
  keys: number;
  bytes: number;
}

/** Chunks sent and not yet answered, at most: the hand-over holds this many in memory at once. */
const WINDOW = 2;

/**
 * Sends one of this worker's shards to worker `to` (scaling.ts runs this only while the whole
 * cluster is paused, so nothing is in flight for it) and drops it here. The shard is detached
 * first (commands for it get an error, nothing evicts from it) and streamed: each chunk is made
 * from the store when an earlier one was answered, WINDOW in flight. If `to` does not take every
 * entry in time, the shard is put back here, whole, and the map keeps routing to this worker;
 * `to` drops what it got once the map says the shard is not its own (Router.applyMap), and
 * refuses chunks that arrive later (they carry the map version of the move).
 */
export function handOver(node: ShardNode, peers: Peers, shard: number, to: number, version: number, timeoutMs = HANDOVER_TIMEOUT_MS): Promise<HandoverResult> {
  return new Promise((resolve, reject) => {
    const shards = node.shards;
    // A transaction may still hold the shards for a moment (its commit is on the way): wait for it.
    shards.run(() => {
      const store = shards.store(shard);
      if (store === undefined) return reject(new Error(`shard ${shard} is not on this worker`));
      if (!peers.isUp(to)) return reject(new Error(`worker ${to} is not linked`));
      const result = { keys: store.size, bytes: store.bytes };
      const chunks = new ShardExport(store, shard, version);
      // From here on, a command that reaches the shard here anyway (a worker restarted
      // mid-resize routes unpaused) gets an error rather than a write the hand-over would lose.
      shards.detach(shard);
      const timer = setTimeout(() => transfer.fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      const transfer = new Transfer(
        () => {
          const args = chunks.next();
          if (args !== null) peers.request(to, SHARDIMPORT.opcode, args, transfer.slot());
          return chunks.done;
        },
        (error) => {
          clearTimeout(timer);
          if (error === null) {
            shards.handedOver(store);
            return resolve(result);
          }
          shards.restore(shard, store);
          reject(new Error(`worker ${to} did not take shard ${shard}: ${error}`));
        },
      );
      transfer.start();
    }, reject);
  });
}

/**
 * Sends a hand-over's chunks WINDOW at a time, the next when one is answered, and counts the
 * answers; the first error, or a timeout, fails it.
 */
class Transfer implements Failable {
  private sent = 0;
  private answered = 0;
  private last = false;
  private error: string | null = null;
  private finished = false;

  constructor(
    /** Sends the next chunk; true once that was the last. */
    private readonly sendNext: () => boolean,
    private readonly done: (error: string | null) => void,
  ) {}

  start(): void {
    this.fill();
  }

  private fill(): void {
    while (!this.last && !this.finished && this.error === null && this.sent - this.answered < WINDOW) {
      this.sent++;
      this.last = this.sendNext();
    }
  }

  /** Where the answer to one chunk goes. */
  slot(): Pending {
    return { client: this, mode: ReplyMode.FORM, settle: (kind, payload) => this.answer(kind, payload) };
  }

  private answer(kind: ReplyKind, payload: string): void {
    this.answered++;
    if (kind === ReplyKind.ERROR && this.error === null) this.error = payload;
    if (this.finished) return;
    this.fill();
    if (this.answered < this.sent || (!this.last && this.error === null)) return;
    this.finished = true;
    this.done(this.error);
  }

  /** Ends it now with an error; answers that come later are ignored. */
  fail(error: string): void {
    if (this.finished) return;
    this.finished = true;
    this.done(error);
  }

  /** Handling an answer threw: the hand-over fails (and puts the shard back), the link goes on. */
  failed(err: Error): void {
    this.fail(err.message);
  }
}
