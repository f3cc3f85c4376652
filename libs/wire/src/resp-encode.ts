import type { OutBuffer } from './out';

/** RESP2 and RESP3 reply encoding: each function appends one reply (or an aggregate's header) to an OutBuffer. */

const CR = 0x0d;
const LF = 0x0a;
const DOLLAR = 0x24;
const MINUS = 0x2d;
const ZERO = 0x30;
export const RESP_OK = Buffer.from('+OK\r\n');
export const RESP_PONG = Buffer.from('+PONG\r\n');
export const RESP_NULL = Buffer.from('$-1\r\n');
export const RESP_NULL_ARRAY = Buffer.from('*-1\r\n');
export const RESP_ZERO = Buffer.from(':0\r\n');
export const RESP_ONE = Buffer.from(':1\r\n');
export const RESP_EMPTY_ARRAY = Buffer.from('*0\r\n');
export const RESP_EMPTY_BULK = Buffer.from('$0\r\n\r\n');
/** RESP3's one null, for a missing value and a missing aggregate alike. */
export const RESP3_NULL = Buffer.from('_\r\n');
export const RESP3_TRUE = Buffer.from('#t\r\n');
export const RESP3_FALSE = Buffer.from('#f\r\n');

const PLUS = 0x2b;
const COLON = 0x3a;
const STAR = 0x2a;
const PERCENT = 0x25;
const TILDE = 0x7e;
const EQUALS = 0x3d;
const COMMA = 0x2c;
const PAREN = 0x28;
/** Enough for a prefix, a sign, 16 digits (2^53) and CRLF. */
const MAX_HEADER_BYTES = 24;
const TWO_POW_31 = 2 ** 31;
const TWO_POW_53 = 2 ** 53;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/** `+<text>\r\n`; text is latin1 without CR or LF. */
export function respSimple(out: OutBuffer, text: string): void {
  writeLine(out, PLUS, oneLine(text));
}

/** `-<text>\r\n`, text being e.g. `ERR unknown command`; CR and LF in it become spaces. */
export function respError(out: OutBuffer, text: string): void {
  writeLine(out, MINUS, oneLine(text));
}

/** Errors quote client input; a CR or LF in it would end the line early, so it becomes a space (as Redis does). */
function oneLine(text: string): string {
  return text.indexOf('\r') < 0 && text.indexOf('\n') < 0 ? text : text.replace(/[\r\n]/g, ' ');
}

/** `:<n>\r\n`; n an integer (exact up to 2^53 without allocating, exact beyond through BigInt). */
export function respInteger(out: OutBuffer, n: number): void {
  writeNumberLine(out, COLON, n);
}

/** `$<len>\r\n<text>\r\n`; text is latin1, one char per byte. */
export function respBulkLatin1(out: OutBuffer, text: string): void {
  const n = text.length;
  out.ensure(MAX_HEADER_BYTES + n + 2);
  writeNumberLine(out, DOLLAR, n);
  const buf = out.buf;
  let o = out.length;
  o += buf.latin1Write(text, o, n);
  buf[o++] = CR;
  buf[o++] = LF;
  out.length = o;
}

/** `$<len>\r\n<bytes>\r\n` for src[start, end). */
export function respBulkBytes(out: OutBuffer, src: Uint8Array, start: number, end: number): void {
  out.ensure(MAX_HEADER_BYTES + end - start + 2);
  writeNumberLine(out, DOLLAR, end - start);
  out.bytes(src, start, end);
  const buf = out.buf;
  buf[out.length++] = CR;
  buf[out.length++] = LF;
}

/** `$-1\r\n`, the RESP2 nil. */
export function respNull(out: OutBuffer): void {
  out.bytes(RESP_NULL, 0, RESP_NULL.length);
}

/** `*-1\r\n`, the RESP2 nil array. */
export function respNullArray(out: OutBuffer): void {
  out.bytes(RESP_NULL_ARRAY, 0, RESP_NULL_ARRAY.length);
}

