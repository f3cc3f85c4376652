import type { Pending } from './types';

/**
 * The requests a link has sent and not had answered, by id. A reply names its request's id, so
 * replies may come in any order (blocking commands will need that); one whose id matches nothing
 * owed is a fault the link reports and drops, never another request's reply.
 *
 * Ids count up (u32, skipping 0, NO_REPLY). A request lives at index `id & mask` of a ring of
 * typed ids beside its Pending, so in the usual case (replies in about the order sent) adding and
 * taking are one array access each, with nothing allocated. The ring doubles while more than
 * half full; a request whose place is still taken by an older one still owed (one answered late)
 * waits in `spill`, a Map, instead.
 */
export class PendingTable {
  private ids: Uint32Array;
  private slots: (Pending | undefined)[];
  private mask: number;
  private readonly spill = new Map<number, Pending>();
  private nextId = 1;
  /** Requests owed. */
  size = 0;

  constructor(capacity = 256) {
    const size = 1 << Math.ceil(Math.log2(Math.max(2, capacity)));
    this.ids = new Uint32Array(size);
    this.slots = new Array<Pending | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  /** Owes a reply to `slot`: returns the id its request carries. */
  add(slot: Pending): number {
    if ((this.size + 1) * 2 > this.ids.length) this.grow();
    let id = this.nextId;
    // An id still owed from 2^32 requests ago (a reply that never came) is skipped.
    while (this.owed(id)) id = id === 0xffffffff ? 1 : id + 1;
    this.nextId = id === 0xffffffff ? 1 : id + 1;
    this.put(id, slot);
    this.size++;
    return id;
  }

  /** The request `id` is answered: its Pending, no longer owed; undefined when nothing of that id is owed. */
  take(id: number): Pending | undefined {
    if (id === 0) return undefined;
    const i = id & this.mask;
    if (this.ids[i] === id) {
      const slot = this.slots[i];
      this.ids[i] = 0;
      this.slots[i] = undefined;
      this.size--;
      return slot;
    }
    if (this.spill.size === 0) return undefined;
    const slot = this.spill.get(id);
    if (slot !== undefined) {
      this.spill.delete(id);
      this.size--;
    }
    return slot;
  }

  /** Every request still owed, oldest first, none owed any more (the link failed). */
  drain(): Pending[] {
    const owed: [age: number, slot: Pending][] = [];
    const newest = this.nextId;
    for (let i = 0; i < this.ids.length; i++) {
      if (this.ids[i] !== 0) owed.push([(newest - this.ids[i]) >>> 0, this.slots[i]!]);
    }
    for (const [id, slot] of this.spill) owed.push([(newest - id) >>> 0, slot]);
    this.ids.fill(0);
    this.slots.fill(undefined);
    this.spill.clear();
    this.size = 0;
    return owed.sort((a, b) => b[0] - a[0]).map(([, slot]) => slot);
  }

  private owed(id: number): boolean {
    return id === 0 || this.ids[id & this.mask] === id || (this.spill.size > 0 && this.spill.has(id));
  }

  private put(id: number, slot: Pending): void {
    const i = id & this.mask;
    if (this.ids[i] === 0) {
      this.ids[i] = id;
      this.slots[i] = slot;
    } else this.spill.set(id, slot);
  }

  private grow(): void {
    const ids = this.ids;
    const slots = this.slots;
    const spilled = [...this.spill];
    this.ids = new Uint32Array(ids.length * 2);
    this.slots = new Array<Pending | undefined>(ids.length * 2).fill(undefined);
    this.mask = this.ids.length - 1;
    this.spill.clear();
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.put(ids[i], slots[i]!);
    for (const [id, slot] of spilled) this.put(id, slot);
  }
}
