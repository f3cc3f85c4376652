import type { HashReader, LruHash } from './hash';
import { PackedHash } from './hash-packed';
import { Form, formAt, Kind, setValueLength, valueRoomAt } from './layout';
import type { LruObject } from './object';
import { Values, type ByteView } from './values';

/** A packed value grows into a block with this much room again (up to GROWTH_CAP), so pushes stay cheap. */
const GROWTH_CAP = 4096;
/** A packed value moves to a smaller block once its block has more than twice its bytes and this much room. */
const SHRINK_ROOM = 256;

/**
 * Values other than strings, as entries: a packed collection inline in its block (a small list
 * or set: packed.ts), or an object kept by handle (a hash, a big list or set: object.ts). The
 * kind modules (list-ops.ts, set-ops.ts, and hash commands through hashAt) work through these
 * and nothing else: each write here charges the entry again, gives
 * it a new version (WATCH) and makes it the most recently used; one that cannot fit changes
 * nothing and answers false or null (the command answers OOM).
 */
export abstract class Collections extends Values {
  /** The object value of a live EXTERNAL entry. */
  objectAt<T extends LruObject>(slot: number): T {
    return this.objects[this.handleAt(slot)] as T;
  }

  /** A hash entry's hash, in its big form (an LruHash: the entry is not inline). */
  hashAt(slot: number): LruHash {
    return this.objects[this.handleAt(slot)] as LruHash;
  }

  private readonly packedHash = new PackedHash();

  /** A hash entry's hash in either form; a packed one is read where it lies (one reader, reused: read it at once). */
  hashReaderAt(slot: number): HashReader {
    return this.isInline(slot) ? this.packedHash.at(this.valueView(slot)) : this.hashAt(slot);
  }

  /**
   * Stores an object value of `kind` at key kbuf[kstart, kend) (a new key, or one whose value it
   * replaces, losing its expiry as SET does). The slot, or -1, storing nothing, when it cannot fit.
   */
  setObject(kbuf: Uint8Array, kstart: number, kend: number, kind: Kind, object: LruObject): number {
    const h = this.hashOf(kbuf, kstart, kend);
    const slot = this.alive(this.find(h, kbuf, kstart, kend));
    if (slot >= 0) return this.rewrite(slot, kind, null, 0, 0, null, 0, 0, 0, object, 0, false) ? slot : -1;
    return this.insert(h, kbuf, kstart, kend, kind, null, 0, 0, 0, object, 0);
  }

  /** A hash at key kbuf[kstart, kend) (setObject). */
  setHash(kbuf: Uint8Array, kstart: number, kend: number, hash: LruHash): number {
    return this.setObject(kbuf, kstart, kend, Kind.HASH, hash);
  }

  /** setHash() for a key given as a latin1 string. */
  setHashKey(key: string, hash: LruHash): number {
    const n = this.toScratch(key, 0);
    return this.setHash(this.memory.scratch, 0, n, hash);
  }

  /**
   * Makes room for a live object value to grow by `growth` bytes, evicting other entries as the
   * policy says (never this one). False, evicting nothing, when it cannot: call it before a
   * change to an object value, and answer OOM when it fails. The charge itself is set by objectChanged().
   */
  reserve(slot: number, growth: number): boolean {
    if (growth <= 0) return true;
    if (this.chargeAt(slot) + growth > this.memory.budget) return false;
    return this.memory.makeRoom(growth, this, slot);
  }

  /**
   * After a change to the object value at `slot` (its `bytes` changed): charges the entry again,
   * gives it a new version and makes it most recently used; one left empty is deleted, as Redis
   * deletes an empty hash or list (a stream stays: keptEmpty). Room for any growth was made
   * by reserve() first.
   */
  objectChanged(slot: number): void {
    const handle = this.handleAt(slot);
    const object = this.objects[handle]!;
    if (object.size === 0 && object.keptEmpty !== true) return this.removeSlot(slot);
    this.rechargeObject(slot, handle, object);
    this.written(slot, 0, true);
  }

