import { NO_STAT, type CommandStats } from '@kv/node';
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

  constructor(private readonly stats: CommandStats) {}

  /** A command starts (counted now). */
  begin(stat: number): void {
    const now = performance.now();
    const stats = this.stats;
    if (this.stat !== NO_STAT) stats.done(this.stat, now - this.started);
    stats.calls[stat]++;
    this.stat = stat;
    this.started = now;
  }

  /** The command's reply is owed: `item` times it when written. */
  handTo(item: OwedReply): void {
    item.stat = this.stat;
    item.started = this.started;
    this.stat = NO_STAT;
  }

  /** The read's commands have run: the last, if answered here, ends now. */
  end(): void {
    if (this.stat === NO_STAT) return;
    this.stats.done(this.stat, performance.now() - this.started);
    this.stat = NO_STAT;
  }
}
