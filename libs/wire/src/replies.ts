import { countError } from './error-counts';
import { ReplyKind, ReplyMode, type Items } from './frame';
import type { OutBuffer } from './out';
import {
  resp3BigNumber,
  resp3Boolean,
  resp3Double,
  resp3MapHeader,
  resp3Null,
  resp3SetHeader,
  resp3PushHeader,
  resp3Verbatim,
  respArrayHeader,
  respBulkBytes,
  respBulkLatin1,
  respError,
  respInteger,
  respNull,
  respNullArray,
  respSimple,
  doubleText,
} from './resp-encode';
import { TEXT_ERROR, TEXT_NOTFOUND, TEXT_OK } from './text';
import { transcodeTree } from './tree';
import { RESP2_TREE, RESP3_TREE, TEXT_TREE, treeOfPayload } from './tree-targets';

const NEWLINE = 0x0a;
const COLON = 0x3a;

/**
 * One client protocol's reply encoding: every reply a command can give, appended to an
 * OutBuffer. A connection picks TEXT_REPLIES, RESP_REPLIES or RESP3_REPLIES per command (by the
 * protocol the command came in, and for RESP what HELLO chose); a worker serving a forwarded
 * command encodes with the asking client's, so the reply crosses to that client as bytes
 * (ReplyKind.ENCODED).
 *
 * RESP3's types fall back as Redis's do in RESP2: a map is a flat array of keys and values, a set
 * an array, a verbatim string or a double a bulk string, a boolean 1 or 0, a big number a bulk
 * string; nil is `$-1` and a nil array `*-1` where RESP3 has one null `_`. The seed's text
 * protocol has no aggregates: an array or a map is one line per item, headers write nothing.
 */
export interface ReplyEncoder {
  /** True for RESP2 and RESP3. */
  readonly resp: boolean;
  /** The reply mode a forwarded command asks for to get its reply encoded in this protocol. */
  readonly mode: ReplyMode.TEXT | ReplyMode.RESP | ReplyMode.RESP3;
  /** It writes nothing (CLIENT REPLY OFF / SKIP: silent.ts); a reply owed in it is dropped too. */
  readonly silent?: boolean;
  ok(out: OutBuffer): void;
  status(out: OutBuffer, text: string): void;
  nil(out: OutBuffer): void;
  bulk(out: OutBuffer, value: string): void;
  /** A bulk string whose bytes are src[start, end) (copied into `out`). */
  bulkBytes(out: OutBuffer, src: Uint8Array, start: number, end: number): void;
  integer(out: OutBuffer, n: number | bigint): void;
  error(out: OutBuffer, message: string): void;
  /** A list of values (undefined: nil). */
  array(out: OutBuffer, items: Items): void;
  /** Field and value pairs as one flat list (undefined: nil): a RESP3 map, a flat array in RESP2. */
  map(out: OutBuffer, items: Items): void;
  /** No list at all (EXEC of an aborted transaction). */
  nullArray(out: OutBuffer): void;
  /** Headers of aggregates whose items the caller appends next (n items; a map's n pairs). */
  arrayHeader(out: OutBuffer, n: number): void;
  mapHeader(out: OutBuffer, pairs: number): void;
  setHeader(out: OutBuffer, n: number): void;
  /** A push message's header (n items follow): RESP3 `>n`, an array in RESP2, nothing in the text protocol. */
  pushHeader(out: OutBuffer, n: number): void;
  /** Text for people (INFO, CLIENT LIST): RESP3 verbatim `txt`, a bulk string in RESP2. */
  verbatim(out: OutBuffer, text: string): void;
  double(out: OutBuffer, n: number): void;
  boolean(out: OutBuffer, value: boolean): void;
  bigNumber(out: OutBuffer, digits: string | bigint): void;
  /** A SCAN-family reply: [cursor, [items...]]. */
  cursor(out: OutBuffer, cursor: string, items: Items): void;
  /** A reply tree (tree.ts) at src[start, end), in this protocol; throws FrameError for a corrupt one. */
  tree(out: OutBuffer, src: Buffer, start: number, end: number): void;
  /** A reply in its inter-process form (kind, payload as latin1; INTEGER's payload is its digits; ARRAY's and MAP's items). */
  kind(out: OutBuffer, kind: ReplyKind, payload: string, items?: Items): void;
}

const NOTHING = (): void => {};

/** The seed's ERROR stands for any error: counted under the code of the one it stands for. */
function textError(out: OutBuffer, message: string): void {
  countError(message === '' ? 'ERR' : message);
  out.all(TEXT_ERROR);
}

