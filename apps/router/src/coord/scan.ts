import { argsOf, ReplyKind, SHARD_COUNT, type Args, type Items, type OutBuffer } from '@kv/wire';
import { cursorAt, cursorText, type CommandSpec, type ScanRequest } from '@kv/node';
import { REPLY_ERRORS } from '../reply-errors';
import { WHOLE_WORKER } from './owners';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';
import { Steps, type StepTaker } from './steps';

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is `shard * 2^32 + slot`
 * (apps/node/src/commands/scan.ts), so the shard says which worker to ask: the command runs there
 * on that one shard. When the shard runs out before COUNT keys were found, the walk goes on into
 * the next shard within the same call while the steps run here and at once, and may take one step
 * on another worker last: a step taken after waiting could see writes of commands the client sent
 * after this SCAN. So a call returns at most COUNT keys, often fewer (as Redis's may). Replies
 * [next cursor, [keys...]], cursor "0" at the end.
 */
export class Scan implements Plan, StepTaker {
  readonly blocks = false;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private cursor = '0';
  private error = '';
  private readonly keys: string[] = [];

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    txid: string | null,
    private readonly spec: CommandSpec,
    private readonly request: ScanRequest,
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

  /** Walks shard after shard while each step answers at once and more keys are wanted. */
  start(): void {
    const steps = this.steps;
    while (!this.reply.done) {
      if (this.request.shard >= SHARD_COUNT) return this.finish('0');
      if (!steps.run(this.owners.map[this.request.shard], WHOLE_WORKER, this.spec, this.stepArgs(), 0)) return;
      this.walked(steps.now.kind, steps.now.payload, steps.now.items, true);
    }
  }

  waiting(): void {
    this.reply.wait();
  }

  /** A step that waited ends the call: the client's later commands may have run meanwhile. */
  late(_index: number, kind: ReplyKind, payload: string, items?: Items): void {
    this.walked(kind, payload, items, false);
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  /** A shard answered [next cursor, keys...]: keep the keys; finish, or leave the walk to go on into the next shard. */
  private walked(kind: ReplyKind, payload: string, items: Items | undefined, atOnce: boolean): void {
    if (kind !== ReplyKind.ARRAY || items === undefined || items.length === 0) return this.fail(kind === ReplyKind.ERROR ? payload : REPLY_ERRORS.unexpectedScanStep);
    const next = items[0] ?? '';
    for (let i = 1; i < items.length; i++) this.keys.push(items[i] ?? '');
    const request = this.request;
    const at = cursorAt(next);
    if (at === undefined) return this.fail(REPLY_ERRORS.invalidCursor);
    const shardDone = at.shard !== request.shard;
    request.shard = at.shard;
    request.slot = at.slot;
    this.cursor = next;
    if (next === '0' || !shardDone || this.keys.length >= request.count || !atOnce) this.finish(next);
  }

  /** The command for the current step: the client's options, COUNT what is still wanted. */
  private stepArgs(): Args {
    const request = this.request;
    const parts = [this.spec.name, cursorText(request.shard, request.slot), 'COUNT', String(request.count - this.keys.length)];
    if (request.match !== null) parts.push('MATCH', request.match);
    if (request.type !== null) parts.push('TYPE', request.type);
    return argsOf(parts);
  }

  private fail(message: string): void {
    this.error = message;
    this.finish('0');
  }

  private finish(cursor: string): void {
    this.cursor = cursor;
    this.reply.complete();
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.error !== '') return replies.error(out, this.error);
    replies.arrayHeader(out, 2);
    replies.bulk(out, this.cursor);
    replies.arrayHeader(out, this.keys.length);
    for (const key of this.keys) replies.bulk(out, key);
  }
}
