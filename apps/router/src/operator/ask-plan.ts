import type { OutBuffer } from '@kv/wire';
import { PlanReply, type Plan, type PlanSink } from '../coord/plan';

/** Where an ask's reply goes: a client's plans, which also say when its earlier replies are all done. */
export interface AskSink extends PlanSink {
  whenEarlierAnswered(go: () => void): void;
}

/**
 * A client's command the primary answers (CONFIG SET, CONFIG REWRITE): OK once the primary says
 * it is done, or the error it gives. It is asked once the client's earlier commands are answered
 * (one forwarded to another worker must not meet the new settings there), and the client's later
 * commands wait for it (`blocks`): each runs under the settings it was sent under, as in Redis.
 */
export class AskPlan implements Plan {
  readonly blocks = true;
  private error: string | undefined;
  private readonly reply: PlanReply;

  constructor(
    private readonly sink: AskSink,
    /** Sends the ask; resolves with undefined when done, or Redis's error text. */
    private readonly asking: () => Promise<string | undefined>,
    /** Writes out replies made ready outside a client's read (owners.flushReplies). */
    private readonly flush: () => void,
    /** Done with no error: no reply, and then this (SHUTDOWN: the client reads nothing more, its connection closes). */
    private readonly silentOk: (() => void) | null = null,
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
    this.sink.whenEarlierAnswered(() => this.ask());
    this.reply.wait();
  }

  private ask(): void {
    void this.asking().then((error) => {
      try {
        this.error = error;
        if (error === undefined) this.silentOk?.();
        this.reply.complete();
        this.flush();
      } catch (err) {
        this.reply.sink.failed(err as Error);
      }
    });
  }

  encode(out: OutBuffer): void {
    if (this.error !== undefined) this.reply.replies.error(out, this.error);
    else if (this.silentOk === null) this.reply.replies.ok(out);
  }
}
