import type { Args, PushEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';

/** What the broadcaster needs of its worker. */
export interface BroadcasterHost {
  readonly self: number;
  /** Workers in the map now (the peers to tell of a prefix). */
  workers(): number;
  /** Where to add a push message for `peer`; null when its link is down. */
  pushTo(peer: number): PushEncoder | null;
  /** The store's tracking table: the prefixes every change is matched against. */
  readonly table: { setPrefixes(prefixes: readonly Uint8Array[]): void };
  /** This worker's deliveries (a client's protocol, REDIRECT): invalidator.ts. */
  readonly invalidator: {
    deliver(reader: number, writer: number, keys: Uint8Array[] | null, bcast: boolean): void;
    noloop(id: number): boolean;
    flush(): void;
  };
}

/**
 * CLIENT TRACKING BCAST over the workers (Redis's PrefixTable). A BCAST client's prefixes are
 * kept by its worker (`local`) and announced to every other worker (PushKind.BCAST_PREFIX, and
 * again to a peer whose link comes up: a worker added or restarted), so each worker knows every
 * prefix and which workers have clients on it (`known`), and its store matches every change
 * against them (TrackingTable.setPrefixes). A change under a prefix is gathered for the turn
 * (a key once per prefix, with its last writer, as Redis's pending keys) and sent at the end of it
 * to each worker with clients on the prefix (PushKind.BCAST_KEYS), where each client gets one
 * `invalidate [keys]` per prefix, keys in byte order, its own writes left out under NOLOOP.
 */
export class Broadcaster {
  /** This worker's BCAST clients by prefix. */
  private readonly local = new Map<string, Set<number>>();
  /** Every prefix some worker's client broadcasts, with those workers (this one's included). */
  private readonly known = new Map<string, Set<number>>();
  /** The prefixes as the store's table numbers them. */
  private order: string[] = [];
  /** This turn's changes: prefix -> key -> its last writer. */
  private pending = new Map<string, Map<string, number>>();
  private scheduled = false;

  constructor(private readonly host: BroadcasterHost) {}

  /** Distinct prefixes over the workers (INFO's tracking_total_prefixes). */
  get prefixes(): number {
    return this.known.size;
  }

  /** Client `id` of this worker broadcasts `prefixes` ('' for every key). */
  add(id: number, prefixes: readonly string[]): void {
    for (const prefix of prefixes) {
      let ids = this.local.get(prefix);
      if (ids === undefined) {
        this.local.set(prefix, (ids = new Set()));
        this.announce('+', prefix);
        this.knownBy(prefix, this.host.self, true);
      }
      ids.add(id);
    }
    this.refresh();
  }

  /** Client `id` no longer broadcasts (tracking off, RESET, gone). */
  remove(id: number, prefixes: readonly string[]): void {
    for (const prefix of prefixes) {
      const ids = this.local.get(prefix);
      if (ids === undefined || !ids.delete(id) || ids.size > 0) continue;
      this.local.delete(prefix);
      this.announce('-', prefix);
      this.knownBy(prefix, this.host.self, false);
    }
    this.refresh();
  }

  /** A peer's PushKind.BCAST_PREFIX: [op, prefix]. */
  announced(args: Args, peer: number): void {
    this.knownBy(args.latin1(1), peer, args.latin1(0) === '+');
    this.refresh();
  }

  /** A link to `peer` came up: it learns this worker's prefixes (it may be new, or restarted). */
  linkUp(peer: number): void {
    for (const prefix of this.local.keys()) this.announceTo(peer, '+', prefix);
  }

  /** A link to `peer` went down: its clients' prefixes are forgotten until it announces them again. */
  linkDown(peer: number): void {
    for (const prefix of [...this.known.keys()]) this.knownBy(prefix, peer, false);
    this.refresh();
  }

  /** From the store's table: a key under prefix number `index` changed. */
  changed(index: number, writer: number, buf: Uint8Array, start: number, end: number): void {
    const prefix = this.order[index];
    if (prefix === undefined) return;
    let keys = this.pending.get(prefix);
    if (keys === undefined) this.pending.set(prefix, (keys = new Map()));
    keys.set(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'), writer);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.send());
  }

  /** A peer's PushKind.BCAST_KEYS: [prefix, writer, key, writer, key ...]. */
  received(args: Args): void {
    const keys = new Map<string, number>();
    for (let i = 1; i + 1 < args.count; i += 2) keys.set(args.latin1(i + 1), Number(args.latin1(i)));
    this.deliver(args.latin1(0), keys);
    this.host.invalidator.flush();
  }

  private send(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    // Prefixes in byte order, as Redis walks its PrefixTable.
    for (const [prefix, keys] of [...pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const worker of this.known.get(prefix) ?? []) {
        if (worker === this.host.self) {
          this.deliver(prefix, keys);
          continue;
        }
        const out = this.host.pushTo(worker);
        if (out === null) continue;
        out.begin(PushKind.BCAST_KEYS, 1 + keys.size * 2);
        out.latin1(prefix);
        for (const [key, writer] of keys) {
          out.latin1(String(writer));
          out.latin1(key);
        }
      }
    }
    this.host.invalidator.flush();
  }

  /** To each of this worker's clients on `prefix`: one message of the keys (in byte order), NOLOOP's own writes left out. */
  private deliver(prefix: string, keys: ReadonlyMap<string, number>): void {
    const ids = this.local.get(prefix);
    if (ids === undefined) return;
    const sorted = [...keys.keys()].sort();
    for (const id of ids) {
      const noloop = this.host.invalidator.noloop(id);
      const list = noloop ? sorted.filter((k) => keys.get(k) !== id) : sorted;
      if (list.length > 0) this.host.invalidator.deliver(id, 0, list.map((k) => Buffer.from(k, 'latin1')), true);
    }
  }

  private announce(op: '+' | '-', prefix: string): void {
    const workers = this.host.workers();
    for (let peer = 0; peer < workers; peer++) if (peer !== this.host.self) this.announceTo(peer, op, prefix);
  }

  private announceTo(peer: number, op: '+' | '-', prefix: string): void {
    const out = this.host.pushTo(peer);
    if (out === null) return;
    out.begin(PushKind.BCAST_PREFIX, 2);
    out.latin1(op);
    out.latin1(prefix);
  }

  private knownBy(prefix: string, worker: number, on: boolean): void {
    let workers = this.known.get(prefix);
    if (on) {
      if (workers === undefined) this.known.set(prefix, (workers = new Set()));
      workers.add(worker);
    } else if (workers !== undefined && workers.delete(worker) && workers.size === 0) this.known.delete(prefix);
  }

  /** The store's table matches changes against every known prefix, numbered as `order`. */
  private refresh(): void {
    this.order = [...this.known.keys()];
    this.host.table.setPrefixes(this.order.map((p) => Buffer.from(p, 'latin1')));
  }
}
