import { ReplyKind, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { mergeInfo, type CommandSpec } from '@kv/node';

export type Combine = NonNullable<CommandSpec['combine']>;

/**
 * Several parts' replies made one (a command run per key or per worker, a transaction's reads):
 * summed, listed in part order, one OK, the parts' lists concatenated (KEYS), INFO texts merged,
 * texts joined (CLIENT LIST), lists made one with no item twice (PUBSUB CHANNELS) or counted so
 * (PUBSUB NUMPAT), or [name, count ...] lists summed by position (PUBSUB NUMSUB), or one value at
 * random (RANDOMKEY). The first error wins.
 */
export class Combined {
  sum = 0;
  error = '';
  private readonly kinds: ReplyKind[];
  private readonly values: string[];
  /** Each part's list (KEYS). */
  private readonly lists: (Items | undefined)[] = [];

  constructor(
    readonly combine: Combine,
    parts: number,
  ) {
    const byPart = combine === 'list' || combine === 'concat' || combine === 'info' || combine === 'lines' || combine === 'random';
    this.kinds = byPart ? new Array<ReplyKind>(parts) : [];
    this.values = byPart ? new Array<string>(parts) : [];
  }

  /** Part `index` answered. */
  add(index: number, kind: ReplyKind, payload: string, items?: Items): void {
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
  }

  /** A value read for list position `index` (a transaction's reads): undefined is nil. */
  setValue(index: number, value: string | undefined): void {
    this.kinds[index] = value === undefined ? ReplyKind.NIL : ReplyKind.BULK;
    this.values[index] = value ?? '';
  }

  encode(out: OutBuffer, replies: ReplyEncoder): void {
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
        return this.encodeConcat(out, replies);
      case 'union': {
        const items = this.union();
        replies.arrayHeader(out, items.size);
        for (const item of items) replies.bulk(out, item);
        return;
      }
      case 'union-count':
        return replies.integer(out, this.union().size);
      case 'pair-sums':
        return this.encodePairSums(out, replies);
      case 'random':
        return this.encodeRandom(out, replies);
      default:
        replies.arrayHeader(out, this.kinds.length);
        for (let i = 0; i < this.kinds.length; i++) {
          if (this.kinds[i] === ReplyKind.BULK) replies.bulk(out, this.values[i]);
          else replies.nil(out);
        }
    }
  }

  /** Every part's items, each once, in the order first seen. */
  private union(): Set<string> {
    const items = new Set<string>();
    for (const list of this.lists) for (const item of list ?? []) if (item !== undefined) items.add(item);
    return items;
  }

  /** [name, count, name, count ...] from every part, the counts summed by position: names as bulk strings, counts as integers. */
  private encodePairSums(out: OutBuffer, replies: ReplyEncoder): void {
    const first = this.lists.find((list) => list !== undefined) ?? [];
    replies.arrayHeader(out, first.length);
    for (let i = 0; i + 1 < first.length; i += 2) {
      let sum = 0;
      for (const list of this.lists) sum += Number(list?.[i + 1] ?? 0);
      replies.bulk(out, first[i] ?? '');
      replies.integer(out, sum);
    }
  }

  /** RANDOMKEY: one part's value at random among those that have one (each a worker's random key), nil when none has. */
  private encodeRandom(out: OutBuffer, replies: ReplyEncoder): void {
    const found: string[] = [];
    for (let i = 0; i < this.kinds.length; i++) if (this.kinds[i] === ReplyKind.BULK) found.push(this.values[i]);
    if (found.length === 0) return replies.nil(out);
    replies.bulk(out, found[Math.floor(Math.random() * found.length)]);
  }

  /** KEYS: one array of every part's list, in part order. */
  private encodeConcat(out: OutBuffer, replies: ReplyEncoder): void {
    let total = 0;
    for (const list of this.lists) total += list?.length ?? 0;
    replies.arrayHeader(out, total);
    for (const list of this.lists) for (const item of list ?? []) replies.bulk(out, item ?? '');
  }
}
