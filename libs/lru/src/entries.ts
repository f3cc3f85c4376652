import { NIL, blockSizeFor } from './arena';
import { ExpiringSlots } from './expiry';
import type { LruObject } from './object';
import { Form, Kind, formAt, inlineForm, keyLengthAt, keyStartAt, payloadOf, setValueLength, valueFieldAt, valueRoomAt, writeHeader, copyBytes } from './layout';
import { ENTRY_OVERHEAD, KeyEvent, type Evictable, type EvictionPolicy } from './memory';
import { NONE } from './slots';

/**
 * Entries' blocks: writing a new entry (block, slot, index, recency), a new value in place or in
 * a new block, and freeing one, with the charges that go with each. Object values (object.ts)
 * are kept by handle; an EXTERNAL entry's block holds the handle.
 */

/** An inline value keeps its block on an overwrite unless the block is this much too big. */
const SHRINK_SLACK = 64;

export abstract class Entries extends ExpiringSlots implements Evictable {
  /** Bytes charged for this shard's entries (its part of memory.used). */
  bytes = 0;
  /** Object values, by handle. */
  protected objects: (LruObject | undefined)[] = [];
  private objectCharges: number[] = [];
  private freeHandles: number[] = [];

  abstract victimAge(policy: EvictionPolicy, keep: number): number;
  abstract evictVictim(): void;

  /** Bytes charged for the entry: its block, the entry overhead, and an object value's own bytes. */
  chargeAt(slot: number): number {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const size = arena.blockSize(addr);
    const p = arena.payloadOffset(addr);
    const extra = formAt(arena.chunkOf(addr), p) === Form.EXTERNAL ? this.objectCharges[valueFieldAt(arena.chunkOf(addr), arena.wordsOf(addr), p)] : 0;
    return size + ENTRY_OVERHEAD + extra;
  }


  /** A new entry: block, slot, index, recency. -1 when it cannot fit. */
  protected insert(h: number, kbuf: Uint8Array, kstart: number, kend: number, kind: Kind, vbuf: Uint8Array | null, vstart: number, vend: number, room: number, object: LruObject | null, expireAt: number): number {
    const slot = this.insertAt(NONE, h, kbuf, kstart, kend, kind, vbuf, vstart, vend, room, object, expireAt);
    if (slot >= 0) {
      this.announce(KeyEvent.NEW, slot);
      // A client may have cached the key's absence, or broadcast its prefix (two counts' tests while nobody tracks).
      const tracking = this.memory.tracking;
      if (tracking.keys > 0 || tracking.prefixCount !== 0) tracking.invalidate(kbuf, kstart, kend);
    }
    return slot;
  }

  /** Its readers told (a mark), or its BCAST prefixes (any prefix known). */
  protected override trackedChanged(slot: number): void {
    this.tracked[slot] = 0;
    if (slot === this.restoring) return;
    const [buf, start, end] = this.keyRange(slot);
    this.memory.tracking.invalidate(buf, start, end);
  }

  /** The slot a hand-over is restoring into (NONE: none): its arrival tells no one. */
  protected restoring = NONE;

  /** Marks an existing entry as read by a tracking client (its readers are in memory.tracking). */
  markTracked(slot: number): void {
    this.tracked[slot] = 1;
  }

  protected announce(event: KeyEvent, slot: number): void {
    const listener = this.memory.keyEvents;
    if (listener === null) return;
    const [buf, start, end] = this.keyRange(slot);
    listener(event, buf, start, end);
  }

  /**
   * insert() into a given free slot (NONE: the next free one), sparing entry `keep` from eviction
   * (the source of a copy), with room made for `cost - credit` only (bytes the caller frees at once after: a rename's source).
   */
  protected insertAt(at: number, h: number, kbuf: Uint8Array, kstart: number, kend: number, kind: Kind, vbuf: Uint8Array | null, vstart: number, vend: number, room: number, object: LruObject | null, expireAt: number, keep = NONE, credit = 0): number {
    const memory = this.memory;
    const keyLength = kend - kstart;
    const form = object !== null ? Form.EXTERNAL : inlineForm(keyLength, room);
    const payload = payloadOf(form, keyLength, room);
    const extra = object === null ? 0 : object.bytes;
    const cost = blockSizeFor(payload) + ENTRY_OVERHEAD + extra;
    const spared = keep === NONE ? null : this;
    if (cost > memory.budget || !memory.makeRoom(cost - credit, spared, keep)) return -1;
    const addr = memory.allocBlock(payload, spared, keep);
    if (addr === NIL) return -1;
    const slot = at === NONE ? this.allocSlot() : this.claimSlot(at);
    this.addrs[slot] = addr;
    this.hashes[slot] = h;
    this.fillBlock(addr, kind, form, kbuf, kstart, keyLength, vbuf, vstart, vend, object);
    this.size++;
    memory.entries++;
    this.bytes += cost;
    memory.used += cost;
    memory.external += extra;
    this.bumpVersion(slot);
    this.stamps[slot] = memory.stamp();
    this.linkAtHead(slot);
    this.indexSlot(slot);
    this.setExpiry(slot, expireAt);
    return slot;
  }

