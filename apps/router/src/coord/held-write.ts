import { argsOf, ReplyKind, shardOfString, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed, type CommandSpec } from '@kv/node';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';
import { Steps, type StepTaker } from './steps';

const SET = commandNamed('SET');
const EXISTS = commandNamed('EXISTS');

/**
 * MSET or MSETNX inside a MULTI/EXEC or a script, whose hold already covers every worker of its
 * keys: no transaction of its own (it would wait for that very hold), just a SET per pair on its
 * owner, after an EXISTS per key for MSETNX (`write-new`). Nothing else runs on those workers meanwhile.
 */
export class HeldWrite implements Plan, StepTaker {
  readonly blocks = false;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private remaining = 0;
  private existing = 0;
  private error = '';
  /** The SETs are out (after the EXISTS round, for MSETNX). */
  private writing = false;
  private sending = false;

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    txid: string,
    private readonly onlyNew: boolean,
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
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
    this.writing = !this.onlyNew;
    this.round();
  }

  /** Sends this round's step for every key (EXISTS, or SET), then moves on if all answered at once. */
  private round(): void {
    for (;;) {
      const spec: CommandSpec = this.writing ? SET : EXISTS;
      const map = this.owners.map;
      this.remaining = this.keys.length;
      this.sending = true;
      for (let i = 0; i < this.keys.length; i++) {
        const shard = shardOfString(this.keys[i]);
        const argv = this.writing ? [spec.name, this.keys[i], this.values[i]] : [spec.name, this.keys[i]];
        if (this.steps.run(map[shard], shard, spec, argsOf(argv), i)) this.take(this.steps.now.kind, this.steps.now.payload);
      }
      this.sending = false;
      if (this.remaining > 0 || !this.nextRound()) return;
    }
  }

  /** A round is over: true when the writes go out next (MSETNX found no key), else the plan is done. */
  private nextRound(): boolean {
    if (this.writing || this.error !== '' || this.existing > 0) {
      this.reply.complete();
      return false;
    }
    this.writing = true;
    return true;
  }

  waiting(): void {
    this.reply.wait();
  }

  late(_index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    this.take(kind, payload);
    if (this.remaining === 0 && !this.sending && this.nextRound()) this.round();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  private take(kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else if (!this.writing) this.existing += Number(payload);
    this.remaining--;
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.error !== '') return replies.error(out, this.error);
    if (!this.onlyNew) return replies.ok(out);
    replies.integer(out, this.existing > 0 ? 0 : 1);
  }
}
