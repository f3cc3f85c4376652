import { ReplyKind, respArrayHeader, respBulkLatin1, unpackList, type OutBuffer } from '@kv/wire';
import { KindedReply, mergeInfo, ReplyTo, type ReplySink } from '@kv/node';
import { Slot, type Peers, type SlotOwner } from '../links/peers';

/**
 * One reply combined from several parts: a multi-key command run once per key (MGET, DEL ...)
 * or a command run on every worker (DBSIZE, FLUSHALL). It takes one place in the client's reply
 * order like any forwarded command, and is done when its last part is.
 */
export class Gather extends Slot {
  remaining: number;
  sum = 0;
  error = '';
  readonly kinds: ReplyKind[];
  readonly values: string[];

  constructor(
    owner: SlotOwner,
    resp: boolean,
    readonly combine: 'sum' | 'list' | 'ok' | 'concat' | 'info' | 'scan',
    parts: number,
  ) {
    super(owner, resp);
    this.remaining = parts;
    const byPart = combine === 'list' || combine === 'concat' || combine === 'info';
    this.kinds = byPart ? new Array<ReplyKind>(parts) : [];
    this.values = byPart ? new Array<string>(parts) : [];
  }

  part(index: number, kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else if (this.combine === 'sum') {
      this.sum += Number(payload);
    } else if (this.combine === 'list' || this.combine === 'concat' || this.combine === 'info') {
      this.kinds[index] = kind;
      this.values[index] = payload;
    }
    this.remaining--;
  }

  /**
   * Encodes the combined reply of the shapes that are not a sum, an OK or a list of values:
   * `concat` (KEYS) one array of every part's packed list, in worker order; `info` the merged
   * INFO text. False for the other shapes (the caller encodes those; errors come first there).
   */
  encodeReply(out: OutBuffer): boolean {
    if (this.combine === 'info') {
      respBulkLatin1(out, mergeInfo(this.values));
      return true;
    }
    if (this.combine !== 'concat') return false;
    const lists: string[][] = [];
    let total = 0;
    for (let i = 0; i < this.values.length; i++) {
      if (this.kinds[i] !== ReplyKind.BULK) continue;
      const list = unpackList(this.values[i]);
      lists.push(list);
      total += list.length;
    }
    respArrayHeader(out, total);
    for (const list of lists) for (const item of list) respBulkLatin1(out, item);
    return true;
  }
}

/** A part of a Gather sent to another worker. */
export class PartSlot extends Slot {
  constructor(
    readonly gather: Gather,
    readonly index: number,
  ) {
    super(gather.owner, gather.resp);
  }

  override settle(kind: ReplyKind, payload: string, peers: Peers): void {
    const gather = this.gather;
    gather.part(this.index, kind, payload);
    if (gather.remaining === 0) {
      gather.done = true;
      peers.markDirty(gather.owner);
    }
  }
}

/** Captures the reply of a part run on this worker's own shards (one object, reused). */
export class PartSink extends KindedReply {
  gather: Gather | null = null;
  index = 0;
  protected reply(kind: ReplyKind, payload: string): void {
    this.gather!.part(this.index, kind, payload);
  }
}

/** Settles a slot with the reply of work that ran later on this worker (it waited its turn). */
export function settleSink(slot: Slot, peers: Peers): ReplySink {
  return new ReplyTo((kind, payload) => slot.settle(kind, payload, peers));
}

