import { Args } from './args';
import type { RespSink } from './resp';

/** Redis's cap on an inline command line (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX_BYTES = 64 * 1024;
export const INLINE_TOO_BIG = 'too big inline request';
export const INLINE_UNBALANCED = 'unbalanced quotes in request';

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const VT = 0x0b;
const FF = 0x0c;
const SPACE = 0x20;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;

/** C isspace(): what sdssplitargs skips between arguments. */
function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === VT || c === FF;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Streaming parser for Redis inline commands (a line not starting with `*` on a connection that
 * speaks RESP): the line, without `\r\n` or `\n`, is split as Redis's sdssplitargs does, and the
 * arguments fill an Args as RespParser's do (ranges of one buffer, valid only during the call).
 * An empty or all-blank line is no command and gets no reply. A line of more than
 * INLINE_MAX_BYTES, or one with unbalanced quotes, is a protocol error: the parser then ignores
 * everything after it, as RespParser does.
 */
export class InlineParser {
  /** A line split across reads, up to INLINE_MAX_BYTES. */
  private carry: Buffer = Buffer.allocUnsafe(256);
  private carryLen = 0;
  /** The decoded arguments of the line being parsed. */
  private out: Buffer = Buffer.allocUnsafe(256);
  private readonly args = new Args(8);
  private failedFlag = false;

  /** True while part of a line is buffered. */
  get midLine(): boolean {
    return this.carryLen > 0;
  }

  /** True once a protocol error was reported: all further input is ignored. */
  get failed(): boolean {
    return this.failedFlag;
  }

  /**
   * Parses at most one line from chunk[pos..] and returns the offset after it. A line without its
   * newline yet is kept and chunk.length returned; call again with the next chunk (at pos 0).
   */
  feedLine(chunk: Buffer, pos: number, sink: RespSink): number {
    const len = chunk.length;
    if (this.failedFlag) return len;
    const nl = chunk.indexOf(LF, pos);
    const end = nl < 0 ? len : nl;
    if (this.carryLen + end - pos > INLINE_MAX_BYTES) return this.fail(sink, INLINE_TOO_BIG, len);
    if (nl < 0 || this.carryLen > 0) {
      this.reserveCarry(this.carryLen + end - pos);
      chunk.copy(this.carry, this.carryLen, pos, end);
      this.carryLen += end - pos;
      if (nl < 0) return len;
      const lineLen = this.carryLen;
      this.carryLen = 0;
      return this.parseLine(this.carry, 0, lineLen, sink) ? nl + 1 : this.fail(sink, INLINE_UNBALANCED, len);
    }
    return this.parseLine(chunk, pos, nl, sink) ? nl + 1 : this.fail(sink, INLINE_UNBALANCED, len);
  }

  private fail(sink: RespSink, message: string, len: number): number {
    this.failedFlag = true;
    this.carryLen = 0;
    sink.respProtocolError(message);
    return len;
  }

  private reserveCarry(n: number): void {
    if (n <= this.carry.length) return;
    const next = Buffer.allocUnsafe(Math.min(INLINE_MAX_BYTES, Math.max(n, this.carry.length * 2)));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }

  /**
   * Splits buf[start, end) (the line without its `\n`) as sdssplitargs, and hands a non-empty
   * command to the sink. False for unbalanced quotes (or a closing quote not followed by a blank).
   */
  private parseLine(buf: Buffer, start: number, end: number, sink: RespSink): boolean {
    if (end > start && buf[end - 1] === CR) end--;
    // sdssplitargs reads a C string: a NUL byte ends it.
    const nul = buf.indexOf(0, start);
    if (nul >= 0 && nul < end) end = nul;
    if (this.out.length < end - start) this.out = Buffer.allocUnsafe(Math.max(end - start, this.out.length * 2));
    const out = this.out;
    const args = this.args;
    args.reset(out);
    let o = 0;
    let p = start;
    for (;;) {
      while (p < end && isSpace(buf[p])) p++;
      if (p >= end) break;
      const argStart = o;
      let inq = false;
      let insq = false;
      let done = false;
      while (!done) {
        const c = p < end ? buf[p] : -1;
        if (inq) {
          if (c === BACKSLASH && p + 3 < end && buf[p + 1] === 0x78 && hexValue(buf[p + 2]) >= 0 && hexValue(buf[p + 3]) >= 0) {
            out[o++] = hexValue(buf[p + 2]) * 16 + hexValue(buf[p + 3]);
            p += 3;
          } else if (c === BACKSLASH && p + 1 < end) {
            p++;
            const e = buf[p];
            out[o++] = e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? TAB : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e;
          } else if (c === DQUOTE) {
            // The closing quote must be followed by a blank or nothing at all.
            if (p + 1 < end && !isSpace(buf[p + 1])) return false;
            done = true;
          } else if (c < 0) {
            return false;
          } else {
            out[o++] = c;
          }
        } else if (insq) {
          if (c === BACKSLASH && p + 1 < end && buf[p + 1] === SQUOTE) {
            p++;
            out[o++] = SQUOTE;
          } else if (c === SQUOTE) {
            if (p + 1 < end && !isSpace(buf[p + 1])) return false;
            done = true;
          } else if (c < 0) {
            return false;
          } else {
            out[o++] = c;
          }
        } else if (c === SPACE || c === LF || c === CR || c === TAB || c < 0) {
          done = true;
        } else if (c === DQUOTE) {
          inq = true;
        } else if (c === SQUOTE) {
          insq = true;
        } else {
          out[o++] = c;
        }
        if (c >= 0) p++;
      }
      args.push(argStart, o);
    }
    if (args.count > 0) sink.respCommand(args);
    return true;
  }
}
