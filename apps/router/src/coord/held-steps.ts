import type { Items, OutBuffer, ReplyKind } from '@kv/wire';
import type { Hold, HoldTaker } from './hold';
import type { Plan, PlanReply } from './plan';
import type { StepTaker } from './steps';

/**
 * A plan of steps run in order under a hold of the workers its keys are on (KeyMove: RENAME and
 * COPY over two shards; Gathered: a multi-key command over several): the hold taken first unless
 * the plan runs under one already (null), then `go` runs the steps while they answer at once, a
 * step that waits goes on in `late`, and `finish` ends it (an error, or '' when done).
 */
export abstract class HeldSteps implements Plan, StepTaker, HoldTaker {
  readonly blocks = true;
  protected abstract readonly reply: PlanReply;
  protected abstract readonly hold: Hold | null;

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done && (this.hold === null || this.hold.released);
  }

  start(): void {
    if (this.hold !== null && this.hold.way === 'hold') return this.hold.take();
    this.go();
  }

  held(_changed: number): void {
    this.go();
  }

  refused(message: string): void {
    this.finish(message);
  }

  waiting(): void {
    this.reply.wait();
  }

  late(_index: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (this.took(kind, payload, items)) this.go();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  /** Runs the steps in order while they answer at once; one that waits goes on in late(). */
  protected abstract go(): void;
  /** A step's answer: true to go on. */
  protected abstract took(kind: ReplyKind, payload: string, items?: Items): boolean;
  protected abstract finish(error: string): false;
  abstract encode(out: OutBuffer): void;
}
