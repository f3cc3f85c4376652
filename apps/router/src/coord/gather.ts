import { ReplyKind, type Args, type Items, type OutBuffer } from '@kv/wire';
import { lastKeyIndex, mergeInfo, type CommandSpec } from '@kv/node';
import { WHOLE_WORKER, shardOfArg } from './owners';
import { keyPart, Plan, type PlanClient } from './plan';

export type Combine = 'sum' | 'list' | 'ok' | 'concat' | 'info' | 'lines';

/**
 * One reply combined from several parts: a multi-key command run once per key on the key's
 * owner (MGET, DEL ...: plan `each-key`) or a command run on every worker (DBSIZE, FLUSHALL,
 * KEYS, INFO: plan `each-worker`; CLIENT LIST through its internal CLIENTLIST). Done when its
 * last part is.
 */
export class Gather extends Plan {
  private remaining: number;
  /** Parts: keys (each-key) or workers (each-worker). */
  private readonly parts: number;
  sum = 0;
  error = '';
  readonly kinds: ReplyKind[];
  readonly values: string[];
  /** Each worker's list (KEYS). */
  private readonly lists: (Items | undefined)[] = [];

  constructor(
    client: PlanClient,
    readonly combine: Combine,
    parts: number,
    private readonly spec: CommandSpec | null = null,
    private readonly args: Args | null = null,
  ) {
    super(client);
    this.remaining = parts;
    this.parts = parts;
    const byPart = combine === 'list' || combine === 'concat' || combine === 'info' || combine === 'lines';
    this.kinds = byPart ? new Array<ReplyKind>(parts) : [];
    this.values = byPart ? new Array<string>(parts) : [];
  }

  /** The command once per key (argv[name, key]) on each key's owner. */
  static eachKey(client: PlanClient, spec: CommandSpec, args: Args): Gather {
    const first = spec.firstKey;
    const last = lastKeyIndex(spec, args.count);
    return new Gather(client, spec.combine!, Math.floor((last - first) / spec.step) + 1, spec, args);
  }

  /** The command on every worker of the map. */
  static eachWorker(client: PlanClient, spec: CommandSpec, args: Args, workers: number): Gather {
    return new Gather(client, spec.combine!, workers, spec, args);
  }

  start(): void {
    const spec = this.spec!;
    const args = this.args!;
    if (spec.plan !== 'each-key') {
      for (let w = 0; w < this.parts; w++) this.step(w, WHOLE_WORKER, spec, args, w);
      return;
    }
    const map = this.client.owners.map;
    const last = lastKeyIndex(spec, args.count);
    for (let k = spec.firstKey, part = 0; k <= last; k += spec.step, part++) {
      const shard = shardOfArg(args, k);
      this.step(map[shard], shard, spec, keyPart(args, k), part);
    }
  }

  part(index: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else if (kind === ReplyKind.ARRAY) {
      this.lists[index] = items;
    } else if (this.combine === 'sum') {
      this.sum += Number(payload);
    } else if (this.kinds.length > 0) {
      this.kinds[index] = kind;
      this.values[index] = payload;
    }
    if (--this.remaining === 0) this.complete();
  }

  encode(out: OutBuffer): void {
    const replies = this.replies;
    if (this.error !== '') return replies.error(out, this.error);
    switch (this.combine) {
      case 'sum':
        return replies.integer(out, this.sum);
      case 'ok':
        return replies.ok(out);
      case 'info':
        return replies.verbatim(out, mergeInfo(this.values));
      case 'lines':
        return replies.verbatim(out, this.values.join(''));
      case 'concat':
        return this.encodeConcat(out);
      default:
        replies.arrayHeader(out, this.kinds.length);
        for (let i = 0; i < this.kinds.length; i++) {
          if (this.kinds[i] === ReplyKind.BULK) replies.bulk(out, this.values[i]);
          else replies.nil(out);
        }
    }
  }

  /** KEYS: one array of every worker's list, in worker order. */
  private encodeConcat(out: OutBuffer): void {
    let total = 0;
    for (const list of this.lists) total += list?.length ?? 0;
    this.replies.arrayHeader(out, total);
    for (const list of this.lists) for (const item of list ?? []) this.replies.bulk(out, item ?? '');
  }
}