  /** A live entry gets a new inline value of `kind`: in place when its block has room, else a new block. */
  protected overwrite(slot: number, kind: Kind, vbuf: Uint8Array, vstart: number, vend: number, room: number, expireAt: number, keepTtl: boolean): boolean {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const words = arena.wordsOf(addr);
    const p = arena.payloadOffset(addr);
    const length = vend - vstart;
    if (this.fitsInPlace(slot, length)) {
      const at = keyStartAt(bytes, p) + keyLengthAt(bytes, words, p);
      copyBytes(vbuf, vstart, vend, bytes, at);
      setValueLength(bytes, words, p, length);
      bytes[p] = kind | (bytes[p] & 0x30);
      this.written(slot, expireAt, keepTtl);
      return true;
    }
    return this.rewrite(slot, kind, null, 0, 0, vbuf, vstart, vend, room, null, expireAt, keepTtl);
  }

  /**
   * Moves a live entry to a new block with a new value: `old[oldStart, +oldLength)` (the current
   * value's bytes kept at the front, for append) then vbuf[vstart, vend), with `room` bytes for
   * the value; or an object value. The old block goes back to the arena. False, changing nothing, when the
   * new block cannot fit.
   */
  protected rewrite(slot: number, kind: Kind, old: Buffer | null, oldStart: number, oldLength: number, vbuf: Uint8Array | null, vstart: number, vend: number, room: number, object: LruObject | null, expireAt: number, keepTtl: boolean): boolean {
    const memory = this.memory;
    const arena = memory.arena;
    const oldAddr = this.addrs[slot];
    const oldBytes = arena.chunkOf(oldAddr);
    const p = arena.payloadOffset(oldAddr);
    const keyStart = keyStartAt(oldBytes, p);
    const keyLength = keyLengthAt(oldBytes, arena.wordsOf(oldAddr), p);
    const form = object !== null ? Form.EXTERNAL : inlineForm(keyLength, room);
    const payload = payloadOf(form, keyLength, room);
    const oldCharge = this.chargeAt(slot);
    const extra = object === null ? 0 : object.bytes;
    const cost = blockSizeFor(payload) + ENTRY_OVERHEAD + extra;
    if (cost > memory.budget || !memory.makeRoom(cost - oldCharge, this, slot)) return false;
    const addr = memory.allocBlock(payload, this, slot);
    if (addr === NIL) return false;
    // Neither the old block nor its chunk moved: a used block is never released.
    this.fillBlock(addr, kind, form, oldBytes, keyStart, keyLength, null, 0, 0, object);
    if (old !== null || vbuf !== null) {
      const bytes = arena.chunkOf(addr);
      const q = arena.payloadOffset(addr);
      const at = keyStartAt(bytes, q) + keyLength;
      if (old !== null) copyBytes(old, oldStart, oldStart + oldLength, bytes, at);
      if (vbuf !== null) copyBytes(vbuf, vstart, vend, bytes, at + oldLength);
      setValueLength(bytes, arena.wordsOf(addr), q, oldLength + vend - vstart);
    }
    const volatileCharge = this.expireAt(slot) !== 0;
    this.release(slot);
    this.addrs[slot] = addr;
    memory.external += extra;
    // release() took the old charge off: the entry is charged its new cost.
    this.bytes += cost;
    memory.used += cost;
    if (volatileCharge) this.volatileBytes += cost - oldCharge;
    this.written(slot, expireAt, keepTtl);
    return true;
  }

  /** Writes a new block's header and key (and the value, if given: vbuf[vstart, vend)). */
  private fillBlock(addr: number, kind: Kind, form: Form, kbuf: Uint8Array, kstart: number, keyLength: number, vbuf: Uint8Array | null, vstart: number, vend: number, object: LruObject | null): void {
    const arena = this.memory.arena;
    const bytes = arena.chunkOf(addr);
    const p = arena.payloadOffset(addr);
    writeHeader(bytes, arena.wordsOf(addr), p, kind, form, keyLength, object !== null ? this.keepObject(object) : vend - vstart);
    const at = keyStartAt(bytes, p);
    if (kbuf !== bytes || kstart !== at) copyBytes(kbuf, kstart, kstart + keyLength, bytes, at);
    if (vbuf !== null) copyBytes(vbuf, vstart, vend, bytes, at + keyLength);
  }

