import { Args, shardOf, type Items, type OutBuffer, type ReplyKind } from '@kv/wire';
import { lastKeyIndex, type CommandSpec } from '@kv/node';
import { Combined } from './combine';
import { WHOLE_WORKER } from './owners';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';
import { Steps, type StepTaker } from './steps';

/** The steps of a plan that sends them all at once: step i runs `spec` with args(i) on worker(i), shard(i). */
export interface StepList {
  readonly length: number;
  readonly spec: CommandSpec;
  worker(i: number): number;
  /** A shard, or WHOLE_WORKER for a command over a worker's shards. */
  shard(i: number): number;
  /** Valid until the next call: the owner copies what must wait. */
  args(i: number): Args;
}

/** A multi-key command once per key (argv [name, key]) on the key's owner (plan `each-key`). */
export class KeySteps implements StepList {
  readonly length: number;
  /** One step's arguments, a view into the command's (reused: one step is sent at a time). */
  private readonly view = new Args(2);
  /** The last step whose key was hashed, and its shard (worker() and shard() ask for the same step). */
  private hashed = -1;
  private hash = 0;

  constructor(
    private readonly map: Uint8Array,
    readonly spec: CommandSpec,
    private readonly command: Args,
  ) {
    this.length = Math.floor((lastKeyIndex(spec, command.count) - spec.firstKey) / spec.step) + 1;
  }

  private key(i: number): number {
    return this.spec.firstKey + i * this.spec.step;
  }

  shard(i: number): number {
    if (i !== this.hashed) {
      const k = this.key(i);
      this.hashed = i;
      this.hash = shardOf(this.command.buf, this.command.starts[k], this.command.ends[k]);
    }
    return this.hash;
  }

  worker(i: number): number {
    return this.map[this.shard(i)];
  }

  args(i: number): Args {
    const command = this.command;
    const k = this.key(i);
    this.view.reset(command.buf);
    this.view.push(command.starts[0], command.ends[0]);
    this.view.push(command.starts[k], command.ends[k]);
    return this.view;
  }
}

/** The same command on each of `workers` (plan `each-worker`), or on each of a list of them. */
export class WorkerSteps implements StepList {
  readonly length: number;

  constructor(
    readonly spec: CommandSpec,
    private readonly command: Args,
    private readonly workers: number | readonly number[],
  ) {
    this.length = typeof workers === 'number' ? workers : workers.length;
  }

  worker(i: number): number {
    return typeof this.workers === 'number' ? i : this.workers[i];
  }

  shard(): number {
    return WHOLE_WORKER;
  }

  args(): Args {
    return this.command;
  }
}

/**
 * One reply combined from several parts, all sent at once: a multi-key command run once per key
 * on the key's owner (MGET, DEL ...: plan `each-key`), a command run on every worker (DBSIZE,
 * FLUSHALL, KEYS, INFO: `each-worker`; CLIENT LIST through its internal CLIENTLIST), or a
 * worker command sent to some workers (SCRIPT FLUSH's copies). Done when its last part is; the
 * parts may answer in any order.
 */
export class Gather implements Plan, StepTaker {
  readonly blocks = false;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private remaining: number;
  /** The steps are being sent: a part that answers meanwhile does not end the plan yet. */
  private sending = false;

  constructor(
    owners: OwnerSet,
    sink: PlanSink,
    txid: string | null,
    private readonly list: StepList,
    private readonly result: Combined,
  ) {
    this.reply = new PlanReply(sink, this);
    this.steps = new Steps(owners, txid, this);
    this.remaining = list.length;
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done;
  }

  start(): void {
    const list = this.list;
    const steps = this.steps;
    this.sending = true;
    for (let i = 0; i < list.length; i++) {
      if (!steps.run(list.worker(i), list.shard(i), list.spec, list.args(i), i)) continue;
      const now = steps.now;
      this.result.add(i, now.kind, now.payload, now.items);
      this.remaining--;
    }
    this.sending = false;
    if (this.remaining === 0) this.reply.complete();
  }

  waiting(): void {
    this.reply.wait();
  }

  late(index: number, kind: ReplyKind, payload: string, items?: Items): void {
    this.result.add(index, kind, payload, items);
    if (--this.remaining === 0 && !this.sending) this.reply.complete();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  encode(out: OutBuffer): void {
    this.result.encode(out, this.reply.replies);
  }
}
