import { argsOf, ReplyKind, SHARD_COUNT, type Args, type Items, type OutBuffer } from '@kv/wire';
import { cursorAt, cursorText, type CommandSpec, type ScanRequest } from '@kv/node';
import { WHOLE_WORKER } from './owners';
import { Plan, type PlanClient } from './plan';

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is `shard * 2^32 + slot`
 * (apps/node/src/commands/scan.ts), so the shard says which worker to ask: the command runs there
 * on that one shard. When the shard runs out before COUNT keys were found, the walk goes on into
 * the next shard within the same call while the steps run here and at once, and may take one step
 * on another worker last: a step taken after waiting could see writes of commands the client sent
 * after this SCAN. So a call returns at most COUNT keys, often fewer (as Redis's may). Replies
 * [next cursor, [keys...]], cursor "0" at the end.
 */
export class Scan extends Plan {
  /**
   * Still within the client's command: a step that ends now may go on into the next shard. Once
   * a step had to wait (for a peer, or for a transaction here), the client's later commands may
   * have run, and a further step could see their writes: the call ends with that step.
   */
  private inline = true;
  private cursor = '0';
  private error = '';
  private readonly keys: string[] = [];

  constructor(
    client: PlanClient,
    private readonly spec: CommandSpec,
    private readonly request: ScanRequest,
  ) {
    super(client);
  }

  start(): void {
    this.walk();
    this.inline = false;
  }

  /** Runs the command on the shard the walk is at, on the shard's owner. */
  private walk(): void {
    const request = this.request;
    if (request.shard >= SHARD_COUNT) return this.finish('0');
    this.step(this.client.owners.map[request.shard], WHOLE_WORKER, this.spec, this.stepArgs(), 0);
  }

  /** A shard answered [next cursor, keys...]: keep the keys, then stop or go on into the next shard. */
  part(_index: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (kind !== ReplyKind.ARRAY || items === undefined || items.length === 0) return this.fail(kind === ReplyKind.ERROR ? payload : 'ERR unexpected reply to SCAN');
    const next = items[0] ?? '';
    for (let i = 1; i < items.length; i++) this.keys.push(items[i] ?? '');
    const request = this.request;
    const at = cursorAt(next);
    if (at === undefined) return this.fail('ERR invalid cursor');
    const shardDone = at.shard !== request.shard;
    request.shard = at.shard;
    request.slot = at.slot;
    if (next === '0' || !shardDone || this.keys.length >= request.count || !this.inline || this.placed) return this.finish(next);
    this.walk();
  }

  /** The command for the current step: the client's options, COUNT what is still wanted. */
  private stepArgs(): Args {
    const request = this.request;
    const parts = ['SCAN', cursorText(request.shard, request.slot), 'COUNT', String(request.count - this.keys.length)];
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
    this.complete();
  }

  encode(out: OutBuffer): void {
    const replies = this.replies;
    if (this.error !== '') return replies.error(out, this.error);
    replies.arrayHeader(out, 2);
    replies.bulk(out, this.cursor);
    replies.arrayHeader(out, this.keys.length);
    for (const key of this.keys) replies.bulk(out, key);
  }
}
