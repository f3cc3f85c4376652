/**
 * Streaming reply scanners for the kv text protocol and RESP. Complete replies are handed to the
 * sink as byte ranges of the chunk that holds them; only a reply split across chunks costs a copy.
 */

export const REPLY_OK = 0;
export const REPLY_NIL = 1;
export const REPLY_VALUE = 2;
export const REPLY_ERROR = 3;
export type ReplyKind = typeof REPLY_OK | typeof REPLY_NIL | typeof REPLY_VALUE | typeof REPLY_ERROR;

export interface ReplySink {
  /** One reply; for REPLY_VALUE (and the error text) the bytes are buf[start, end). */
  onReply(kind: ReplyKind, buf: Buffer, start: number, end: number): void;
}

export interface ReplyScanner {
  push(chunk: Buffer, sink: ReplySink): void;
}

export type Protocol = 'text' | 'resp';

const LF = 0x0a;
const CR = 0x0d;
/** No valid reply is longer; a server streaming bytes without a line end is broken. */
const MAX_CARRY_BYTES = 64 * 1024;
const TEXT_NOTFOUND = Buffer.from('NOTFOUND');
const TEXT_ERROR = Buffer.from('ERROR');

function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

function isOk(buf: Buffer, start: number, end: number): boolean {
  return end - start === 2 && buf[start] === 0x4f && buf[start + 1] === 0x4b;
}

abstract class CarryingScanner implements ReplyScanner {
  private carry: Buffer | null = null;

  push(chunk: Buffer, sink: ReplySink): void {
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const consumed = this.scan(buf, sink);
    if (consumed < buf.length) {
      if (buf.length - consumed > MAX_CARRY_BYTES) throw new Error('reply exceeds 64 KiB without completing');
      this.carry = buf.subarray(consumed);
    }
  }

  /** Hands every complete reply in buf to sink; returns the offset of the first unconsumed byte. */
  protected abstract scan(buf: Buffer, sink: ReplySink): number;
}

/** `OK\n`, `NOTFOUND\n`, `ERROR...\n`, else `<value>\n`. */
export class TextReplyScanner extends CarryingScanner {
  protected scan(buf: Buffer, sink: ReplySink): number {
    let pos = 0;
    for (;;) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) return pos;
      let kind: ReplyKind = REPLY_VALUE;
      if (isOk(buf, pos, lf)) kind = REPLY_OK;
      else if (lf - pos === TEXT_NOTFOUND.length && startsWith(buf, pos, lf, TEXT_NOTFOUND)) kind = REPLY_NIL;
      else if (startsWith(buf, pos, lf, TEXT_ERROR)) kind = REPLY_ERROR;
      sink.onReply(kind, buf, pos, lf);
      pos = lf + 1;
    }
  }
}

/** Parses the decimal integer in buf[start, end), optionally negative; NaN if malformed. */
function parseDecimal(buf: Buffer, start: number, end: number): number {
  let i = start;
  let sign = 1;
  if (buf[i] === 0x2d) {
    sign = -1;
    i++;
  }
  if (i >= end) return NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return sign * n;
}

/** `+OK\r\n`, `+<status>\r\n`, `-ERR...\r\n`, `:<n>\r\n`, `$-1\r\n`, `$<n>\r\n<data>\r\n`. */
export class RespReplyScanner extends CarryingScanner {
  protected scan(buf: Buffer, sink: ReplySink): number {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) return pos;
      if (buf[lf - 1] !== CR) throw new Error('RESP line without CR');
      const lineEnd = lf - 1;
      const type = buf[pos];
      if (type === 0x24 /* $ */) {
        const size = parseDecimal(buf, pos + 1, lineEnd);
        if (Number.isNaN(size)) throw new Error('malformed RESP bulk length');
        if (size < 0) {
          sink.onReply(REPLY_NIL, buf, lf + 1, lf + 1);
          pos = lf + 1;
          continue;
        }
        const dataStart = lf + 1;
        const dataEnd = dataStart + size;
        if (dataEnd + 2 > len) return pos;
        if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) throw new Error('RESP bulk data not followed by CRLF');
        sink.onReply(REPLY_VALUE, buf, dataStart, dataEnd);
        pos = dataEnd + 2;
        continue;
      }
      if (type === 0x2b /* + */) sink.onReply(isOk(buf, pos + 1, lineEnd) ? REPLY_OK : REPLY_VALUE, buf, pos + 1, lineEnd);
      else if (type === 0x2d /* - */) sink.onReply(REPLY_ERROR, buf, pos + 1, lineEnd);
      else if (type === 0x3a /* : */) sink.onReply(REPLY_VALUE, buf, pos + 1, lineEnd);
      else throw new Error(`unexpected RESP type byte 0x${type.toString(16)}`);
      pos = lf + 1;
    }
    return pos;
  }
}

export function createReplyScanner(protocol: Protocol): ReplyScanner {
  return protocol === 'text' ? new TextReplyScanner() : new RespReplyScanner();
}
