import { borrowArgs, returnArgs, type Args } from './args';

/** Commands of the seed's line protocol. */
export const enum TextOp {
  GET = 1,
  PUT = 2,
  STATS = 3,
  /** AUTH <password>: the rest of the line is the password. */
  AUTH = 4,
}

export const MAX_KEY_BYTES = 256;
export const MAX_VALUE_BYTES = 256;
/** The longest line a valid GET or PUT can be: `PUT <256> <256>\r`; the seed answers ERROR past it. */
export const MAX_LINE_BYTES = 4 + MAX_KEY_BYTES + 1 + MAX_VALUE_BYTES + 1;
/** The most a line limit may be raised to: Redis's cap on an inline command (PROTO_INLINE_MAX_SIZE). */
export const MAX_LINE_LIMIT = 64 * 1024;

export const TEXT_OK = Buffer.from('OK\n');
export const TEXT_NOTFOUND = Buffer.from('NOTFOUND\n');
export const TEXT_ERROR = Buffer.from('ERROR\n');

/** Receives what the parser finds, in stream order. */
export interface TextSink {
  /** A well-formed command; args[0] is the name as sent, then GET has [key], PUT [key, value]. */
  textCommand(op: TextOp, args: Args): void;
  /** A malformed or over-long line: the seed answers `ERROR\n`. */
  textError(): void;
}

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Streaming parser for the seed protocol. Complete lines are parsed in place in the chunk that
 * holds them; only a line split across reads is copied, into a buffer of at most maxLine bytes, so
 * a client can never make it buffer more than that. A line longer than maxLine (bytes before its
 * newline) is answered ERROR once and skipped as it streams in, as the seed does.
 */
export class TextParser {
  /** Starts at MAX_LINE_BYTES (from Node's shared pool) and grows only for a longer line split across reads. */
  private carry: Buffer;
  private carryLen = 0;
  /** Inside an over-long line that was already answered: skip to its newline. */
  private discarding = false;

  /** maxLine: the longest line accepted (MAX_LINE_BYTES, the seed's, up to MAX_LINE_LIMIT). */
  constructor(private readonly maxLine = MAX_LINE_BYTES) {
    this.carry = Buffer.allocUnsafe(Math.min(maxLine, MAX_LINE_BYTES));
  }

  /** True while part of a line is buffered (a client that stops here owes no reply yet). */
  get midLine(): boolean {
    return this.carryLen > 0 || this.discarding;
  }

  /** Parses every complete line of the chunk. */
  feed(chunk: Buffer, sink: TextSink): void {
    let pos = 0;
    while (pos < chunk.length) pos = this.feedLine(chunk, pos, sink);
  }