  /** objectChanged() for a hash. */
  hashChanged(slot: number): void {
    this.objectChanged(slot);
  }

  /**
   * A new entry of `kind` at key kbuf[kstart, kend) whose value is the packed collection
   * src[start, end), with room to grow. The caller saw no live entry there. -1 when it cannot fit.
   */
  createPacked(kbuf: Uint8Array, kstart: number, kend: number, kind: Kind, src: Uint8Array, start: number, end: number): number {
    const h = this.hashOf(kbuf, kstart, kend);
    const slot = this.alive(this.find(h, kbuf, kstart, kend));
    if (slot >= 0) return this.overwrite(slot, kind, src, start, end, end - start, 0, false) ? slot : -1;
    const length = end - start;
    return this.insert(h, kbuf, kstart, kend, kind, src, start, end, length + Math.min(length >> 1, GROWTH_CAP), null, 0);
  }

  /** A live entry's value becomes the packed collection src[start, end) of `kind` (expiry kept). False, changing nothing, when it cannot fit. */
  replacePacked(slot: number, src: Uint8Array, start: number, end: number, kind: Kind = this.kindAt(slot)): boolean {
    const length = end - start;
    return this.overwrite(slot, kind, src, start, end, length + Math.min(length >> 1, GROWTH_CAP), 0, true);
  }

  /**
   * Opens a gap in a live packed value: its bytes [at, at + remove) become `insert` bytes (what
   * follows moves), for the caller to fill at once through the view returned, whose `start` is the
   * value's first byte. Moves the value to a bigger block (with room to grow) when it must, to a
   * smaller one when it shrank a lot. Null, changing nothing, when it cannot fit.
   */
  spliceValue(slot: number, at: number, remove: number, insert: number): ByteView | null {
    const arena = this.memory.arena;
    const kind = this.kindAt(slot);
    let view = this.valueView(slot);
    const length = view.end - view.start;
    const next = length - remove + insert;
    if (next > this.roomAt(slot)) {
      if (!this.rewrite(slot, kind, view.buf, view.start, length, null, 0, 0, next + Math.min(next >> 1, GROWTH_CAP), null, 0, true)) return null;
      view = this.valueView(slot);
    }
    const buf = view.buf;
    const tail = view.start + at + remove;
    if (insert !== remove && tail < view.end) buf.copyWithin(view.start + at + insert, tail, view.end);
    let addr = this.addrs[slot];
    setValueLength(buf, arena.wordsOf(addr), arena.payloadOffset(addr), next);
    view.end = view.start + next;
    if (this.roomAt(slot) > next * 2 + SHRINK_ROOM) {
      // Shrunk a lot: a smaller block (if one cannot be had now, the value stays where it is).
      const start = view.start;
      if (this.rewrite(slot, kind, buf, start, next, null, 0, 0, next + (next >> 2), null, 0, true)) {
        view = this.valueView(slot);
        addr = this.addrs[slot];
      }
    }
    this.written(slot, 0, true);
    return view;
  }

  /** A live entry's value becomes `object` (its expiry kept): a packed collection grown past its form, or any value replaced. False, changing nothing, when it cannot fit. */
  toObject(slot: number, object: LruObject): boolean {
    return this.rewrite(slot, object.kind, null, 0, 0, null, 0, 0, 0, object, 0, true);
  }

  /** Bytes a live inline value may grow to in its block. */
  private roomAt(slot: number): number {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    return valueRoomAt(arena.chunkOf(addr), arena.wordsOf(addr), arena.payloadOffset(addr), arena.blockSize(addr));
  }

  /** True when the live entry's value is inline in its block (a string or a packed collection), not an object. */
  isInline(slot: number): boolean {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    return formAt(arena.chunkOf(addr), arena.payloadOffset(addr)) !== Form.EXTERNAL;
  }
}
