import { argsOf, shardOf, shardOfString, ReplyKind, type Args, type Items } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import type { CommandSpec, ReplySink, WorkerShards } from '../types';
import { ERR } from '../errors';
import { ReplyTo } from '../reply';
import { GATHERED } from './gather';
import { gatheredKeys } from './key-positions';
import { entryItems, loadEntry } from './key-transfer';
import { peekArg } from './keyarg';

/**
 * A command over keys of several shards, run gathered on its first key's shard (the router's
 * coord/gathered.ts holds every owner around it):
 *   XRUN shard nremote [key n item ...] ... command arg ...
 * Each key of another shard is copied into `shard`'s store under its own name, for the moment
 * the command runs: those of this worker's other shards from their stores, those of other workers
 * from the entries given (ENTRYDUMP's [type, expireAt, item ...], n 0: no such key). The command
 * then runs there as a client's would (its events fire once, in Redis's order, on the real keys'
 * names), with the handlers' one-shard checks off (gather.ts). The copies come and go unseen (no
 * `new` event, no invalidation); a copy the command changed is written back to this worker's own
 * store of its key (an invalidation, a new version, a blocked client woken, no event), or, for a
 * key of another worker, answered for the router to write back (ENTRYPUT, ENTRYGONE). A key only
 * read keeps its version (WATCH). The reply: [kind, payload, count, item ...] of the command's
 * reply (count -1: no items), then for each remote key its change: n, then n items (0: none; 1:
 * the key is gone; else the entry as ENTRYDUMP gives it). The copies are charged over the budget
 * (raised by their bytes while the command runs), so only what the command adds can answer OOM.
 *   XRUN UNDO shard nremote ...: a blocking command's try (coord/gathered-wait.ts): the same, then
 * what each key of this worker the command changed was before it (m, then m times key, n, n items;
 * n 0: it did not exist), so that a try whose client left meanwhile can be put back as it was;
 * then (k, k ids) the ids a waiting XREAD keeps (xreadKept: each `$` its stream's last id as the
 * try ran, when it arrived; k 0 for other commands), for the watches it waits with.
 */

let lookupCommand: ((args: Args) => CommandSpec | undefined) | null = null;

/** The command table's lookup (table.ts gives it: this file cannot import the table that imports it). */
export function useCommandLookup(lookup: (args: Args) => CommandSpec | undefined): void {
  lookupCommand = lookup;
}

/** One key of another shard while the command runs: its copy's version as loaded, and where it lives. */
interface Guest {
  key: Buffer;
  shard: number;
  /** Index of its entry in the request, for a key of another worker; -1 for one of this worker's. */
  remote: number;
  before: number;
  after: string[] | null;
  changed: boolean;
  /** Its entry before the command (UNDO: one of this worker's keys), else null. */
  original: readonly string[] | null;
}

/** UNDO: a key of this worker's as it was before the command (its entry; [] when absent). */
interface Original {
  key: string;
  before: number;
  entry: readonly string[];
}

/** XRUN's optional first argument. */
const UNDO = 'UNDO';

export function xrun(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const undo = args.latin1(1).toUpperCase() === UNDO ? 1 : 0;
  const target = Number(args.latin1(1 + undo));
  const remotes = new Map<string, readonly string[]>();
  const order: string[] = [];
  let at = 3 + undo;
  for (let r = Number(args.latin1(2 + undo)); r > 0; r--) {
    const key = args.latin1(at);
    const n = Number(args.latin1(at + 1));
    const items: string[] = [];
    for (let i = at + 2; i < at + 2 + n; i++) items.push(args.latin1(i));
    remotes.set(key, items);
    order.push(key);
    at += 2 + n;
  }
  const inner: string[] = [];
  for (let i = at; i < args.count; i++) inner.push(args.latin1(i));
  const command = argsOf(inner);
  const spec = lookupCommand === null ? undefined : lookupCommand(command);
  if (spec === undefined || spec.handler === undefined) return reply.error(ERR.unknownInternal);
  let kind = ReplyKind.ERROR;
  let payload = '';
  let items: Items | undefined;
  const originals: Original[] | null = undo === 1 ? [] : null;
  const kept: string[] = [];
  const guests = runGathered(shards, target, spec, command, new ReplyTo((k, p, i) => ((kind = k), (payload = p), (items = i))), remotes, ERR.notOwned, originals, kept);
  if (guests === null) return reply.error(payload);
  const out: (string | undefined)[] = [String(kind), payload, String(items === undefined ? -1 : items.length)];
  if (items !== undefined) out.push(...items);
  for (const key of order) {
    const guest = guests.find((g) => g.remote >= 0 && g.key.toString('latin1') === key);
    const change = guest === undefined || !guest.changed ? [] : guest.after ?? ['-'];
    out.push(String(change.length), ...change);
  }
  if (originals !== null) {
    const changed: string[] = [];
    let m = 0;
    for (const guest of guests) if (guest.remote < 0 && guest.changed && guest.original !== null) m++, changed.push(guest.key.toString('latin1'), String(guest.original!.length), ...guest.original!);
    for (const own of originals) if (shards.store(target)!.versionOfKey(own.key) !== own.before) m++, changed.push(own.key, String(own.entry.length), ...own.entry);
    out.push(String(m), ...changed, String(kept.length), ...kept);
  }
  reply.array(out);
}

