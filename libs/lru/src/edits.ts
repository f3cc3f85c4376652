import { Kind, keyLengthAt, keyStartAt, setValueLength } from './layout';
import { Moves } from './moves';
import type { ByteView } from './values';

/**
 * Strings edited where they lie (SETRANGE, SETBIT): a value grown with zero bytes, in place while
 * its block has room, then written through a view of the arena, so no copy of the value is made.
 * Growth is charged first: one that cannot fit changes nothing.
 */
export abstract class Edits extends Moves {
  /**
   * A new string entry of `length` zero bytes at key kbuf[kstart, kend) (the caller saw no live
   * entry there): the view of its value (one view, reused: write it at once), or null, storing
   * nothing, when it cannot fit.
   */
  createZeroed(kbuf: Uint8Array, kstart: number, kend: number, length: number): ByteView | null {
    const slot = this.insert(this.hashOf(kbuf, kstart, kend), kbuf, kstart, kend, Kind.STRING, null, 0, 0, length, null, 0);
    if (slot < 0) return null;
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const p = arena.payloadOffset(addr);
    setValueLength(bytes, arena.wordsOf(addr), p, length);
    const at = keyStartAt(bytes, p) + keyLengthAt(bytes, arena.wordsOf(addr), p);
    bytes.fill(0, at, at + length);
    return this.valueView(slot);
  }

  /**
   * A live string's value made at least `length` bytes long (zero bytes added at its end), for
   * the caller to write at once: the view of its value, the entry given a new version (WATCH) and
   * made most recently used; null, changing nothing, when it cannot grow.
   */
  growZeroed(slot: number, length: number): ByteView | null {
    const old = this.valueLength(slot);
    if (length <= old) {
      this.written(slot, 0, true);
      return this.valueView(slot);
    }
    const view = this.spliceValue(slot, old, 0, length - old);
    if (view === null) return null;
    view.buf.fill(0, view.start + old, view.end);
    return view;
  }
}
