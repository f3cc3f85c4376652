import { ReplyKind, ReplyMode } from '@kv/wire';
import { commandNamed, exportShard, type ShardNode } from '@kv/node';
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

/**
 * Sends one of this worker's shards to worker `to` (scaling.ts runs this only while the whole
 * cluster is paused, so nothing is in flight for it) and drops it here. If `to` does not take
 * every entry in time, the shard is put back here, whole, and the map keeps routing to this
 * worker; `to` drops what it got once the map says the shard is not its own (Router.applyMap), and
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
      const chunks = exportShard(store, shard, version);
      // From the snapshot on, a command that reaches the shard here anyway (a worker restarted
      // mid-resize routes unpaused) gets an error rather than a write the hand-over would lose.
      shards.drop(shard);
      const timer = setTimeout(() => transfer.fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      const transfer = new Transfer(chunks.length, (error) => {
        clearTimeout(timer);
        if (error === null) return resolve(result);
        shards.restore(shard, store);
        reject(new Error(`worker ${to} did not take shard ${shard}: ${error}`));
      });
      for (const args of chunks) peers.request(to, SHARDIMPORT.opcode, args, transfer.slot());
    }, reject);
  });
}

/** Counts the receiver's answers to a hand-over's chunks; the first error, or a timeout, fails it. */
class Transfer implements Failable {
  private answered = 0;
  private error: string | null = null;
  private finished = false;

  constructor(
    private readonly expected: number,
    private readonly done: (error: string | null) => void,
  ) {}

  /** Where the answer to one chunk goes. */
  slot(): Pending {
    return { client: this, mode: ReplyMode.FORM, settle: (kind, payload) => this.answer(kind, payload) };
  }

  private answer(kind: ReplyKind, payload: string): void {
    this.answered++;
    if (kind === ReplyKind.ERROR && this.error === null) this.error = payload;
    if (this.finished || this.answered < this.expected) return;
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
