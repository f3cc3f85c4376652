import { COMMANDS, NO_STAT, statIndex, type CommandStats } from '@kv/node';
import { replyCounts } from '@kv/wire';

/** The stat indexes of commands whose reply holds other commands' (EXEC, scripts): an error inside is not theirs. */
const NESTING = new Set(COMMANDS.filter((spec) => spec.runsQueue === true || spec.script !== undefined).flatMap((spec) => [statIndex(spec.opcode, false), statIndex(spec.opcode, true)]));
import type { OwedReply } from './reply-order';

/**
 * Times a client's commands with one clock read per command: a command that starts ends the one
 * before it in the same read (if that one was answered at once); the last ends when the read's
 * commands have run; a command whose reply is owed hands its start to its entry in the reply
 * order and is timed when that is written.
 */
export class CommandTimer {
  /** The command being timed (its CommandStats index) while its reply may still come within this read. */
  private stat = NO_STAT;
  /** When the latest command started (performance.now; 0 before the first). */
  started = 0;
  /** The entry the latest command's reply was handed to (owed), or null: answered at once (SLOWLOG reads it). */
  handed: OwedReply | null = null;

  /** Errors encoded in this process, and answered through the client's replies, when the latest command started. */
  private errorsAt = 0;
  private answeredAt = 0;

  /** `client.refused`: whether the command being timed was refused before it ran (it is rejected, not failed); `replies`: the client's. */
  constructor(
    private readonly stats: CommandStats,
    private readonly client: { readonly refused: boolean },
    private readonly replies: { readonly errors: number },
  ) {}

  /** A command starts (counted now). */
  begin(stat: number): void {
    const now = performance.now();
    if (this.stat !== NO_STAT) this.finish(now);
    this.stats.calls[stat]++;
    this.stat = stat;
    this.started = now;
    this.handed = null;
    this.errorsAt = replyCounts.errors;
    this.answeredAt = this.replies.errors;
  }

  /** The command timed, answered here, ends `now`: a call, failed if it answered an error, or a rejected command. */
  private finish(now: number): void {
    // An error answered, or encoded while it ran (a plan's answer) unless its reply nests others'.
    const error = this.replies.errors !== this.answeredAt || (replyCounts.errors !== this.errorsAt && !NESTING.has(this.stat));
    if (error && this.client.refused) {
      this.stats.reject(this.stat);
      this.stats.done(this.stat, now - this.started);
    } else this.stats.done(this.stat, now - this.started, error);
  }

  /** The command's reply is owed: `item` times it when written. */
  handTo(item: OwedReply): void {
    item.stat = this.stat;
    item.started = this.started;
    this.stat = NO_STAT;
    this.handed = item;
  }

  /** The read's commands have run: the last, if answered here, ends now. */
  end(): void {
    if (this.stat === NO_STAT) return;
    this.finish(performance.now());
    this.stat = NO_STAT;
  }
}
