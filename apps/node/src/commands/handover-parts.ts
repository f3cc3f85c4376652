import { doubleText } from '@kv/wire';
import { Kind, type Lru, type LruHash, type LruList, type LruSet, type LruStream, type LruZset } from '@kv/lru';

/**
 * A value too big for one hand-over chunk (handover.ts), sent over several so that neither side
 * ever holds it twice: its first part is its kind's entry with the first items, after a marker
 * `+ total` (total: the value's bytes), and each later part is `C n item...`, the last `E n
 * item...`, items as the kind's entry has them (a string's are pieces of its bytes). The store
 * does not change meanwhile (detached for the hand-over), so a position in the value stays valid
 * from one chunk to the next. Packed (small-encoding) values are bounded by their thresholds and
 * always travel whole.
 */

/** A chunk stays near this size, so no frame or string grows with the shard or a value. */
export const CHUNK_BYTES = 1024 * 1024;

/** Splits are about big values only: under this, a value goes whole into the chunk being made. */
const SPLIT_ABOVE = CHUNK_BYTES / 2;

/** A list's elements are read this many at a time at first, then as many as fit, up to the most, so a part stops near its budget. */
const LIST_BATCH = 16;
const LIST_BATCH_MAX = 4096;

/** The entry letter of each kind's big form (handover.ts). */
const ENTRY_LETTER: Record<Kind, string> = { [Kind.STRING]: 'S', [Kind.HASH]: 'H', [Kind.LIST]: 'L', [Kind.SET]: 'U', [Kind.ZSET]: 'Y', [Kind.STREAM]: 'X' };

export class ValueParts {
  /** Where the next part starts: a string's byte, a list's index, a position in a hash or set, a stream's block; -1 once all were sent. */
  private at = 0;
  private readonly kind: Kind;

  constructor(
    private readonly store: Lru,
    readonly slot: number,
  ) {
    this.kind = store.kindAt(slot);
  }

  /** True when the value at `slot` is too big to go whole in one chunk. */
  static needed(store: Lru, slot: number): boolean {
    if (store.kindAt(slot) === Kind.STRING) return store.valueLength(slot) > SPLIT_ABOVE;
    return !store.isInline(slot) && store.objectAt(slot).bytes > SPLIT_ABOVE;
  }

  /** True once the last part was written. */
  get done(): boolean {
    return this.at < 0;
  }

  /** The marker and the first part (the entry with its first items), within about `budget` bytes: the bytes written. */
  first(out: string[], key: string, expireAt: number, idle: string, budget: number): number {
    const store = this.store;
    const slot = String(this.slot);
    const total = this.kind === Kind.STRING ? store.valueLength(this.slot) : store.objectAt(this.slot).bytes;
    out.push('+', String(total));
    const head = key.length + 64;
    if (this.kind === Kind.STRING) {
      out.push('S', key, '', String(expireAt), slot, idle);
      return head + this.pieces(out, out.length - 4, budget);
    }
    out.push(ENTRY_LETTER[this.kind], key, String(expireAt), slot, idle);
    if (this.kind === Kind.STREAM) out.push(...store.objectAt<LruStream>(this.slot).serializeMeta());
    return head + this.items(out, budget);
  }

  /** The next part (`C`, or `E` for the last), within about `budget` bytes: the bytes written. */
  more(out: string[], budget: number): number {
    const mark = out.length;
    out.push('C');
    let bytes: number;
    if (this.kind === Kind.STRING) {
      out.push('1', '');
      bytes = this.pieces(out, mark + 2, budget);
    } else bytes = this.items(out, budget);
    if (this.at < 0) out[mark] = 'E';
    return bytes + 16;
  }

  /** A piece of a string's bytes into out[at]: its length. */
  private pieces(out: string[], at: number, budget: number): number {
    const view = this.store.valueView(this.slot);
    const from = view.start + this.at;
    const n = Math.max(1, Math.min(budget, view.end - from));
    out[at] = view.buf.latin1Slice(from, from + n);
    this.at = from + n >= view.end ? -1 : this.at + n;
    return n;
  }

  /** The count and the items from `at` on, until about `budget` bytes: the bytes written. */
  private items(out: string[], budget: number): number {
    const count = out.length;
    out.push('0');
    let n = 0;
    let bytes = 0;
    const slot = this.slot;
    const store = this.store;
    switch (this.kind) {
      case Kind.LIST: {
        const list = store.objectAt<LruList>(slot);
        // Read a few at a time, as many as the bytes left would hold at the size seen so far.
        for (let batch = LIST_BATCH; bytes < budget && this.at < list.size; ) {
          const from = out.length;
          list.range(this.at, Math.min(this.at + batch, list.size) - 1, out);
          for (let i = from; i < out.length; i++) bytes += out[i].length + 8;
          n += out.length - from;
          this.at += out.length - from;
          batch = Math.max(1, Math.min(LIST_BATCH_MAX, Math.floor(((budget - bytes) * n) / bytes)));
        }
        if (this.at >= list.size) this.at = -1;
        break;
      }
      case Kind.HASH:
        this.at = store.objectAt<LruHash>(slot).forEachNumbered((field, value, seq) => {
          out.push(field, value, String(seq));
          n++;
          return (bytes += field.length + value.length + 24) < budget;
        }, this.at);
        break;
      case Kind.SET:
        this.at = store.objectAt<LruSet>(slot).members.forEachNumbered((member, _score, seq) => {
          out.push(member, String(seq));
          n++;
          return (bytes += member.length + 16) < budget;
        }, this.at);
        break;
      case Kind.ZSET:
        this.at = store.objectAt<LruZset>(slot).members.forEachNumbered((member, score, seq) => {
          out.push(member, doubleText(score), String(seq));
          n++;
          return (bytes += member.length + 40) < budget;
        }, this.at);
        break;
      case Kind.STREAM: {
        const blocks = store.objectAt<LruStream>(slot).blocks;
        while (bytes < budget && this.at < blocks.length) {
          const block = blocks[this.at++].serialize();
          out.push(block.latin1Slice(0, block.length));
          bytes += block.length + 8;
          n++;
        }
        if (this.at >= blocks.length) this.at = -1;
        break;
      }
    }
    out[count] = String(n);
    return bytes;
  }
}
