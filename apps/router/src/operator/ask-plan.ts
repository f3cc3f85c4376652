import type { OutBuffer } from '@kv/wire';
import { PlanReply, type Plan, type PlanSink } from '../coord/plan';

/**
 * A client's command the primary answers (CONFIG SET, CONFIG REWRITE): OK once the primary says
 * it is done, or the error it gives. The client's later commands wait for it (`blocks`), so a
 * command sent after CONFIG SET runs under the new settings, as in Redis.
 */
export class AskPlan implements Plan {
  readonly blocks = true;
  private error: string | undefined;
  private readonly reply: PlanReply;

  constructor(
    sink: PlanSink,
    /** Sends the ask; resolves with undefined when done, or Redis's error text. */
    private readonly asking: () => Promise<string | undefined>,
    /** Writes out replies made ready outside a client's read (owners.flushReplies). */
    private readonly flush: () => void,
  ) {
    this.reply = new PlanReply(sink, this);
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done;
  }

  start(): void {
    this.reply.wait();
    void this.asking().then((error) => {
      try {
        this.error = error;
        this.reply.complete();
        this.flush();
      } catch (err) {
        this.reply.sink.failed(err as Error);
      }
    });
  }

  encode(out: OutBuffer): void {
    if (this.error !== undefined) this.reply.replies.error(out, this.error);
    else this.reply.replies.ok(out);
  }
}
