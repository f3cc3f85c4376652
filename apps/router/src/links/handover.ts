import { ReplyKind } from '@kv/wire';
import { commandNamed, exportShard, type ShardNode } from '@kv/node';
import { Slot, type Peers, type SlotOwner } from './peers';

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
class Transfer implements SlotOwner {
  dirty = false;
  private readonly slots: Slot[] = [];
  private finished = false;

  constructor(
    private readonly expected: number,
    private readonly done: (error: string | null) => void,
  ) {}

  slot(): Slot {
    const slot = new Slot(this, false);
    this.slots.push(slot);
    return slot;
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

  flushResolved(): void {
    if (this.finished || this.slots.length < this.expected || !this.slots.every((slot) => slot.done)) return;
    this.finished = true;
    const failed = this.slots.find((slot) => slot.kind === ReplyKind.ERROR);
    this.done(failed === undefined ? null : failed.payload);
  }
}
