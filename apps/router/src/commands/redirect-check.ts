import { commandNamed, ReplyTo, type ReplySink } from '@kv/node';
import { argsOf, ReplyKind, type OutBuffer } from '@kv/wire';
import { WHOLE_WORKER } from '../coord/owners';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from '../coord/plan';
import { Steps, type StepTaker } from '../coord/steps';
import { REPLY_ERRORS } from '../reply-errors';

const CLIENTLIST = commandNamed('CLIENTLIST');

/**
 * CLIENT TRACKING ... REDIRECT id, the id a client of another worker's: that worker is asked
 * whether the client lives (the internal CLIENTLIST '' id, empty for none), as Redis looks it up,
 * and the command then finishes (`finish`, the rest of CLIENT TRACKING, answering its sink) or
 * answers Redis's error. The client's later commands wait for it (`blocks`), so they run under
 * the tracking state it sets, as in Redis.
 */
export class RedirectCheck implements Plan, StepTaker {
  readonly blocks = true;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private kind = ReplyKind.OK;
  private payload = '';

  constructor(
    owners: OwnerSet,
    sink: PlanSink,
    txid: string | null,
    private readonly worker: number,
    private readonly id: number,
    private readonly finish: (reply: ReplySink) => void,
  ) {
    this.reply = new PlanReply(sink, this);
    this.steps = new Steps(owners, txid, this);
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done;
  }

  start(): void {
    if (!this.steps.run(this.worker, WHOLE_WORKER, CLIENTLIST, argsOf([CLIENTLIST.name, '', String(this.id)]), 0)) return;
    const now = this.steps.now;
    this.answered(now.kind, now.payload);
  }

  waiting(): void {
    this.reply.wait();
  }

  late(_index: number, kind: ReplyKind, payload: string): void {
    this.answered(kind, payload);
  }

  /** The worker's answer: its client's line (it lives), or nothing or an error (its link down: none of its clients is reachable). */
  private answered(kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.BULK && payload !== '') {
      this.finish(
        new ReplyTo((k, p) => {
          this.kind = k;
          this.payload = p;
        }),
      );
    } else {
      this.kind = ReplyKind.ERROR;
      this.payload = REPLY_ERRORS.redirectMissing;
    }
    this.reply.complete();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  encode(out: OutBuffer): void {
    this.reply.replies.kind(out, this.kind, this.payload);
  }
}