  /**
   * True when a string value of `length` bytes would be written over the entry's value in its
   * block: an inline entry whose block has room, and not too much (a value that shrank a lot
   * moves to a smaller block).
   */
  protected fitsInPlace(slot: number, length: number): boolean {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const p = arena.payloadOffset(addr);
    if (formAt(bytes, p) === Form.EXTERNAL) return false;
    const room = valueRoomAt(bytes, arena.wordsOf(addr), p, arena.blockSize(addr));
    return length <= room && room <= length * 2 + SHRINK_SLACK;
  }

  /** Takes a given free slot at or past `used` or off no free list (a restore). */
  private claimSlot(slot: number): number {
    if (slot >= this.used) this.used = slot + 1;
    return slot;
  }

  /** The entry's key as (buffer, start, end) in the arena. */
  protected keyRange(slot: number): [Buffer, number, number] {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const p = arena.payloadOffset(addr);
    const at = keyStartAt(bytes, p);
    return [bytes, at, at + keyLengthAt(bytes, arena.wordsOf(addr), p)];
  }

  /** Frees an entry's block and object (not its slot, links or index): the charge is the caller's. */
  protected release(slot: number): void {
    const memory = this.memory;
    const arena = memory.arena;
    const addr = this.addrs[slot];
    const charge = this.chargeAt(slot);
    const p = arena.payloadOffset(addr);
    if (formAt(arena.chunkOf(addr), p) === Form.EXTERNAL) {
      const handle = valueFieldAt(arena.chunkOf(addr), arena.wordsOf(addr), p);
      memory.external -= this.objectCharges[handle];
      this.objects[handle] = undefined;
      this.freeHandles.push(handle);
    }
    arena.freeBlock(addr);
    this.bytes -= charge;
    memory.used -= charge;
  }

  protected removeSlot(slot: number): void {
    if (this.tracked[slot] !== 0 || this.memory.tracking.prefixCount !== 0) this.trackedChanged(slot);
    this.unindexSlot(slot);
    this.unlink(slot);
    this.clearExpiry(slot);
    this.release(slot);
    this.freeSlot(slot);
    this.size--;
    this.memory.entries--;
  }

  /** After a write to a live entry: its expiry, a new version, most recently used. */
  protected written(slot: number, expireAt: number, keepTtl: boolean): void {
    if (!keepTtl) this.setExpiry(slot, expireAt);
    this.bumpVersion(slot);
    this.touchSlot(slot);
  }

  /** An object value's bytes changed: its entry is charged again. */
  protected rechargeObject(slot: number, handle: number, object: LruObject): void {
    const delta = object.bytes - this.objectCharges[handle];
    this.objectCharges[handle] = object.bytes;
    this.memory.external += delta;
    this.charge(slot, delta);
  }

  /** Frees every entry's block and object (the slots, index and lists are the caller's to reset). */
  protected releaseAll(): void {
    for (let slot = 0; slot < this.used; slot++) if (this.addrs[slot] !== NIL) this.release(slot);
    this.memory.entries -= this.size;
    this.objects = [];
    this.objectCharges = [];
    this.freeHandles = [];
  }

  protected charge(slot: number, delta: number): void {
    this.bytes += delta;
    this.memory.used += delta;
    this.chargeChanged(slot, delta);
  }

  protected handleAt(slot: number): number {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    return valueFieldAt(arena.chunkOf(addr), arena.wordsOf(addr), arena.payloadOffset(addr));
  }

  protected keepObject(object: LruObject): number {
    const handle = this.freeHandles.length > 0 ? this.freeHandles.pop()! : this.objects.length;
    this.objects[handle] = object;
    this.objectCharges[handle] = object.bytes;
    return handle;
  }

  /** Writes a latin1 string into the memory's scratch buffer at `at`; returns its length. */
  protected toScratch(text: string, at: number): number {
    const memory = this.memory;
    if (memory.scratch.length < at + text.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(memory.scratch.length * 2, at + text.length));
      memory.scratch.copy(bigger, 0, 0, at);
      memory.scratch = bigger;
    }
    return memory.scratch.latin1Write(text, at, text.length);
  }
}
