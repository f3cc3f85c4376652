import { borrowArgs, returnArgs, type Args } from './args';
import { parseLongLong } from './string2ll';

/** Receives what the parser finds. */
export interface RespSink {
  /** A complete command: args[0] is the name; all args are ranges of args.buf (one contiguous buffer). Args is reused: valid only during the call. */
  respCommand(args: Args): void;
  /** A protocol error: the caller replies `-ERR Protocol error: <message>\r\n` after the replies it owes, and closes the connection. */
  respProtocolError(message: string): void;
}

export interface RespLimits {
  /** proto-max-bulk-len: the longest bulk a command may carry (RESP_MAX_BULK_LEN, 512 MB, in Redis). */
  maxBulkLen: number;
  /** The most elements a command may have; default RESP_MAX_MULTIBULK_LEN as Redis. */
  maxMultibulkLen?: number;
  /**
   * client-query-buffer-limit: the most bytes one unfinished command may hold (received, or
   * reserved for a bulk whose header arrived); past it the command fails with
   * QUERY_BUFFER_LIMIT_ERROR. Default: no limit beyond the others.
   */
  maxQueryBuffer?: number;
}

/** The protocol error of a command that would hold more than maxQueryBuffer. */
export const QUERY_BUFFER_LIMIT_ERROR = 'client query buffer limit reached';

export const RESP_MAX_BULK_LEN = 512 * 1024 * 1024;
export const RESP_MAX_MULTIBULK_LEN = 1024 * 1024;
/** Redis's PROTO_INLINE_MAX_SIZE: a length line may hold at most this many bytes before its CR. */
export const RESP_MAX_LINE_BYTES = 64 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const DOLLAR = 0x24;

const enum Phase {
  /** At a command boundary. */
  IDLE,
  /** Reading the `*<count>` line. */
  COUNT,
  /** Reading a `$<len>` line. */
  BULK_HEADER,
  /** Reading a bulk's bytes and the two after them. */
  BULK_DATA,
  /** After a protocol error: everything is ignored. */
  FAILED,
}

const INCOMPLETE = -1;
const FAILED = -2;

/** The smallest internal buffer: below 4 KB allocUnsafe hands out slices of a shared pool. */
const MIN_HOLD_BYTES = 4 * 1024;
/** An internal buffer larger than this is dropped once its command is done. */
const KEEP_HOLD_BYTES = 64 * 1024;
/** Args holds Int32 offsets, so an assembled command cannot reach past this. */
const MAX_OFFSET = 0x7fffffff;
const EMPTY = Buffer.alloc(0);

/**
 * Streaming parser for RESP2 multi-bulk commands, as Redis reads them. It is handed one command
 * at a time, at a boundary whose first byte is `*`, and returns where that command ends, so the
 * caller can switch protocols between commands. A command wholly inside a chunk is parsed in place;
 * only one split across reads is copied, once, into a buffer that grows as its length lines
 * arrive (a bulk's whole size is reserved as soon as its header is read).
 *
 * Like Redis it never checks the byte after a line's CR nor the two bytes after a bulk's data:
 * it skips them.
 */
export class RespParser {
  private readonly maxBulkLen: number;
  private readonly maxMultibulkLen: number;
  private readonly maxQueryBuffer: number;
  /** The command being read: lent (borrowArgs) from its first byte until it is handed on or fails. */
  private args: Args | null = null;
  private phase = Phase.IDLE;
  /** Where the line or bulk data being read starts, in the buffer being parsed. */
  private at = 0;
  /** Elements still to read, the one being read included. */
  private remaining = 0;
  private bulkLen = 0;
  /** The partial command, from its `*`, while it spans reads. */
  private hold: Buffer = EMPTY;
  private used = 0;
  private error = '';

  constructor(limits: RespLimits) {
    this.maxBulkLen = limits.maxBulkLen;
    this.maxMultibulkLen = limits.maxMultibulkLen ?? RESP_MAX_MULTIBULK_LEN;
    this.maxQueryBuffer = limits.maxQueryBuffer ?? MAX_OFFSET;
  }

  /** True while a command is partly received, and for good after a protocol error. */
  get midCommand(): boolean {
    return this.phase !== Phase.IDLE;
  }

  /** Bytes held for a partial command (received, not the capacity reserved for them). */
  get buffered(): number {
    return this.used;
  }

  /** True once a protocol error was reported: the parser ignores all further input. */
  get failed(): boolean {
    return this.phase === Phase.FAILED;
  }

  /**
   * Parses at most one command from chunk[pos..] (pos is at `*` when not mid-command) and returns
   * the offset after what it consumed. An incomplete command is kept and chunk.length returned;
   * call again with the next chunk (at pos 0) to continue.
   */
  feed(chunk: Buffer, pos: number, sink: RespSink): number {
    const len = chunk.length;
    if (pos >= len) return len;
    if (this.phase === Phase.IDLE) {
      this.phase = Phase.COUNT;
      this.at = pos;
      const args = (this.args = borrowArgs());
      args.reset(chunk);
      const end = this.advance(chunk, len);
      if (end >= 0) return this.handOn(args, sink, end);
      if (end === FAILED || !this.keep(chunk, pos, len)) return this.fail(sink, len);
      return len;
    }
    if (this.phase === Phase.FAILED) return len;
    return this.resume(chunk, pos, sink);
  }

  /** The command is whole: hands it on, gives its Args back, and returns `at`. */
  private handOn(args: Args, sink: RespSink, at: number): number {
    this.args = null;
    if (args.count > 0) sink.respCommand(args);
    returnArgs(args);
    return at;
  }

