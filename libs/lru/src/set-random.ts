import type { Lru } from './lru';
import { countAt, intAt, intWidth, lengthAt, nextAt, PACKED_HEADER, Packing, packingAt, varintSize } from './packed';
import type { LruSet } from './set';
import { setMembers, writeSet } from './set-ops';

/**
 * A set's members at random (SRANDMEMBER, SPOP) and walked by cursor (SSCAN). A packed set is
 * small: its members are read by index; a big one picks positions (members.ts).
 */

/** One member at random. */
export function setRandomMember(store: Lru, slot: number, random: () => number = Math.random): string {
  if (!store.isInline(slot)) {
    const members = store.objectAt<LruSet>(slot).members;
    return members.memberAt(members.randomPosition(random));
  }
  const view = store.valueView(slot);
  return packedMemberAt(view.buf, view.start, Math.floor(random() * countAt(view.buf, view.start)));
}

function packedMemberAt(buf: Buffer, start: number, index: number): string {
  const packing = packingAt(buf, start);
  if (packing !== Packing.LISTPACK) return String(intAt(buf, start, index, intWidth(packing)));
  let p = start + PACKED_HEADER;
  for (let i = 0; i < index; i++) p = nextAt(buf, p, 0);
  const length = lengthAt(buf, p);
  const d = p + varintSize(length);
  return buf.latin1Slice(d, d + length);
}

/**
 * `count` distinct members at random (all of them, in the set's order, when count reaches its
 * size), or with `repeats`, `count` picks each at random: appended to `out`.
 */
export function setRandomMembers(store: Lru, slot: number, count: number, repeats: boolean, out: string[], random: () => number = Math.random): string[] {
  if (repeats) {
    for (let i = 0; i < count; i++) out.push(setRandomMember(store, slot, random));
    return out;
  }
  const all = setMembers(store, slot);
  if (count >= all.length) {
    // One by one: spreading a big set into push() would pass the engine's argument limit.
    for (const member of all) out.push(member);
    return out;
  }
  // A partial Fisher-Yates shuffle: count distinct picks.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    const pick = all[j];
    all[j] = all[i];
    out.push(pick);
  }
  return out;
}

/** SPOP: removes `count` members at random (all when count reaches the size), appended to `out`. The set goes when emptied. */
export function setPop(store: Lru, slot: number, count: number, out: string[], random: () => number = Math.random): string[] {
  if (!store.isInline(slot)) {
    const set = store.objectAt<LruSet>(slot);
    const members = set.members;
    const n = Math.min(count, set.size);
    for (let i = 0; i < n; i++) {
      const member = members.memberAt(members.randomPosition(random));
      set.delete(member);
      out.push(member);
    }
    store.objectChanged(slot);
    return out;
  }
  const all = setMembers(store, slot);
  const from = out.length;
  setRandomMembers(store, slot, count, false, out, random);
  if (out.length - from >= all.length) {
    store.remove(slot);
    return out;
  }
  const popped = new Set(out.slice(from));
  // Fewer members in the same form: always fits.
  const view = store.valueView(slot);
  const form = packingAt(view.buf, view.start) === Packing.LISTPACK ? 'listpack' : 'intset';
  writeSet(store, slot, { buf: view.buf, starts: [], ends: [] }, 0, all.filter((m) => !popped.has(m)), form);
  return out;
}

/**
 * One SSCAN step before MATCH: a packed set answers whole with cursor 0 (as Redis answers a set
 * in a small encoding), a big one `count` members from `cursor` on (members.ts). The next cursor.
 */
export function setScan(store: Lru, slot: number, cursor: number, count: number, out: string[]): number {
  if (store.isInline(slot)) {
    for (const member of setMembers(store, slot)) out.push(member);
    return 0;
  }
  return store.objectAt<LruSet>(slot).members.scan(cursor, count, (member) => out.push(member));
}
