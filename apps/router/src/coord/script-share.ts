import type { OutBuffer } from '@kv/wire';
import type { ScriptKind } from '@kv/lua';
import { REPLY_ERRORS } from '../reply-errors';
import type { PlanEnv } from './env';
import { PlanReply, type Plan, type PlanSink } from './plan';

/**
 * A script body brought in without running it, answered once every other worker has it
 * (coord/scripts.ts): SCRIPT LOAD (kept for good; answered with its sha, or Redis's compile
 * error), and an EVAL queued in MULTI (answered +QUEUED, a compile error included, as Redis
 * queues it; its EXEC may run it under holds, where waiting for the copies would wait behind
 * those holds, so the copies are made now). Waits for the engine while it is being replaced.
 */
export class ShareScript implements Plan {
  readonly blocks = false;
  private readonly reply: PlanReply;
  private error: string | null = null;
  private sha = '';

  constructor(
    private readonly env: PlanEnv,
    sink: PlanSink,
    private readonly body: string,
    private readonly kind: ScriptKind,
    private readonly answer: 'sha' | 'queued',
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
    const scripts = this.env.scripts;
    if (scripts.engine !== null) return this.admit();
    this.reply.wait();
    scripts.ready.then(
      () => this.resumeFromPromise(() => this.admit()),
      (err: Error) => this.resumeFromPromise(() => this.fail(REPLY_ERRORS.engineDidNotStart(err.message))),
    );
  }

  /** Goes on from a promise: a fault fails its client, never the worker; what it made ready is written now. */
  private resumeFromPromise(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.reply.sink.failed(err as Error);
    }
    this.env.owners.flushReplies();
  }

  private admit(): void {
    const env = this.env;
    let admitted: ReturnType<PlanEnv['scripts']['admit']>;
    try {
      admitted = env.scripts.admit(this.body, this.kind, env.owners, env.workers, true);
    } catch (err) {
      // The engine failed (it is being replaced): this command fails, the worker goes on.
      return this.fail(REPLY_ERRORS.scriptFailed((err as Error).message));
    }
    if ('error' in admitted) return this.fail(admitted.error);
    this.sha = admitted.sha;
    const share = admitted.share;
    if (share === null || share.done) return this.reply.complete();
    this.reply.wait();
    share.whenDone(() => this.reply.complete());
  }

  private fail(message: string): void {
    this.error = message;
    this.reply.complete();
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.answer === 'queued') return replies.status(out, 'QUEUED');
    if (this.error !== null) return replies.error(out, this.error);
    replies.bulk(out, this.sha);
  }
}