/** `*<n>\r\n`, to be followed by n replies. */
export function respArrayHeader(out: OutBuffer, n: number): void {
  writeNumberLine(out, STAR, n);
}

/** `_\r\n`, RESP3's null (a nil value, a nil item, a nil array). */
export function resp3Null(out: OutBuffer): void {
  out.bytes(RESP3_NULL, 0, RESP3_NULL.length);
}

/** `%<pairs>\r\n`, a RESP3 map header, to be followed by 2 x pairs replies (key, value ...). */
export function resp3MapHeader(out: OutBuffer, pairs: number): void {
  writeNumberLine(out, PERCENT, pairs);
}

/** `~<n>\r\n`, a RESP3 set header, to be followed by n replies. */
export function resp3SetHeader(out: OutBuffer, n: number): void {
  writeNumberLine(out, TILDE, n);
}

const GREATER = 0x3e;

/** RESP3 `>n\r\n`: a push message of n items (Pub/Sub, invalidations), never a reply. */
export function resp3PushHeader(out: OutBuffer, n: number): void {
  writeNumberLine(out, GREATER, n);
}

/** `=<len>\r\n<fmt>:<text>\r\n`, a RESP3 verbatim string (Redis's INFO, CLIENT LIST: format `txt`); text is latin1. */
export function resp3Verbatim(out: OutBuffer, text: string, format = 'txt'): void {
  const n = text.length;
  out.ensure(MAX_HEADER_BYTES + format.length + 1 + n + 2);
  writeNumberLine(out, EQUALS, format.length + 1 + n);
  out.latin1(format);
  out.u8(COLON);
  out.latin1(text);
  out.u8(CR);
  out.u8(LF);
}

/** `,<double>\r\n`: the shortest text that reads back as n; `inf`, `-inf`, `nan` as Redis writes them. */
export function resp3Double(out: OutBuffer, n: number): void {
  writeLine(out, COMMA, doubleText(n));
}

/** `#t\r\n` or `#f\r\n`. */
export function resp3Boolean(out: OutBuffer, value: boolean): void {
  out.all(value ? RESP3_TRUE : RESP3_FALSE);
}

/** `(<digits>\r\n`, a RESP3 big number; digits is an optional minus sign and decimal digits. */
export function resp3BigNumber(out: OutBuffer, digits: string | bigint): void {
  writeLine(out, PAREN, String(digits));
}

/** A double as Redis writes it in a reply: `inf`, `-inf`, `nan`, else the shortest round-trip form. */
export function doubleText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

function writeLine(out: OutBuffer, prefix: number, text: string): void {
  out.ensure(text.length + 3);
  const buf = out.buf;
  let o = out.length;
  buf[o++] = prefix;
  o += buf.latin1Write(text, o, text.length);
  buf[o++] = CR;
  buf[o++] = LF;
  out.length = o;
}

function writeNumberLine(out: OutBuffer, prefix: number, n: number): void {
  if (!Number.isInteger(n)) throw new RangeError(`RESP integer must be an integer, got ${n}`);
  let v = n < 0 ? -n : n;
  if (v > TWO_POW_53) {
    writeLine(out, prefix, BigInt(n).toString());
    return;
  }
  out.ensure(MAX_HEADER_BYTES);
  const buf = out.buf;
  let o = out.length;
  buf[o++] = prefix;
  if (n < 0) buf[o++] = MINUS;
  let digits = 1;
  while (digits < 16 && v >= POW10[digits]) digits++;
  o += digits;
  let i = o;
  if (v < TWO_POW_31) {
    do {
      const q = (v / 10) | 0;
      buf[--i] = ZERO + v - q * 10;
      v = q;
    } while (v > 0);
  } else {
    // Above 2^31 v / 10 may round up to the next integer; % and an exact division cannot.
    do {
      const d = v % 10;
      buf[--i] = ZERO + d;
      v = (v - d) / 10;
    } while (v > 0);
  }
  buf[o++] = CR;
  buf[o++] = LF;
  out.length = o;
}
