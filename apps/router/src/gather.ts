import { ReplyKind } from '@kv/wire';
import type { ReplySink } from '@kv/node';
import { Slot, type Peers, type SlotOwner } from './peers';

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
    readonly combine: 'sum' | 'list' | 'ok',
    parts: number,
  ) {
    super(owner, resp);
    this.remaining = parts;
    this.kinds = combine === 'list' ? new Array<ReplyKind>(parts) : [];
    this.values = combine === 'list' ? new Array<string>(parts) : [];
  }

  part(index: number, kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else if (this.combine === 'sum') {
      this.sum += Number(payload);
    } else if (this.combine === 'list') {
      this.kinds[index] = kind;
      this.values[index] = payload;
    }
    this.remaining--;
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

/** Captures the reply of a part run on this worker's own shards. */
export class PartSink implements ReplySink {
  gather: Gather | null = null;
  index = 0;
  ok(): void {
    this.gather!.part(this.index, ReplyKind.OK, '');
  }
  status(text: string): void {
    this.gather!.part(this.index, ReplyKind.STATUS, text);
  }
  nil(): void {
    this.gather!.part(this.index, ReplyKind.NIL, '');
  }
  bulk(value: string): void {
    this.gather!.part(this.index, ReplyKind.BULK, value);
  }
  integer(n: number | bigint): void {
    this.gather!.part(this.index, ReplyKind.INTEGER, String(n));
  }
  error(message: string): void {
    this.gather!.part(this.index, ReplyKind.ERROR, message);
  }
}

/** Settles a slot with the reply of work that ran later on this worker (it waited its turn). */
export class SettleSink implements ReplySink {
  constructor(
    private readonly slot: Slot,
    private readonly peers: Peers,
  ) {}
  ok(): void {
    this.slot.settle(ReplyKind.OK, '', this.peers);
  }
  status(text: string): void {
    this.slot.settle(ReplyKind.STATUS, text, this.peers);
  }
  nil(): void {
    this.slot.settle(ReplyKind.NIL, '', this.peers);
  }
  bulk(value: string): void {
    this.slot.settle(ReplyKind.BULK, value, this.peers);
  }
  integer(n: number | bigint): void {
    this.slot.settle(ReplyKind.INTEGER, String(n), this.peers);
  }
  error(message: string): void {
    this.slot.settle(ReplyKind.ERROR, message, this.peers);
  }
}