/**
 * A blocking command's try or serve on this worker (blocked.ts): run on `shard` as it is, or,
 * when its keys are of several shards, gathered there (all of them this worker's; of another
 * worker's: CROSSSLOT, nothing run).
 */
export function runBlocked(shards: WorkerShards, shard: number, spec: CommandSpec, args: Args, reply: ReplySink): void {
  const one = oneShard(spec, args);
  // Served for one key (XREAD narrowed to the stream that woke it): on that key's shard.
  if (one >= 0) return shards.executeOn(shards.store(one) === undefined ? shard : one, spec, args, reply);
  runGathered(shards, shard, spec, args, reply, new Map(), ERR.crossShard);
}

/** The shard of all of the command's keys, or -1 when they are of several. */
function oneShard(spec: CommandSpec, args: Args): number {
  const keys = gatheredKeys(spec, args);
  if (keys.length === 0) return -1;
  const first = shardOf(args.buf, args.starts[keys[0]], args.ends[keys[0]]);
  for (let i = 1; i < keys.length; i++) if (shardOf(args.buf, args.starts[keys[i]], args.ends[keys[i]]) !== first) return -1;
  return first;
}

/**
 * Runs `spec` on `target` with copies of its keys of other shards (`remotes`' entries, else this
 * worker's own stores), its reply to `reply`: the guests, or null when it could not run (`absent`
 * answered for a key of another worker not given, OOM when a copy did not fit).
 */
function runGathered(shards: WorkerShards, target: number, spec: CommandSpec, command: Args, reply: ReplySink, remotes: Map<string, readonly string[]>, absent: string, originals: Original[] | null = null, kept: string[] = []): Guest[] | null {
  const store = shards.store(target);
  if (store === undefined) return reply.error(ERR.notOwned), null;
  const guests: Guest[] = [];
  for (const k of gatheredKeys(spec, command)) {
    const name = command.latin1(k);
    const shard = shardOfString(name);
    if (shard === target) {
      // UNDO: the target's own keys as they are now, to put back (a read changes nothing: none).
      if (originals !== null && !spec.readOnly && !originals.some((o) => o.key === name)) originals.push(originalOf(store, name));
      continue;
    }
    if (guests.some((g) => g.shard === shard && g.key.toString('latin1') === name)) continue;
    const remote = remotes.has(name) ? [...remotes.keys()].indexOf(name) : -1;
    if (remote < 0 && shards.store(shard) === undefined) return reply.error(absent), null;
    guests.push({ key: Buffer.from(name, 'latin1'), shard, remote, before: 0, after: null, changed: false, original: originals === null || spec.readOnly ? null : [] });
  }
  // The copies are not the worker's data: charged over the budget (what the command adds is charged as ever), so they never make it answer OOM.
  const memory = shards.memory;
  const [budget, used] = [memory.budget, memory.used];
  memory.budget = Infinity;
  let fits = false;
  try {
    fits = bringIn(shards, store, guests, remotes);
  } finally {
    memory.budget = fits ? budget + (memory.used - used) : budget;
  }
  if (!fits) return reply.error(ERR.oom), null;
  // UNDO (a try): XREAD's ids as it waits with them, every stream here now (its copies in `store`).
  const keeps = spec.blocking?.kept;
  if (originals !== null && keeps !== undefined && spec.blocking!.waitMs?.(command, QUIET) !== undefined) {
    const ids = keeps(() => store, command);
    const streams = gatheredKeys(spec, command).length;
    for (let i = ids.count - streams; i < ids.count; i++) kept.push(ids.latin1(i));
  }
  GATHERED.on = true;
  try {
    shards.executeOn(target, spec, command, reply);
  } finally {
    GATHERED.on = false;
    sendBack(shards, store, guests, budget);
  }
  return guests;
}

/** Runs `work` with the store telling no one of what it does (no keyspace event, no invalidation). */
function unseen<T>(shards: WorkerShards, work: () => T): T {
  const memory = shards.memory;
  const events = memory.keyEvents;
  memory.keyEvents = null;
  memory.tracking.muted = true;
  try {
    return work();
  } finally {
    memory.keyEvents = events;
    memory.tracking.muted = false;
  }
}

