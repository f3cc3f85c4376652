import { NIL, blockSizeFor } from './arena';
import { Entries } from './entries';
import { KIND_NAMES, type Kind, inlineForm, keyLengthAt, keyStartAt, kindAt, payloadOf, valueFieldAt } from './layout';
import { ENTRY_OVERHEAD } from './memory';

/** Where a string value's bytes go on their way out (a reply sink). */
export interface BytesSink {
  bulkBytes(buf: Uint8Array, start: number, end: number): void;
}

/** Where a string value's bytes lie: valid until the next write to the memory's stores. */
export interface ByteView {
  buf: Buffer;
  start: number;
  end: number;
}

/** Reading a live entry by slot: its kind, key and value. */
export abstract class Values extends Entries {
  private readonly view: ByteView = { buf: Buffer.alloc(0), start: 0, end: 0 };

  /** A string entry's value bytes where they lie in the arena (one view, reused: read it at once). */
  valueView(slot: number): ByteView {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const words = arena.wordsOf(addr);
    const p = arena.payloadOffset(addr);
    const view = this.view;
    view.buf = bytes;
    view.start = keyStartAt(bytes, p) + keyLengthAt(bytes, words, p);
    view.end = view.start + valueFieldAt(bytes, words, p);
    return view;
  }
  kindAt(slot: number): Kind {
    const addr = this.addrs[slot];
    return kindAt(this.memory.arena.chunkOf(addr), this.memory.arena.payloadOffset(addr));
  }

  /** TYPE's name for the entry. */
  typeName(slot: number): string {
    return KIND_NAMES[this.kindAt(slot)];
  }

  /** The key as a latin1 string. */
  keyString(slot: number): string {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const p = arena.payloadOffset(addr);
    const at = keyStartAt(bytes, p);
    return bytes.latin1Slice(at, at + keyLengthAt(bytes, arena.wordsOf(addr), p));
  }

  /** A string entry's value length in bytes. */
  valueLength(slot: number): number {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    return valueFieldAt(arena.chunkOf(addr), arena.wordsOf(addr), arena.payloadOffset(addr));
  }

  /** Hands a string entry's value bytes to `sink` (which copies them: the arena's bytes may be reused). */
  sendValue(slot: number, sink: BytesSink): void {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const words = arena.wordsOf(addr);
    const p = arena.payloadOffset(addr);
    const at = keyStartAt(bytes, p) + keyLengthAt(bytes, words, p);
    sink.bulkBytes(bytes, at, at + valueFieldAt(bytes, words, p));
  }

  /** A string entry's value as a latin1 string. */
  valueString(slot: number): string {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const words = arena.wordsOf(addr);
    const p = arena.payloadOffset(addr);
    const at = keyStartAt(bytes, p) + keyLengthAt(bytes, words, p);
    return bytes.latin1Slice(at, at + valueFieldAt(bytes, words, p));
  }

  /**
   * What the entry at `slot` (or a new one, for -1) would be charged once setString() stored a
   * value of `valueLength` bytes at a key of `keyLength`: its own charge when the value would go
   * in place, else a new block's.
   */
  costOfSet(slot: number, keyLength: number, valueLength: number): number {
    if (slot >= 0 && this.fitsInPlace(slot, valueLength)) return this.chargeAt(slot);
    return this.costOf(keyLength, valueLength);
  }

  /** What a new string entry with a key and value of these lengths would be charged. */
  costOf(keyLength: number, valueLength: number): number {
    return blockSizeFor(payloadOf(inlineForm(keyLength, valueLength), keyLength, valueLength)) + ENTRY_OVERHEAD;
  }

  /**
   * A step of SCAN's walk over the slots, in slot order: appends to `out` the keys of unexpired
   * entries in slots `from`, `from + 1` ... until `count` keys were found or `count * 10` slots (at
   * least 1000) were looked at, and returns the slot to go on from, or -1 when no slot is left.
   * Touches neither recency nor counters. An entry keeps its slot for as long as it lives (and
   * across a hand-over), so a walk from 0 to -1 returns each key that existed throughout exactly
   * once; a key added meanwhile may be missed (its slot may be behind the walk).
   */
  scanSlots(from: number, count: number, out: string[], now = Date.now()): number {
    const used = this.used;
    const stop = Math.min(used, from + Math.max(count * 10, 1000));
    let slot = Math.max(0, from);
    let found = 0;
    while (slot < stop && found < count) {
      if (this.addrs[slot] !== NIL) {
        const at = this.expireAt(slot);
        if (at === 0 || at > now) {
          out.push(this.keyString(slot));
          found++;
        }
      }
      slot++;
    }
    return slot >= used ? -1 : slot;
  }

  /**
   * A live unexpired entry's slot at random (RANDOMKEY), or -1 when there is none: random probes
   * of the slots first, then a walk from a random slot (a sparse or mostly expired store).
   * Touches neither recency nor counters.
   */
  randomSlot(random: () => number = Math.random, now = Date.now()): number {
    const used = this.used;
    if (this.size === 0 || used === 0) return -1;
    for (let tries = 0; tries < 32; tries++) {
      const slot = Math.floor(random() * used);
      if (this.addrs[slot] !== NIL && this.liveAt(slot, now)) return slot;
    }
    const from = Math.floor(random() * used);
    for (let i = 0; i < used; i++) {
      const slot = (from + i) % used;
      if (this.addrs[slot] !== NIL && this.liveAt(slot, now)) return slot;
    }
    return -1;
  }

  private liveAt(slot: number, now: number): boolean {
    const at = this.expireAt(slot);
    return at === 0 || at > now;
  }

  /** Ms since the entry was last used (to the second; OBJECT IDLETIME, a hand-over). */
  idleAt(slot: number): number {
    return this.memory.idleMs(this.ageAt(slot));
  }
}
