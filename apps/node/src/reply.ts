import { ReplyKind, type Items } from '@kv/wire';
import type { ReplySink } from './types';

export type { ReplySink } from './types';
export { ERR } from './errors';

/**
 * A ReplySink that passes every reply on as (kind, payload), for replies that are kept or sent
 * between workers rather than encoded for a client.
 */
export abstract class KindedReply implements ReplySink {
  /** `items` only for ARRAY and MAP (payload then '') and CURSOR (payload the cursor). */
  protected abstract reply(kind: ReplyKind, payload: string, items?: Items): void;
  ok(): void {
    this.reply(ReplyKind.OK, '');
  }
  status(text: string): void {
    this.reply(ReplyKind.STATUS, text);
  }
  nil(): void {
    this.reply(ReplyKind.NIL, '');
  }
  bulk(value: string): void {
    this.reply(ReplyKind.BULK, value);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    this.reply(ReplyKind.BULK, Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).latin1Slice(start, end));
  }
  integer(n: number | bigint): void {
    this.reply(ReplyKind.INTEGER, String(n));
  }
  error(message: string): void {
    this.reply(ReplyKind.ERROR, message);
  }
  array(items: Items): void {
    this.reply(ReplyKind.ARRAY, '', items);
  }
  map(items: Items): void {
    this.reply(ReplyKind.MAP, '', items);
  }
  nullArray(): void {
    this.reply(ReplyKind.NULL_ARRAY, '');
  }
  cursor(cursor: string, items: Items): void {
    this.reply(ReplyKind.CURSOR, cursor, items);
  }
}

/** Hands each reply to a function. */
export class ReplyTo extends KindedReply {
  constructor(private readonly to: (kind: ReplyKind, payload: string, items?: Items) => void) {
    super();
  }
  protected reply(kind: ReplyKind, payload: string, items?: Items): void {
    this.to(kind, payload, items);
  }
}
