import { ReplyKind, type Items } from './frame';
import type { OutBuffer } from './out';
import { respArrayHeader, respBulkLatin1, respError, respInteger, respNull, respSimple } from './resp-encode';
import { TEXT_ERROR, TEXT_NOTFOUND, TEXT_OK } from './text';

const NEWLINE = 0x0a;
const COLON = 0x3a;

/**
 * One client protocol's reply encoding: every reply a command can give, appended to an
 * OutBuffer. A connection picks TEXT_REPLIES or RESP_REPLIES per command (by the protocol the
 * command came in); a worker serving a forwarded command encodes with the asking client's, so
 * the reply crosses to that client as bytes (ReplyKind.ENCODED).
 */
export interface ReplyEncoder {
  readonly resp: boolean;
  ok(out: OutBuffer): void;
  status(out: OutBuffer, text: string): void;
  nil(out: OutBuffer): void;
  bulk(out: OutBuffer, value: string): void;
  integer(out: OutBuffer, n: number | bigint): void;
  error(out: OutBuffer, message: string): void;
  /** A list of values (undefined: nil). */
  array(out: OutBuffer, items: Items): void;
  /** A SCAN-family reply: [cursor, [items...]]. */
  cursor(out: OutBuffer, cursor: string, items: Items): void;
  /** A reply in its inter-process form (kind, payload as latin1; INTEGER's payload is its digits; ARRAY's items). */
  kind(out: OutBuffer, kind: ReplyKind, payload: string, items?: Items): void;
}

/** The seed's text protocol: `OK`, `NOTFOUND`, `ERROR` (whatever the error), anything else as a line. */
export const TEXT_REPLIES: ReplyEncoder = {
  resp: false,
  ok: (out) => out.all(TEXT_OK),
  status: (out, text) => textLine(out, text),
  nil: (out) => out.all(TEXT_NOTFOUND),
  bulk: (out, value) => textLine(out, value),
  integer: (out, n) => textLine(out, String(n)),
  error: (out) => out.all(TEXT_ERROR),
  /** The seed has no lists: one line per item (NOTFOUND for nil). */
  array(out, items) {
    for (const item of items) {
      if (item === undefined) out.all(TEXT_NOTFOUND);
      else textLine(out, item);
    }
  },
  /** The cursor's line, then one per item. */
  cursor(out, cursor, items) {
    textLine(out, cursor);
    this.array(out, items);
  },
  kind(out, kind, payload, items) {
    switch (kind) {
      case ReplyKind.ARRAY:
        return this.array(out, items ?? []);
      case ReplyKind.CURSOR:
        return this.cursor(out, payload, items ?? []);
      case ReplyKind.OK:
        return out.all(TEXT_OK);
      case ReplyKind.NIL:
        return out.all(TEXT_NOTFOUND);
      case ReplyKind.ERROR:
        return out.all(TEXT_ERROR);
      default:
        return textLine(out, payload);
    }
  },
};

/** RESP2. */
export const RESP_REPLIES: ReplyEncoder = {
  resp: true,
  ok: (out) => respSimple(out, 'OK'),
  status: (out, text) => respSimple(out, text),
  nil: (out) => respNull(out),
  bulk: (out, value) => respBulkLatin1(out, value),
  integer(out, n) {
    if (typeof n === 'number') return respInteger(out, n);
    out.latin1(`:${n}\r\n`);
  },
  error: (out, message) => respError(out, message),
  array(out, items) {
    respArrayHeader(out, items.length);
    for (const item of items) {
      if (item === undefined) respNull(out);
      else respBulkLatin1(out, item);
    }
  },
  cursor(out, cursor, items) {
    respArrayHeader(out, 2);
    respBulkLatin1(out, cursor);
    this.array(out, items);
  },
  kind(out, kind, payload, items) {
    switch (kind) {
      case ReplyKind.ARRAY:
        return this.array(out, items ?? []);
      case ReplyKind.CURSOR:
        return this.cursor(out, payload, items ?? []);
      case ReplyKind.OK:
        return respSimple(out, 'OK');
      case ReplyKind.STATUS:
        return respSimple(out, payload);
      case ReplyKind.NIL:
        return respNull(out);
      case ReplyKind.BULK:
        return respBulkLatin1(out, payload);
      case ReplyKind.INTEGER:
        out.u8(COLON);
        out.latin1(payload);
        out.latin1('\r\n');
        return;
      default:
        return respError(out, payload);
    }
  },
};

/** The encoder of a protocol: RESP when `resp`, else the seed's text protocol. */
export function repliesFor(resp: boolean): ReplyEncoder {
  return resp ? RESP_REPLIES : TEXT_REPLIES;
}

function textLine(out: OutBuffer, text: string): void {
  out.latin1(text);
  out.u8(NEWLINE);
}
