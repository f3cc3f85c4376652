import type { HashReader } from './hash';
import { countAt, dataAt, elementSize, lengthAt, nextAt, PACK, PACKED_HEADER, Packing, setCountAt, writeVarint } from './packed';
import type { ByteView } from './values';

/**
 * A small hash packed in its entry's block (HLISTPACK, packed.ts): field and value elements in
 * insertion order, as Redis's listpack-encoded hash. No object per field: reads walk the bytes
 * (a few dozen pairs), a write packs the pairs again (hashes.ts), and past the thresholds
 * (hash-max-listpack-entries / -value) the hash becomes an LruHash and stays one, as in Redis.
 */
export class PackedHash implements HashReader {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;

  /** Reads the packed hash at `view` (valid until the next write to the store). */
  at(view: ByteView): this {
    this.buf = view.buf;
    this.start = view.start;
    return this;
  }

  get size(): number {
    return countAt(this.buf, this.start) >>> 1;
  }

  /** The position of the value element of `field`, or -1. */
  private find(field: string): number {
    const buf = this.buf;
    const length = field.length;
    let p = this.start + PACKED_HEADER;
    for (let n = this.size; n > 0; n--) {
      const value = nextAt(buf, p, 0);
      if (lengthAt(buf, p) === length) {
        const d = dataAt(buf, p);
        let i = 0;
        while (i < length && buf[d + i] === field.charCodeAt(i)) i++;
        if (i === length) return value;
      }
      p = nextAt(buf, value, 0);
    }
    return -1;
  }

  get(field: string): string | undefined {
    const at = this.find(field);
    return at < 0 ? undefined : this.text(at);
  }

  has(field: string): boolean {
    return this.find(field) >= 0;
  }

  private text(p: number): string {
    const d = dataAt(this.buf, p);
    return this.buf.latin1Slice(d, d + lengthAt(this.buf, p));
  }

  forEach(visit: (field: string, value: string) => void): void {
    const buf = this.buf;
    let p = this.start + PACKED_HEADER;
    for (let n = this.size; n > 0; n--) {
      const value = nextAt(buf, p, 0);
      visit(this.text(p), this.text(value));
      p = nextAt(buf, value, 0);
    }
  }

  appendTo(out: string[], fields: boolean, values: boolean): string[] {
    this.forEach((field, value) => {
      if (fields) out.push(field);
      if (values) out.push(value);
    });
    return out;
  }

  randomPosition(random: () => number = Math.random): number {
    const size = this.size;
    return size === 0 ? -1 : Math.floor(random() * size);
  }

  /** The field element of the pair at `position` (0-based). */
  private pairAt(position: number): number {
    const buf = this.buf;
    let p = this.start + PACKED_HEADER;
    for (let i = 0; i < position; i++) p = nextAt(buf, nextAt(buf, p, 0), 0);
    return p;
  }

  fieldAt(position: number): string {
    return this.text(this.pairAt(position));
  }

  valueAt(position: number): string {
    return this.text(nextAt(this.buf, this.pairAt(position), 0));
  }

  positions(): number[] {
    return Array.from({ length: this.size }, (_, i) => i);
  }
}

/** The pairs (field, value, field, value ...) packed as a hash: the bytes are PACK's until the next packing. */
export function packHash(pairs: readonly string[]): { bytes: Buffer; length: number } {
  PACK.begin(Packing.HLISTPACK);
  for (const text of pairs) PACK.elementString(text);
  return { bytes: PACK.buf, length: PACK.finish() };
}

/** What the in-place edits need of the store (Collections: no import of it, which imports this). */
interface PackedStore {
  valueView(slot: number): ByteView;
  spliceValue(slot: number, at: number, remove: number, insert: number): ByteView | null;
}

/** The offset in a packed hash's bytes (from its value's start) of `field`'s field element, or -1. */
function fieldOffset(buf: Buffer, start: number, field: string): number {
  const length = field.length;
  let p = start + PACKED_HEADER;
  for (let n = countAt(buf, start) >>> 1; n > 0; n--) {
    const value = nextAt(buf, p, 0);
    if (lengthAt(buf, p) === length) {
      const d = dataAt(buf, p);
      let i = 0;
      while (i < length && buf[d + i] === field.charCodeAt(i)) i++;
      if (i === length) return p - start;
    }
    p = nextAt(buf, value, 0);
  }
  return -1;
}

function writeText(buf: Buffer, at: number, text: string): number {
  at = writeVarint(buf, at, text.length);
  return at + buf.latin1Write(text, at, text.length);
}

/**
 * Sets one field of the packed hash at `slot` in place (Redis's listpack replace or append): its
 * value element replaced, or the pair appended. 1 when the field is new, 0 when it was there, null
 * (nothing changed) when the value cannot fit. The caller keeps the packed form's thresholds.
 */
export function packedHashSet(store: PackedStore, slot: number, field: string, value: string): 0 | 1 | null {
  const view = store.valueView(slot);
  const at = fieldOffset(view.buf, view.start, field);
  if (at >= 0) {
    const valueAt = nextAt(view.buf, view.start + at, 0) - view.start;
    const old = nextAt(view.buf, view.start + valueAt, 0) - view.start - valueAt;
    const opened = store.spliceValue(slot, valueAt, old, elementSize(value.length));
    if (opened === null) return null;
    writeText(opened.buf, opened.start + valueAt, value);
    return 0;
  }
  const end = view.end - view.start;
  const count = countAt(view.buf, view.start);
  const opened = store.spliceValue(slot, end, 0, elementSize(field.length) + elementSize(value.length));
  if (opened === null) return null;
  writeText(opened.buf, writeText(opened.buf, opened.start + end, field), value);
  setCountAt(opened.buf, opened.start, count + 2);
  return 1;
}

/** Removes one field of the packed hash at `slot` in place: true when it was there (the caller deletes a hash left empty). */
export function packedHashDelete(store: PackedStore, slot: number, field: string): boolean {
  const view = store.valueView(slot);
  const at = fieldOffset(view.buf, view.start, field);
  if (at < 0) return false;
  const count = countAt(view.buf, view.start);
  const pairEnd = nextAt(view.buf, nextAt(view.buf, view.start + at, 0), 0) - view.start;
  const opened = store.spliceValue(slot, at, pairEnd - at, 0);
  if (opened === null) throw new Error('a packed hash that shrank did not fit its entry');
  setCountAt(opened.buf, opened.start, count - 2);
  return true;
}