function countedRespError(out: OutBuffer, message: string): void {
  countError(message);
  respError(out, message);
}

/** The seed's text protocol: `OK`, `NOTFOUND`, `ERROR` (whatever the error), anything else as a line. */
export const TEXT_REPLIES: ReplyEncoder = {
  resp: false,
  mode: ReplyMode.TEXT,
  ok: (out) => out.all(TEXT_OK),
  status: (out, text) => textLine(out, text),
  nil: (out) => out.all(TEXT_NOTFOUND),
  bulk: (out, value) => textLine(out, value),
  bulkBytes(out, src, start, end) {
    out.bytes(src, start, end);
    out.u8(NEWLINE);
  },
  integer: (out, n) => textLine(out, String(n)),
  error: (out, message) => textError(out, message),
  /** The seed has no lists: one line per item (NOTFOUND for nil). */
  array: (out, items) => textItems(out, items),
  map: (out, items) => textItems(out, items),
  nullArray: (out) => out.all(TEXT_NOTFOUND),
  /** The cursor's line, then one per item. */
  cursor(out, cursor, items) {
    textLine(out, cursor);
    textItems(out, items);
  },
  arrayHeader: NOTHING,
  mapHeader: NOTHING,
  setHeader: NOTHING,
  pushHeader: NOTHING,
  verbatim: (out, text) => textLine(out, text),
  double: (out, n) => textLine(out, doubleText(n)),
  boolean: (out, value) => textLine(out, value ? '1' : '0'),
  bigNumber: (out, digits) => textLine(out, String(digits)),
  tree: (out, src, start, end) => transcodeTree(out, src, start, end, TEXT_TREE),
  kind(out, kind, payload, items) {
    switch (kind) {
      case ReplyKind.ARRAY:
      case ReplyKind.MAP:
        return textItems(out, items ?? []);
      case ReplyKind.TREE:
        return treeOfPayload(out, payload, TEXT_TREE);
      case ReplyKind.CURSOR:
        return this.cursor(out, payload, items ?? []);
      case ReplyKind.OK:
        return out.all(TEXT_OK);
      case ReplyKind.NIL:
      case ReplyKind.NULL_ARRAY:
        return out.all(TEXT_NOTFOUND);
      case ReplyKind.ERROR:
        return textError(out, payload);
      default:
        return textLine(out, payload);
    }
  },
};

/** RESP2. */
export const RESP_REPLIES: ReplyEncoder = {
  resp: true,
  mode: ReplyMode.RESP,
  ok: (out) => respSimple(out, 'OK'),
  status: (out, text) => respSimple(out, text),
  nil: (out) => respNull(out),
  bulk: (out, value) => respBulkLatin1(out, value),
  bulkBytes: (out, src, start, end) => respBulkBytes(out, src, start, end),
  integer: (out, n) => respInteger2(out, n),
  error: (out, message) => countedRespError(out, message),
  array: (out, items) => respItems(out, items, false),
  map: (out, items) => respItems(out, items, false),
  nullArray: (out) => respNullArray(out),
  cursor(out, cursor, items) {
    respArrayHeader(out, 2);
    respBulkLatin1(out, cursor);
    respItems(out, items, false);
  },
  arrayHeader: (out, n) => respArrayHeader(out, n),
  mapHeader: (out, pairs) => respArrayHeader(out, pairs * 2),
  setHeader: (out, n) => respArrayHeader(out, n),
  pushHeader: (out, n) => respArrayHeader(out, n),
  verbatim: (out, text) => respBulkLatin1(out, text),
  double: (out, n) => respBulkLatin1(out, doubleText(n)),
  boolean: (out, value) => respInteger(out, value ? 1 : 0),
  bigNumber: (out, digits) => respBulkLatin1(out, String(digits)),
  tree: (out, src, start, end) => transcodeTree(out, src, start, end, RESP2_TREE),
  kind(out, kind, payload, items) {
    switch (kind) {
      case ReplyKind.ARRAY:
      case ReplyKind.MAP:
        return respItems(out, items ?? [], false);
      case ReplyKind.TREE:
        return treeOfPayload(out, payload, RESP2_TREE);
      case ReplyKind.NULL_ARRAY:
        return respNullArray(out);
      case ReplyKind.CURSOR:
        return this.cursor(out, payload, items ?? []);
      case ReplyKind.NIL:
        return respNull(out);
      default:
        return respScalarKind(out, kind, payload);
    }
  },
};

