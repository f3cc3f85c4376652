import type { Items, OutBuffer, ReplyEncoder } from '@kv/wire';
import { ERR } from '../errors';
import type { EncodedSink, ReplySink } from '../types';

/** Where a guard sends what comes after it was put away (a handler answering late): nowhere. */
const CLOSED: ReplySink = { ok() {}, status() {}, nil() {}, bulk() {}, bulkBytes() {}, integer() {}, error() {}, array() {}, map() {}, nullArray() {}, cursor() {} };

/**
 * Stands between a command's handler and the sink its reply goes to (a client, a plan, a reply
 * frame), and lets exactly one reply through: a second one, or one made after the command
 * returned, is counted in `extra` and dropped, so a handler that answers and then throws (or
 * answers twice) cannot give its client two replies. ShardSet keeps one per nesting level
 * (a reply can run the next step of a plan, which runs a command of its own), so running a
 * command allocates nothing.
 */
export class ReplyOnce implements ReplySink, EncodedSink {
  private target: ReplySink = CLOSED;
  answered = false;
  /** Replies dropped since arm(). */
  extra = 0;

  arm(target: ReplySink): void {
    this.target = target;
    this.answered = false;
    this.extra = 0;
  }

  /** The command is over: whatever it sends from now on goes nowhere. */
  disarm(): void {
    this.target = CLOSED;
    this.answered = true;
  }

  /** True for the first reply (which then goes on); later ones are counted and dropped. */
  private first(): boolean {
    if (this.answered) {
      this.extra++;
      return false;
    }
    this.answered = true;
    return true;
  }

  ok(): void {
    if (this.first()) this.target.ok();
  }
  status(text: string): void {
    if (this.first()) this.target.status(text);
  }
  nil(): void {
    if (this.first()) this.target.nil();
  }
  bulk(value: string): void {
    if (this.first()) this.target.bulk(value);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    if (this.first()) this.target.bulkBytes(buf, start, end);
  }
  integer(n: number | bigint): void {
    if (this.first()) this.target.integer(n);
  }
  error(message: string): void {
    if (this.first()) this.target.error(message);
  }
  array(items: Items): void {
    if (this.first()) this.target.array(items);
  }
  map(items: Items): void {
    if (this.first()) this.target.map(items);
  }
  nullArray(): void {
    if (this.first()) this.target.nullArray();
  }
  cursor(cursor: string, items: Items): void {
    if (this.first()) this.target.cursor(cursor, items);
  }

  /** A reply frame's whole encoded reply (EXECHERE, EVALHERE), when the target takes one. */
  encoded(fill: (out: OutBuffer, replies: ReplyEncoder) => void): void {
    const encoded = (this.target as Partial<EncodedSink>).encoded;
    if (encoded === undefined) return this.error(ERR.cannotRunWhole);
    if (this.first()) encoded.call(this.target, fill);
  }
}

/**
 * The guards of the commands running now, one per nesting level (a reply can run a plan's next
 * step, which runs a command of its own), reused: ShardSet arms one around every handler.
 */
export class ReplyGuards {
  private readonly pool: ReplyOnce[] = [];
  private depth = 0;
  /** Replies dropped because their command had answered already. */
  extra = 0;

  constructor(private readonly fault: (message: string, fields: Record<string, unknown>) => void) {}

  /** The guard of the next nesting level, armed for `reply`. */
  arm(reply: ReplySink): ReplyOnce {
    const once = this.pool[this.depth] ?? (this.pool[this.depth] = new ReplyOnce());
    this.depth++;
    once.arm(reply);
    return once;
  }

  /** A handler threw: its command answers the error, unless it had answered (then it is only reported). */
  threw(once: ReplyOnce, command: string, err: Error): void {
    if (!once.answered) return once.error(ERR.threw(err.message));
    this.fault('a command threw after its reply: the reply stands, nothing more was sent', { command, error: err.message });
  }

  /** The command is over: exactly one reply went out (an error if it gave none); extras were dropped. */
  done(once: ReplyOnce, command: string): void {
    this.depth--;
    if (!once.answered) {
      this.fault('a command gave no reply', { command });
      once.error(ERR.noReply);
    }
    if (once.extra > 0) {
      this.extra += once.extra;
      this.fault('a command answered more than once: the extra replies were dropped', { command, extra: once.extra });
    }
    once.disarm();
  }
}
