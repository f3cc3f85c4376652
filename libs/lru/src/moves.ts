import { blockSizeFor } from './arena';
import { Collections } from './collections';
import { Form, Kind, inlineForm, payloadOf } from './layout';
import { ENTRY_OVERHEAD, KeyEvent } from './memory';
import type { LruObject } from './object';
import { NONE } from './slots';

/**
 * An entry's value given to another key of the same shard (Redis's COPY and RENAME, db.c): the
 * destination is replaced whole, whatever it held. Room is made first, sparing the source, so a
 * copy that cannot fit changes nothing (under noeviction it answers OOM).
 */
export abstract class Moves extends Collections {
  /** COPY: the live entry at `slot` copied (value and expiry, as Redis's) to key kbuf[kstart, kend), most recently used; the new slot, or -1 changing nothing. */
  copyEntry(slot: number, kbuf: Uint8Array, kstart: number, kend: number): number {
    return this.moveEntry(slot, kbuf, kstart, kend, false);
  }

  /**
   * RENAME: the live entry at `slot` moves to key kbuf[kstart, kend) with its expiry (an object
   * value is handed over, not copied) and becomes the most recently used; the new slot, or -1
   * changing nothing.
   */
  renameEntry(slot: number, kbuf: Uint8Array, kstart: number, kend: number): number {
    return this.moveEntry(slot, kbuf, kstart, kend, true);
  }

  /**
   * Client-side caching: the key kbuf[kstart, kend) is about to be written by this command, so its
   * readers are told now (Redis's signalModifiedKey), letting a command that writes several keys
   * tell them in Redis's order; the write itself then finds them told. A missing key may be a
   * cached miss. Nothing to do (two counts' tests) while nobody tracks.
   */
  signalModified(kbuf: Uint8Array, kstart: number, kend: number): void {
    const tracking = this.memory.tracking;
    if (tracking.keys === 0 && tracking.prefixCount === 0) return;
    const slot = this.alive(this.find(this.hashOf(kbuf, kstart, kend), kbuf, kstart, kend));
    if (slot < 0) tracking.invalidate(kbuf, kstart, kend);
    else if (this.tracked[slot] !== 0 || tracking.prefixCount !== 0) this.trackedChanged(slot);
  }

  private moveEntry(slot: number, kbuf: Uint8Array, kstart: number, kend: number, rename: boolean): number {
    const memory = this.memory;
    const keyLength = kend - kstart;
    const kind = this.kindAt(slot);
    const inline = this.isInline(slot);
    const object = inline ? null : rename ? this.objectAt(slot) : copied(kind, this.objectAt(slot));
    const length = inline ? this.valueLength(slot) : 0;
    const form = object !== null ? Form.EXTERNAL : inlineForm(keyLength, length);
    const cost = blockSizeFor(payloadOf(form, keyLength, length)) + ENTRY_OVERHEAD + (object === null ? 0 : object.bytes);
    // A rename frees its source's charge at once after: room is needed for the difference only.
    const credit = rename ? this.chargeAt(slot) : 0;
    const h = this.hashOf(kbuf, kstart, kend);
    const replaced = this.alive(this.find(h, kbuf, kstart, kend));
    const freed = replaced >= 0 ? this.chargeAt(replaced) : 0;
    if (cost > memory.budget || !memory.makeRoom(cost - credit - freed, this, slot)) return -1;
    // Readers told as Redis tells them (db.c): a rename's source, then the destination, even a missing one (a cached miss).
    if (rename && (this.tracked[slot] !== 0 || memory.tracking.prefixCount !== 0)) this.trackedChanged(slot);
    this.signalModified(kbuf, kstart, kend);
    // Making room may have evicted the destination already.
    const target = this.alive(this.find(h, kbuf, kstart, kend));
    if (target >= 0) this.removeSlot(target);
    const expireAt = this.expireAt(slot);
    let made: number;
    if (object !== null) made = this.insertAt(NONE, h, kbuf, kstart, kend, kind, null, 0, 0, 0, object, expireAt, slot, credit);
    else {
      // The source's block stays where it is until the new one is written (it is spared from eviction).
      const view = this.valueView(slot);
      made = this.insertAt(NONE, h, kbuf, kstart, kend, kind, view.buf, view.start, view.end, length, null, expireAt, slot, credit);
    }
    if (made < 0) return -1;
    this.announce(KeyEvent.NEW, made);
    if (rename) this.removeSlot(slot);
    return made;
  }
}

/**
 * How each kind's object value copies (an inline value, a string or a packed collection, copies
 * as its bytes): a new kind fails to compile here until it says.
 */
function copied(kind: Kind, object: LruObject): LruObject {
  switch (kind) {
    case Kind.STRING:
    case Kind.HASH:
    case Kind.LIST:
    case Kind.SET:
    case Kind.ZSET:
    case Kind.STREAM:
      return object.clone();
    default: {
      const uncopied: never = kind;
      throw new Error(`no copy for kind ${String(uncopied)}`);
    }
  }
}