/** RESP3 (a connection after HELLO 3): nulls `_`, maps `%`, sets `~`, verbatim `=`, doubles `,`, booleans `#`, big numbers `(`. */
export const RESP3_REPLIES: ReplyEncoder = {
  resp: true,
  mode: ReplyMode.RESP3,
  ok: (out) => respSimple(out, 'OK'),
  status: (out, text) => respSimple(out, text),
  nil: (out) => resp3Null(out),
  bulk: (out, value) => respBulkLatin1(out, value),
  bulkBytes: (out, src, start, end) => respBulkBytes(out, src, start, end),
  integer: (out, n) => respInteger2(out, n),
  error: (out, message) => countedRespError(out, message),
  array: (out, items) => respItems(out, items, true),
  map: (out, items) => resp3Map(out, items),
  cursor(out, cursor, items) {
    respArrayHeader(out, 2);
    respBulkLatin1(out, cursor);
    respItems(out, items, true);
  },
  nullArray: (out) => resp3Null(out),
  arrayHeader: (out, n) => respArrayHeader(out, n),
  mapHeader: (out, pairs) => resp3MapHeader(out, pairs),
  setHeader: (out, n) => resp3SetHeader(out, n),
  pushHeader: (out, n) => resp3PushHeader(out, n),
  verbatim: (out, text) => resp3Verbatim(out, text),
  double: (out, n) => resp3Double(out, n),
  boolean: (out, value) => resp3Boolean(out, value),
  bigNumber: (out, digits) => resp3BigNumber(out, digits),
  tree: (out, src, start, end) => transcodeTree(out, src, start, end, RESP3_TREE),
  kind(out, kind, payload, items) {
    switch (kind) {
      case ReplyKind.ARRAY:
        return respItems(out, items ?? [], true);
      case ReplyKind.TREE:
        return treeOfPayload(out, payload, RESP3_TREE);
      case ReplyKind.MAP:
        return resp3Map(out, items ?? []);
      case ReplyKind.CURSOR:
        return this.cursor(out, payload, items ?? []);
      case ReplyKind.NIL:
      case ReplyKind.NULL_ARRAY:
        return resp3Null(out);
      default:
        return respScalarKind(out, kind, payload);
    }
  },
};

const BY_MODE: readonly (ReplyEncoder | null)[] = [null, TEXT_REPLIES, RESP_REPLIES, RESP3_REPLIES];

/** The encoder of a protocol: RESP2 when `resp`, else the seed's text protocol. */
export function repliesFor(resp: boolean): ReplyEncoder {
  return resp ? RESP_REPLIES : TEXT_REPLIES;
}

/** The encoder a request of this reply mode is answered in; null for FORM (kind and payload). */
export function repliesForMode(mode: ReplyMode): ReplyEncoder | null {
  return BY_MODE[mode] ?? null;
}

function respInteger2(out: OutBuffer, n: number | bigint): void {
  if (typeof n === 'number') return respInteger(out, n);
  out.latin1(`:${n}\r\n`);
}

/** The kinds whose RESP2 and RESP3 forms are the same. */
function respScalarKind(out: OutBuffer, kind: ReplyKind, payload: string): void {
  switch (kind) {
    case ReplyKind.OK:
      return respSimple(out, 'OK');
    case ReplyKind.STATUS:
      return respSimple(out, payload);
    case ReplyKind.BULK:
      return respBulkLatin1(out, payload);
    case ReplyKind.INTEGER:
      out.u8(COLON);
      out.latin1(payload);
      out.latin1('\r\n');
      return;
    default:
      return countedRespError(out, payload);
  }
}

/** An array of bulk strings, nil items as `$-1` (RESP2) or `_` (RESP3). */
function respItems(out: OutBuffer, items: Items, resp3: boolean): void {
  respArrayHeader(out, items.length);
  for (const item of items) {
    if (item !== undefined) respBulkLatin1(out, item);
    else if (resp3) resp3Null(out);
    else respNull(out);
  }
}

function resp3Map(out: OutBuffer, items: Items): void {
  resp3MapHeader(out, items.length >> 1);
  for (const item of items) {
    if (item === undefined) resp3Null(out);
    else respBulkLatin1(out, item);
  }
}

function textItems(out: OutBuffer, items: Items): void {
  for (const item of items) {
    if (item === undefined) out.all(TEXT_NOTFOUND);
    else textLine(out, item);
  }
}

function textLine(out: OutBuffer, text: string): void {
  out.latin1(text);
  out.u8(NEWLINE);
}