  /**
   * Parses at most one line from chunk[pos..] and returns the offset after it. A line without its
   * newline yet is kept (up to maxLine bytes) and the whole chunk counts as consumed; so does
   * the rest of an over-long line, which is answered once and skipped.
   */
  feedLine(chunk: Buffer, pos: number, sink: TextSink): number {
    const len = chunk.length;
    if (this.discarding) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) return len;
      this.discarding = false;
      return nl + 1;
    }
    const nl = chunk.indexOf(LF, pos);
    if (this.carryLen > 0) {
      const end = nl < 0 ? len : nl;
      if (this.carryLen + end - pos > this.maxLine) {
        this.carryLen = 0;
        sink.textError();
        if (nl < 0) {
          this.discarding = true;
          return len;
        }
        return nl + 1;
      }
      this.reserveCarry(this.carryLen + end - pos);
      chunk.copy(this.carry, this.carryLen, pos, end);
      this.carryLen += end - pos;
      if (nl < 0) return len;
      const lineLen = this.carryLen;
      this.carryLen = 0;
      this.parseLine(this.carry, 0, lineLen, sink);
      return nl + 1;
    }
    if (nl < 0) {
      if (len - pos > this.maxLine) {
        sink.textError();
        this.discarding = true;
      } else {
        this.reserveCarry(len - pos);
        chunk.copy(this.carry, 0, pos, len);
        this.carryLen = len - pos;
      }
      return len;
    }
    if (nl - pos > this.maxLine) sink.textError();
    else this.parseLine(chunk, pos, nl, sink);
    return nl + 1;
  }

  /** Grows the carry to hold n bytes (n is at most maxLine), keeping what it holds. */
  private reserveCarry(n: number): void {
    if (n <= this.carry.length) return;
    const next = Buffer.allocUnsafe(Math.min(this.maxLine, Math.max(n, this.carry.length * 2)));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }

  /** Parses one line buf[start, end) without its `\n`, into Args lent for it. */
  private parseLine(buf: Buffer, start: number, end: number, sink: TextSink): void {
    const args = borrowArgs();
    this.parseInto(args, buf, start, end, sink);
    returnArgs(args);
  }

  private parseInto(args: Args, buf: Buffer, start: number, end: number, sink: TextSink): void {
    if (end > start && buf[end - 1] === CR) end--;
    let sp = start;
    while (sp < end && buf[sp] !== SPACE) sp++;
    const nameLen = sp - start;
    args.reset(buf);
    args.push(start, sp);
    if (nameLen === 3 && isWord3(buf, start, 0x47, 0x45, 0x54)) {
      // GET <key>, as the seed: the spaces after the command are skipped and the key is the rest
      // of the line, spaces and all (`GET a b` looks up "a b"); an empty key (`GET`, `GET `) is
      // looked up too, and is not there.
      let keyStart = sp;
      while (keyStart < end && buf[keyStart] === SPACE) keyStart++;
      if (end - keyStart > MAX_KEY_BYTES) {
        sink.textError();
        return;
      }
      args.push(keyStart, end);
      sink.textCommand(TextOp.GET, args);
      return;
    }
    if (nameLen === 3 && isWord3(buf, start, 0x50, 0x55, 0x54)) {
      // PUT <key> <value>, as the seed: the spaces after the command are skipped, the key ends at
      // the next space (which must be there, after at least one key byte) and the value is the
      // rest of the line, which may be empty (`PUT k ` stores "").
      let keyStart = sp;
      while (keyStart < end && buf[keyStart] === SPACE) keyStart++;
      let keyEnd = keyStart;
      while (keyEnd < end && buf[keyEnd] !== SPACE) keyEnd++;
      const valueStart = keyEnd + 1;
      if (keyEnd === keyStart || keyEnd >= end || keyEnd - keyStart > MAX_KEY_BYTES || end - valueStart > MAX_VALUE_BYTES) {
        sink.textError();
        return;
      }
      args.push(keyStart, keyEnd);
      args.push(valueStart, end);
      sink.textCommand(TextOp.PUT, args);
      return;
    }
    if (nameLen === 4 && isWord3(buf, start, 0x41, 0x55, 0x54) && (buf[start + 3] & 0xdf) === 0x48 && sp + 1 < end) {
      args.push(sp + 1, end);
      sink.textCommand(TextOp.AUTH, args);
      return;
    }
    if (nameLen === 5 && sp === end && isStats(buf, start)) {
      sink.textCommand(TextOp.STATS, args);
      return;
    }
    sink.textError();
  }
}

/** Case-insensitive match of three ASCII letters (given upper case). */
function isWord3(buf: Buffer, at: number, a: number, b: number, c: number): boolean {
  return (buf[at] & 0xdf) === a && (buf[at + 1] & 0xdf) === b && (buf[at + 2] & 0xdf) === c;
}

function isStats(buf: Buffer, at: number): boolean {
  return (
    (buf[at] & 0xdf) === 0x53 &&
    (buf[at + 1] & 0xdf) === 0x54 &&
    (buf[at + 2] & 0xdf) === 0x41 &&
    (buf[at + 3] & 0xdf) === 0x54 &&
    (buf[at + 4] & 0xdf) === 0x53
  );
}
