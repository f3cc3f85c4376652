import { argsOf, ReplyKind, shardOfString, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';
import { Steps, type StepTaker } from './steps';

const KEYVERSION = commandNamed('KEYVERSION');

/**
 * WATCH key...: asks each key's owner for its version now (KEYVERSION), to be compared under
 * EXEC's holds. The client waits for it, so a MULTI/EXEC sent right after sees every version.
 */
export class Watch implements Plan, StepTaker {
  readonly blocks = true;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private remaining: number;
  private sending = false;
  private error = '';
  private readonly versions: number[];

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    private readonly keys: readonly string[],
    /** The client's watched keys: each key's version goes in once all are known. */
    private readonly into: Map<string, number>,
  ) {
    this.reply = new PlanReply(sink, this);
    this.steps = new Steps(owners, null, this);
    this.remaining = keys.length;
    this.versions = new Array<number>(keys.length);
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done;
  }

  start(): void {
    const map = this.owners.map;
    const steps = this.steps;
    this.sending = true;
    for (let i = 0; i < this.keys.length; i++) {
      const shard = shardOfString(this.keys[i]);
      if (steps.run(map[shard], shard, KEYVERSION, argsOf([KEYVERSION.name, this.keys[i]]), i)) this.take(i, steps.now.kind, steps.now.payload);
    }
    this.sending = false;
    this.finishIfAll();
  }

  waiting(): void {
    this.reply.wait();
  }

  late(index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    this.take(index, kind, payload);
    if (!this.sending) this.finishIfAll();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  private take(index: number, kind: ReplyKind, payload: string): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else this.versions[index] = Number(payload);
    this.remaining--;
  }

  private finishIfAll(): void {
    if (this.remaining > 0 || this.reply.done) return;
    // The first version seen of a key watched twice is the one EXEC compares, as in Redis.
    if (this.error === '') this.keys.forEach((key, i) => this.into.has(key) || this.into.set(key, this.versions[i]));
    this.reply.complete();
  }

  encode(out: OutBuffer): void {
    if (this.error !== '') return this.reply.replies.error(out, this.error);
    this.reply.replies.ok(out);
  }
}