  /**
   * Parses from this.at up to end, in whatever phase the parser is in. Returns the offset after
   * the command, INCOMPLETE with the state saved, or FAILED with this.error set.
   */
  private advance(b: Buffer, end: number): number {
    const args = this.args!;
    let phase = this.phase;
    let at = this.at;
    let remaining = this.remaining;
    let bulkLen = this.bulkLen;
    for (;;) {
      if (phase === Phase.BULK_DATA) {
        const stop = at + bulkLen;
        if (stop + 2 > end) break;
        args.push(at, stop);
        at = stop + 2;
        if (--remaining === 0) {
          this.phase = Phase.IDLE;
          return at;
        }
        phase = Phase.BULK_HEADER;
        continue;
      }
      const limit = Math.min(end, at + RESP_MAX_LINE_BYTES + 1);
      let cr = at;
      while (cr < limit && b[cr] !== CR) cr++;
      if (cr - at > RESP_MAX_LINE_BYTES) {
        return this.failWith(phase === Phase.COUNT ? 'too big mbulk count string' : 'too big bulk count string');
      }
      if (cr + 1 >= end) break;
      if (phase === Phase.COUNT) {
        const n = parseLongLong(b, at + 1, cr);
        if (!(n <= this.maxMultibulkLen)) return this.failWith('invalid multibulk length');
        at = cr + 2;
        if (n <= 0) {
          this.phase = Phase.IDLE;
          return at;
        }
        remaining = n;
        phase = Phase.BULK_HEADER;
        continue;
      }
      const first = b[at];
      if (first !== DOLLAR) {
        // Redis 7 formats the byte raw, then turns CR and LF into spaces to keep the reply one line.
        const shown = first === CR || first === LF ? ' ' : String.fromCharCode(first);
        return this.failWith(`expected '$', got '${shown}'`);
      }
      const n = parseLongLong(b, at + 1, cr);
      if (!(n >= 0 && n <= this.maxBulkLen) || cr + n + 4 > MAX_OFFSET) return this.failWith('invalid bulk length');
      at = cr + 2;
      bulkLen = n;
      phase = Phase.BULK_DATA;
    }
    this.phase = phase;
    this.at = at;
    this.remaining = remaining;
    this.bulkLen = bulkLen;
    return INCOMPLETE;
  }

  /** Copies the incomplete command chunk[start, len) into the hold, rebasing its offsets; false past the query buffer limit. */
  private keep(chunk: Buffer, start: number, len: number): boolean {
    const n = len - start;
    this.at -= start;
    if (!this.reserve(this.phase === Phase.BULK_DATA ? Math.max(n, this.at + this.bulkLen + 2) : n)) return false;
    chunk.copy(this.hold, 0, start, len);
    this.used = n;
    const args = this.args!;
    for (let i = 0; i < args.count; i++) {
      args.starts[i] -= start;
      args.ends[i] -= start;
    }
    return true;
  }

  /** Continues a held command: appends only the bytes it still needs, one line or bulk at a time. */
  private resume(chunk: Buffer, pos: number, sink: RespSink): number {
    const len = chunk.length;
    while (pos < len) {
      let stop: number;
      let ready: boolean;
      if (this.phase === Phase.BULK_DATA) {
        const need = this.at + this.bulkLen + 2;
        if (!this.reserve(need)) return this.fail(sink, len);
        stop = Math.min(len, pos + need - this.used);
        ready = stop - pos === need - this.used;
      } else {
        const line = this.used - this.at;
        if (line > 0 && this.hold[this.used - 1] === CR) {
          stop = pos + 1;
          ready = true;
        } else {
          // Appending stops one byte past the line limit, where advance() reports it.
          const room = RESP_MAX_LINE_BYTES + 1 - line;
          const limit = Math.min(len, pos + room);
          let cr = pos;
          while (cr < limit && chunk[cr] !== CR) cr++;
          if (cr === limit) {
            stop = limit;
            ready = limit - pos === room;
          } else {
            stop = Math.min(len, cr + 2);
            ready = stop === cr + 2;
          }
        }
        if (!this.reserve(this.used + stop - pos)) return this.fail(sink, len);
      }
      chunk.copy(this.hold, this.used, pos, stop);
      this.used += stop - pos;
      pos = stop;
      if (!ready) break;
      const end = this.advance(this.hold, this.used);
      if (end === FAILED) return this.fail(sink, len);
      if (end >= 0) {
        const args = this.args!;
        args.buf = this.hold;
        this.used = 0;
        if (this.hold.length > KEEP_HOLD_BYTES) this.hold = EMPTY;
        return this.handOn(args, sink, pos);
      }
    }
    return len;
  }

  /**
   * Makes the hold at least need bytes, keeping what it has, and never larger than the query
   * buffer limit. A command that needs more can never finish within it: false, with the error set
   * (the bytes are refused before they are buffered, where Redis counts them as they arrive).
   */
  private reserve(need: number): boolean {
    const cur = this.hold.length;
    if (need <= cur) return true;
    if (need > this.maxQueryBuffer) {
      this.error = QUERY_BUFFER_LIMIT_ERROR;
      return false;
    }
    const next = Buffer.allocUnsafe(Math.min(Math.max(need, cur * 2, MIN_HOLD_BYTES), this.maxQueryBuffer));
    this.hold.copy(next, 0, 0, this.used);
    this.hold = next;
    return true;
  }

  private failWith(message: string): number {
    this.error = message;
    return FAILED;
  }

  private fail(sink: RespSink, len: number): number {
    this.phase = Phase.FAILED;
    this.hold = EMPTY;
    this.used = 0;
    if (this.args !== null) returnArgs(this.args);
    this.args = null;
    sink.respProtocolError(this.error);
    return len;
  }
}
