import { REPLY_ERRORS } from '../reply-errors';
import type { OperatorAsk } from './types';

/** An ask the primary has not answered by then fails (a stuck primary is not waited on forever). */
const ASK_TIMEOUT_MS = 15_000;

/**
 * A worker's questions to the primary for its clients' commands (CONFIG SET and REWRITE), over the cluster channel: each has an id, and its answer (`answer` with that id) is
 * undefined (done) or Redis's error text.
 */
export class PrimaryAsks {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (error: string | undefined) => void; timer: NodeJS.Timeout }>();

  constructor(
    /** Sends a message to the primary; false when there is no primary to send to. */
    private readonly send: (id: number, ask: OperatorAsk) => boolean,
  ) {}

  ask(ask: OperatorAsk): Promise<string | undefined> {
    return new Promise((resolve) => {
      const id = this.next++;
      if (!this.send(id, ask)) return resolve(REPLY_ERRORS.primaryGone);
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(REPLY_ERRORS.primaryLate(ASK_TIMEOUT_MS / 1000));
      }, ASK_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
    });
  }

  /** The primary's answer to ask `id`. */
  answer(id: number, error: string | undefined): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(error);
  }
}
