/** Scripts that only EVAL brought in kept at most, as Redis 7.4 (eval.c's LRU_LIST_LENGTH). */
export const EVAL_SCRIPTS_LIMIT = 500;
/** Bytes counted per script beyond its body: its sha1 and the entry (Redis counts its dict and list nodes). */
const ENTRY_BYTES = 40 + 64;

/** How a script came into the cache: SCRIPT LOAD keeps it for good, EVAL only while recently used. */
export type ScriptKind = 'load' | 'eval';

interface Entry {
  readonly sha: string;
  readonly body: string;
  kind: ScriptKind;
  /** The LRU list of EVAL scripts (least recently used first); null for loaded ones. */
  prev: Entry | null;
  next: Entry | null;
}

/**
 * A worker's script bodies by sha1 (the Lua engine compiles from here, and again into a new
 * engine), with Redis 7.4's bound: scripts EVAL brought in form an LRU list, and bringing in one
 * more past EVAL_SCRIPTS_LIMIT evicts the least recently used; SCRIPT LOAD ones are never
 * evicted (a SCRIPT LOAD of one EVAL brought in keeps it too). Pure data: who decides what is
 * evicted everywhere is the router's (apps/router/src/coord/scripts.ts).
 */
export class ScriptCache {
  private readonly entries = new Map<string, Entry>();
  private head: Entry | null = null;
  private tail: Entry | null = null;
  /** Scripts in the EVAL list. */
  evalCount = 0;
  /** Bytes of bodies and entries (INFO's used_memory_scripts_eval). */
  bytes = 0;
  /** Scripts evicted since start (INFO's evicted_scripts). */
  evicted = 0;

  get size(): number {
    return this.entries.size;
  }

  has(sha: string): boolean {
    return this.entries.has(sha);
  }

  bodyOf(sha: string): string | undefined {
    return this.entries.get(sha)?.body;
  }

  kindOf(sha: string): ScriptKind | undefined {
    return this.entries.get(sha)?.kind;
  }

  /**
   * Keeps a script: true when it is new. A known EVAL one is used again (to the list's end); a
   * SCRIPT LOAD makes it kept for good. Evicts nothing (see victims()).
   */
  add(sha: string, body: string, kind: ScriptKind): boolean {
    const known = this.entries.get(sha);
    if (known !== undefined) {
      if (known.kind === 'eval' && kind === 'load') {
        this.unlink(known);
        known.kind = 'load';
      } else if (known.kind === 'eval') this.touch(sha);
      return false;
    }
    const entry: Entry = { sha, body, kind, prev: null, next: null };
    this.entries.set(sha, entry);
    this.bytes += body.length + ENTRY_BYTES;
    if (kind === 'eval') this.append(entry);
    return true;
  }

  /** A run of an EVAL script: it becomes the most recently used. */
  touch(sha: string): void {
    const entry = this.entries.get(sha);
    if (entry === undefined || entry.kind !== 'eval' || entry === this.tail) return;
    this.unlink(entry);
    this.append(entry);
  }

  /** The least recently used EVAL scripts past the limit, to evict (`except`, just brought in, is never one). */
  victims(except?: string): string[] {
    const out: string[] = [];
    let extra = this.evalCount - EVAL_SCRIPTS_LIMIT;
    for (let e = this.head; e !== null && extra > 0; e = e.next) {
      if (e.sha === except) continue;
      out.push(e.sha);
      extra--;
    }
    return out;
  }

  /** Evicts an EVAL script (a loaded one stays): true when it was. */
  evict(sha: string): boolean {
    const entry = this.entries.get(sha);
    if (entry === undefined || entry.kind !== 'eval') return false;
    this.remove(entry);
    this.evicted++;
    return true;
  }

  /** Forgets a script of either kind (not an eviction). */
  delete(sha: string): void {
    const entry = this.entries.get(sha);
    if (entry !== undefined) this.remove(entry);
  }

  /** SCRIPT FLUSH. */
  clear(): void {
    this.entries.clear();
    this.head = this.tail = null;
    this.evalCount = 0;
    this.bytes = 0;
  }

  /** Every script, loaded ones first, then EVAL ones least recently used first (what a new worker copies). */
  *list(): IterableIterator<{ sha: string; body: string; kind: ScriptKind }> {
    for (const e of this.entries.values()) if (e.kind === 'load') yield e;
    for (let e = this.head; e !== null; e = e.next) yield e;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.sha);
    this.bytes -= entry.body.length + ENTRY_BYTES;
    if (entry.kind === 'eval') this.unlink(entry);
  }

  private append(entry: Entry): void {
    entry.prev = this.tail;
    entry.next = null;
    if (this.tail !== null) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.evalCount++;
  }

  private unlink(entry: Entry): void {
    if (entry.prev !== null) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next !== null) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = null;
    this.evalCount--;
  }
}
