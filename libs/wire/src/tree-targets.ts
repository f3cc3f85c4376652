import type { OutBuffer } from './out';
import { doubleText, resp3Double, resp3MapHeader, resp3Null, resp3SetHeader, respArrayHeader, respBulkBytes, respBulkLatin1, respNull, respNullArray } from './resp-encode';
import { TEXT_NOTFOUND } from './text';
import { transcodeTree, TreeTag, type TreeTarget } from './tree';

/** How each protocol writes a reply tree's parts (tree.ts): the encoders' `tree` (replies.ts). */

const NEWLINE = 0x0a;
const COLON = 0x3a;
const NOTHING = (): void => {};

function textLine(out: OutBuffer, text: string): void {
  out.latin1(text);
  out.u8(NEWLINE);
}

/** A line of src[start, end) with a one-byte prefix (`+`, `:`) or none (-1: the text protocol). */
function lineOf(out: OutBuffer, prefix: number, src: Uint8Array, start: number, end: number, text: boolean): void {
  if (prefix >= 0) out.u8(prefix);
  out.bytes(src, start, end);
  if (!text) out.u8(0x0d);
  out.u8(NEWLINE);
}

/** Trees in the text protocol: one line per scalar, aggregates write nothing. */
export const TEXT_TREE: TreeTarget = {
  bulk: (out, src, start, end) => lineOf(out, -1, src, start, end, true),
  status: (out, src, start, end) => lineOf(out, -1, src, start, end, true),
  integer: (out, src, start, end) => lineOf(out, -1, src, start, end, true),
  double: (out, n) => textLine(out, doubleText(n)),
  nil: (out) => out.all(TEXT_NOTFOUND),
  nullArray: (out) => out.all(TEXT_NOTFOUND),
  header: NOTHING,
  pair: NOTHING,
};

/** Trees in RESP2: a map or pairs a flat array, keyed an array of 2-item arrays, a set an array, a double a bulk string. */
export const RESP2_TREE: TreeTarget = {
  bulk: (out, src, start, end) => respBulkBytes(out, src, start, end),
  status: (out, src, start, end) => lineOf(out, 0x2b, src, start, end, false),
  integer: (out, src, start, end) => lineOf(out, COLON, src, start, end, false),
  double: (out, n) => respBulkLatin1(out, doubleText(n)),
  nil: (out) => respNull(out),
  nullArray: (out) => respNullArray(out),
  header: (out, tag, count) => respArrayHeader(out, tag === TreeTag.MAP || tag === TreeTag.PAIRS ? count * 2 : count),
  pair: (out, tag) => {
    if (tag === TreeTag.KEYED) respArrayHeader(out, 2);
  },
};

/** Trees in RESP3: maps and keyed `%`, sets `~`, doubles `,`, nulls `_`, pairs as 2-item arrays. */
export const RESP3_TREE: TreeTarget = {
  bulk: (out, src, start, end) => respBulkBytes(out, src, start, end),
  status: (out, src, start, end) => lineOf(out, 0x2b, src, start, end, false),
  integer: (out, src, start, end) => lineOf(out, COLON, src, start, end, false),
  double: (out, n) => resp3Double(out, n),
  nil: (out) => resp3Null(out),
  nullArray: (out) => resp3Null(out),
  header(out, tag, count) {
    if (tag === TreeTag.MAP || tag === TreeTag.KEYED) resp3MapHeader(out, count);
    else if (tag === TreeTag.SET) resp3SetHeader(out, count);
    else respArrayHeader(out, count);
  },
  pair: (out, tag) => {
    if (tag === TreeTag.PAIRS) respArrayHeader(out, 2);
  },
};

/** A TREE reply's payload (its bytes as latin1, from a frame), transcoded. */
export function treeOfPayload(out: OutBuffer, payload: string, target: TreeTarget): void {
  const bytes = Buffer.from(payload, 'latin1');
  transcodeTree(out, bytes, 0, bytes.length, target);
}

