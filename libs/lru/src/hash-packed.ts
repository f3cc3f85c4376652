import type { HashReader } from './hash';
import { countAt, dataAt, lengthAt, nextAt, PACK, PACKED_HEADER, Packing } from './packed';
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