/** Copies each guest's entry into `store`: false (and nothing left behind) when one does not fit. */
function bringIn(shards: WorkerShards, store: Lru, guests: Guest[], remotes: Map<string, readonly string[]>): boolean {
  return unseen(shards, () => {
    for (let g = 0; g < guests.length; g++) {
      const guest = guests[g];
      const { key } = guest;
      let entry: readonly string[] = remotes.get(key.toString('latin1')) ?? [];
      if (guest.remote < 0) {
        const own = shards.store(guest.shard)!;
        const slot = own.peek(key, 0, key.length);
        entry = slot < 0 ? [] : entryItems(own, slot);
        if (guest.original !== null) guest.original = entry;
      }
      if (entry.length >= 2 && loadEntry(store, key, 0, key.length, entry[0], entry[1], entry.slice(2)) < 0) {
        for (let d = 0; d <= g; d++) drop(store, guests[d].key);
        return false;
      }
      guest.before = store.versionOf(key, 0, key.length, true);
    }
    return true;
  });
}

/** One of the target's keys as it is (UNDO). */
function originalOf(store: Lru, key: string): Original {
  const slot = store.peekKey(key);
  return { key, before: store.versionOfKey(key), entry: slot < 0 ? [] : entryItems(store, slot) };
}

/** Where a check of arguments already checked answers (nothing to say). */
const QUIET = new ReplyTo(() => {});

function drop(store: Lru, key: Buffer): void {
  const slot = store.entrySlot(key, 0, key.length);
  if (slot >= 0) store.remove(slot);
}

/** After the command: what each copy became, the copies removed (the budget back to `budget`), this worker's own keys written back. */
function sendBack(shards: WorkerShards, store: Lru, guests: Guest[], budget: number): void {
  unseen(shards, () => {
    for (const guest of guests) {
      const { key } = guest;
      const after = store.versionOf(key, 0, key.length, true);
      guest.changed = after !== guest.before;
      const slot = store.entrySlot(key, 0, key.length);
      if (guest.changed && after !== 0 && slot >= 0) guest.after = entryItems(store, slot);
      if (slot >= 0) store.remove(slot);
    }
  });
  shards.memory.budget = budget;
  // Written back where the key lives: its readers told, its version new, a client blocked on it woken (no event: the command fired them).
  const memory = shards.memory;
  const events = memory.keyEvents;
  memory.keyEvents = null;
  try {
    for (const guest of guests) {
      if (guest.remote >= 0 || !guest.changed) continue;
      const own = shards.store(guest.shard)!;
      const { key } = guest;
      if (guest.after === null) drop(own, key);
      else loadEntry(own, key, 0, key.length, guest.after[0], guest.after[1], guest.after.slice(2));
      if (shards.blocked.count > 0) shards.blocked.wrote(guest.shard);
    }
  } finally {
    memory.keyEvents = events;
  }
}

/** ENTRYPUT key type expireAt item ...: a gathered command's change written back (no event: the command fired them where it ran). */
export function entryput(store: Lru, args: Args, reply: ReplySink): void {
  const memory = store.memory;
  const events = memory.keyEvents;
  memory.keyEvents = null;
  try {
    const items: string[] = [];
    for (let i = 4; i < args.count; i++) items.push(args.latin1(i));
    const slot = loadEntry(store, args.buf, args.starts[1], args.ends[1], args.latin1(2), args.latin1(3), items);
    if (slot === -2) return reply.error(ERR.badImportEntry);
    if (slot < 0) return reply.error(ERR.oom);
    reply.integer(1);
  } finally {
    memory.keyEvents = events;
  }
}

/**
 * BWAITLIST / BWAITZSET key [key ...] timeout (keys of one shard): a watch for a blocking command
 * over keys of several workers (the router's coord/gathered-wait.ts): 1 once a key holds a list
 * (a sorted set), taking nothing; it waits as BLPOP does, first blocked first served, and the
 * key's later waiters wait behind it for the gathered command it wakes.
 */
export function bwait(store: Lru, args: Args, reply: ReplySink, kind: Kind): void {
  for (let k = 1; k < args.count - 1; k++) {
    const slot = peekArg(store, args, k);
    if (slot >= 0 && store.kindAt(slot) === kind) return reply.integer(1);
  }
  reply.nullArray();
}

export const bwaitlist = (store: Lru, args: Args, reply: ReplySink): void => bwait(store, args, reply, Kind.LIST);
export const bwaitzset = (store: Lru, args: Args, reply: ReplySink): void => bwait(store, args, reply, Kind.ZSET);

/** ENTRYGONE key: a gathered command deleted it (no event, as ENTRYPUT). */
export function entrygone(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot >= 0) store.remove(slot);
  reply.integer(slot >= 0 ? 1 : 0);
}
