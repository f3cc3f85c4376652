import { KeyEvent as StoreEvent, type Lru } from '@kv/lru';
import type { Args } from '@kv/wire';
import type { CommandSpec, KeyEvent, KeyEventAt, KeyspaceEvents, ReplySink } from '../types';
import { keySpan, sortStoreAt } from './key-positions';
import { MISSES } from './key-miss';

/**
 * Keyspace notifications (Redis's notify-keyspace-events): the classes as Redis's bits, the
 * option's letters, and what a command's run on its key's owner fires.
 */
export const NOTIFY = {
  KEYSPACE: 1 << 0,
  KEYEVENT: 1 << 1,
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  MODULE: 1 << 13,
  NEW: 1 << 14,
} as const;

MISSES.bit = NOTIFY.KEY_MISS;

/** `A`: every class but key misses and new keys (Redis's NOTIFY_ALL). */
const ALL = NOTIFY.GENERIC | NOTIFY.STRING | NOTIFY.LIST | NOTIFY.SET | NOTIFY.HASH | NOTIFY.ZSET | NOTIFY.EXPIRED | NOTIFY.EVICTED | NOTIFY.STREAM | NOTIFY.MODULE;

/**
 * Redis 7.0's letters, in the order its CONFIG GET prints them: A stands for ALL when all are
 * there, and then, as Redis's keyspaceEventsFlagsToString, `n` is not printed (it is in the group A replaces).
 */
const LETTERS: readonly [string, number][] = [
  ['g', NOTIFY.GENERIC], ['$', NOTIFY.STRING], ['l', NOTIFY.LIST], ['s', NOTIFY.SET], ['h', NOTIFY.HASH], ['z', NOTIFY.ZSET],
  ['x', NOTIFY.EXPIRED], ['e', NOTIFY.EVICTED], ['t', NOTIFY.STREAM], ['d', NOTIFY.MODULE], ['n', NOTIFY.NEW],
];
const TAIL: readonly [string, number][] = [['K', NOTIFY.KEYSPACE], ['E', NOTIFY.KEYEVENT], ['m', NOTIFY.KEY_MISS]];

/** Redis's keyspaceEventsStringToFlags: the bits, or -1 for a letter it does not know. */
export function parseKeyspaceEvents(text: string): number {
  let flags = 0;
  for (const ch of text) {
    if (ch === 'A') flags |= ALL;
    else {
      const bit = LETTERS.find(([l]) => l === ch)?.[1] ?? TAIL.find(([l]) => l === ch)?.[1];
      if (bit === undefined) return -1;
      flags |= bit;
    }
  }
  return flags;
}

/** Redis's keyspaceEventsFlagsToString (what CONFIG GET shows). */
export function keyspaceEventsText(flags: number): string {
  let text = (flags & ALL) === ALL ? 'A' : LETTERS.filter(([, bit]) => flags & bit).map(([l]) => l).join('');
  for (const [l, bit] of TAIL) if (flags & bit) text += l;
  return text;
}

/** XADD's last run trimmed entries (streams.ts sets it): its `xtrim` event follows `xadd`, as Redis's. */
export const XADD_TRIMMED = { last: false };

const ev = (type: number, name: string, ttl?: 'also' | 'only', incrName?: string): KeyEvent => ({ type, name, ttl, incrName });
export const EVENTS = {
  set: ev(NOTIFY.STRING, 'set', 'also'),
  append: ev(NOTIFY.STRING, 'append'),
  incrby: ev(NOTIFY.STRING, 'incrby'),
  incrbyfloat: ev(NOTIFY.STRING, 'incrbyfloat'),
  setrange: ev(NOTIFY.STRING, 'setrange'),
  setbit: ev(NOTIFY.STRING, 'setbit'),
  del: ev(NOTIFY.GENERIC, 'del'),
  ttl: ev(NOTIFY.GENERIC, 'expire', 'only'),
  hset: ev(NOTIFY.HASH, 'hset'),
  hdel: ev(NOTIFY.HASH, 'hdel'),
  hincrby: ev(NOTIFY.HASH, 'hincrby'),
  hincrbyfloat: ev(NOTIFY.HASH, 'hincrbyfloat'),
  lpush: ev(NOTIFY.LIST, 'lpush'),
  rpush: ev(NOTIFY.LIST, 'rpush'),
  lpop: ev(NOTIFY.LIST, 'lpop'),
  rpop: ev(NOTIFY.LIST, 'rpop'),
  lset: ev(NOTIFY.LIST, 'lset'),
  linsert: ev(NOTIFY.LIST, 'linsert'),
  lrem: ev(NOTIFY.LIST, 'lrem'),
  ltrim: ev(NOTIFY.LIST, 'ltrim'),
  sadd: ev(NOTIFY.SET, 'sadd'),
  srem: ev(NOTIFY.SET, 'srem'),
  spop: ev(NOTIFY.SET, 'spop'),
  zadd: ev(NOTIFY.ZSET, 'zadd', undefined, 'zincr'),
  zincr: ev(NOTIFY.ZSET, 'zincr'),
  zrem: ev(NOTIFY.ZSET, 'zrem'),
  zpopmin: ev(NOTIFY.ZSET, 'zpopmin'),
  zpopmax: ev(NOTIFY.ZSET, 'zpopmax'),
  zremrangebyrank: ev(NOTIFY.ZSET, 'zremrangebyrank'),
  zremrangebyscore: ev(NOTIFY.ZSET, 'zremrangebyscore'),
  zremrangebylex: ev(NOTIFY.ZSET, 'zremrangebylex'),
  xadd: { ...ev(NOTIFY.STREAM, 'xadd'), then: { type: NOTIFY.STREAM, name: 'xtrim', fired: () => XADD_TRIMMED.last } },
  xdel: ev(NOTIFY.STREAM, 'xdel'),
  xtrim: ev(NOTIFY.STREAM, 'xtrim'),
  xsetid: ev(NOTIFY.STREAM, 'xsetid'),
} as const;

/** `l` or `r` and `verb`, by the argument at `at` (LEFT or RIGHT; MIN or MAX for `zpop`). */
const side = (at: number | 'after-keys', verb: string) => (args: { latin1(i: number): string }, lastKey: number): string => {
  const word = args.latin1(at === 'after-keys' ? lastKey + 1 : at).toUpperCase();
  if (verb === 'zpop') return word === 'MAX' ? 'zpopmax' : 'zpopmin';
  return (word === 'RIGHT' ? 'r' : 'l') + verb;
};
const at = (i: number, type: number, name: KeyEventAt['name'], more: Partial<KeyEventAt> = {}): KeyEventAt => ({ at: i, type, name, ...more });

/** What a command over several keys fires (CommandSpec.keyEvents), in Redis's order. */
export const KEY_EVENTS = {
  rename: [at(2, NOTIFY.NEW, 'new'), at(1, NOTIFY.GENERIC, 'rename_from'), at(2, NOTIFY.GENERIC, 'rename_to')],
  copy: [at(2, NOTIFY.GENERIC, 'copy_to')],
  bitop: [at(2, NOTIFY.STRING, 'set', { deleted: 'del' })],
  lmove: [at(2, NOTIFY.LIST, side(4, 'push')), at(1, NOTIFY.LIST, side(3, 'pop'), { thenDel: true })],
  rpoplpush: [at(2, NOTIFY.LIST, 'lpush'), at(1, NOTIFY.LIST, 'rpop', { thenDel: true })],
  smove: [at(1, NOTIFY.SET, 'srem', { thenDel: true }), at(2, NOTIFY.SET, 'sadd')],
  sinterstore: [at(1, NOTIFY.SET, 'sinterstore', { deleted: 'del' })],
  sunionstore: [at(1, NOTIFY.SET, 'sunionstore', { deleted: 'del' })],
  sdiffstore: [at(1, NOTIFY.SET, 'sdiffstore', { deleted: 'del' })],
  zrangestore: [at(1, NOTIFY.ZSET, 'zrangestore', { deleted: 'del' })],
  // SORT ... STORE destination (its place: key-positions.ts sortStoreAt); without STORE, none
  sortstore: [{ at: 0, atOf: sortStoreAt, type: NOTIFY.LIST, name: 'sortstore', deleted: 'del' }],
  zunionstore: [at(1, NOTIFY.ZSET, 'zunionstore', { deleted: 'del' })],
  zinterstore: [at(1, NOTIFY.ZSET, 'zinterstore', { deleted: 'del' })],
  zdiffstore: [at(1, NOTIFY.ZSET, 'zdiffstore', { deleted: 'del' })],
  zmpop: [{ at: 0, counted: true, type: NOTIFY.ZSET, name: side('after-keys', 'zpop'), thenDel: true }],
  lmpop: [{ at: 0, counted: true, type: NOTIFY.LIST, name: side('after-keys', 'pop'), thenDel: true }],
  // The blocking pops, at once or served after waiting, fire their non-blocking form's events (Redis's serveClientBlockedOnList); BLMOVE, BRPOPLPUSH, BLMPOP, BZMPOP share LMOVE's, RPOPLPUSH's, LMPOP's, ZMPOP's
  blpop: [{ at: 0, counted: true, type: NOTIFY.LIST, name: 'lpop', thenDel: true }],
  brpop: [{ at: 0, counted: true, type: NOTIFY.LIST, name: 'rpop', thenDel: true }],
  bzpopmin: [{ at: 0, counted: true, type: NOTIFY.ZSET, name: 'zpopmin', thenDel: true }],
  bzpopmax: [{ at: 0, counted: true, type: NOTIFY.ZSET, name: 'zpopmax', thenDel: true }],
  // ENTRYLOAD key mode event ... and ENTRYDROP key event (key-transfer.ts): the event their argument names
  entryload: [at(1, NOTIFY.GENERIC, (args) => args.latin1(3))],
  entrydrop: [at(1, NOTIFY.GENERIC, (args) => args.latin1(2))],
} as const satisfies Record<string, readonly KeyEventAt[]>;

/**
 * Runs a one-key command while notifications are on, and fires what Redis's would on its key,
 * from the key's state before and after (its write version and TTL): nothing when it did not
 * change (a read of a missing key: `keymiss`); a key gone: the command's own class event first
 * when it is a type's (HDEL of the last field), then `del` (DEL, GETDEL, an EXPIRE in the past);
 * else the command's event (and `expire` as `ttl` says). `new`, `expired` and `evicted` come from
 * the store itself (StoreMemory.keyEvents), at the moment they happen.
 */
export function runNotified(store: Lru, spec: CommandSpec, args: Args, reply: ReplySink, events: KeyspaceEvents): void {
  MISSES.events = events;
  if (spec.keyEvents !== undefined) return runNotifiedKeys(store, spec, spec.keyEvents, args, reply, events);
  const { buf } = args;
  // The command's key: argv[1], or where its table entry says (XINFO STREAM key).
  const start = args.starts[spec.firstKey];
  const end = args.ends[spec.firstKey];
  const before = store.versionOf(buf, start, end);
  const ttlBefore = before === 0 ? 0 : store.expiryOf(buf, start, end);
  spec.handler!(store, args, reply);
  // Expired or not: a write's own short TTL may pass before this look (its events still fire).
  const after = store.versionOf(buf, start, end, true);
  if (after === before) {
    if (before === 0 && (spec.readOnly || spec.readsKey === true)) events.fire(NOTIFY.KEY_MISS, 'keymiss', buf, start, end);
    return;
  }
  const event = spec.event;
  if (event === undefined) return;
  if (after === 0) {
    if (event.type !== NOTIFY.GENERIC) events.fire(event.type, event.name, buf, start, end);
    if (before !== 0) events.fire(NOTIFY.GENERIC, 'del', buf, start, end);
    return;
  }
  const ttlAfter = store.expiryOf(buf, start, end);
  if (event.ttl === 'only') return events.fire(NOTIFY.GENERIC, ttlAfter !== 0 ? 'expire' : 'persist', buf, start, end);
  events.fire(event.type, event.incrName !== undefined && hasIncr(args) ? event.incrName : event.name, buf, start, end);
  if (event.then !== undefined && event.then.fired()) events.fire(event.then.type, event.then.name, buf, start, end);
  if (event.ttl === 'also' && ttlAfter !== 0 && ttlAfter !== ttlBefore) events.fire(NOTIFY.GENERIC, 'expire', buf, start, end);
}

/** A command over several keys as it runs (one: a command runs no other inside it): each event's key, its version before, whether the store made it new. */
const RUN = { keys: [] as number[], before: [] as number[], fresh: [] as boolean[], count: 0, args: null as Args | null };

/** The store's listener while such a command runs: a `new` on one of its keys waits for its place (Redis fires it amid the command's events). */
let passOn: ((event: StoreEvent, buf: Buffer, start: number, end: number) => void) | null = null;
function holdingNew(event: StoreEvent, buf: Buffer, start: number, end: number): void {
  const args = RUN.args!;
  if (event === StoreEvent.NEW) {
    for (let e = 0; e < RUN.count; e++) {
      const k = RUN.keys[e];
      if (end - start === args.ends[k] - args.starts[k] && buf.compare(args.buf, args.starts[k], args.ends[k], start, end) === 0) {
        RUN.fresh[e] = true;
        return;
      }
    }
  }
  passOn!(event, buf, start, end);
}

/**
 * runNotified for a command over several keys of one shard (its table's `keyEvents`), in Redis's
 * order: first a `keymiss` for each key it reads (`reads`) that is missing; then each event, in
 * the table's order, when its key's version changed (`deleted` instead, or `del` after with
 * `thenDel`, when the key is gone), the store's `new` for a key just before that key's first
 * event (or where a NOTIFY.NEW entry places it).
 */
function runNotifiedKeys(store: Lru, spec: CommandSpec, fired: readonly KeyEventAt[], args: Args, reply: ReplySink, events: KeyspaceEvents): void {
  const { buf, starts, ends } = args;
  // Counted keys: a numkeys command's, or all of BLPOP's (its key positions); read now, keySpan's answer is reused.
  const counted = spec.numkeys === true || (fired.length > 0 && fired[0].counted === true);
  const span = counted ? keySpan(spec, args) : null;
  const firstKey = span === null ? 0 : span.first;
  const lastKey = span === null ? 0 : span.last;
  let count = 0;
  for (const event of fired) {
    if (event.counted === true) for (let k = firstKey; k > 0 && k <= lastKey; k++) RUN.keys[count++] = k;
    else if (event.atOf !== undefined) {
      const at = event.atOf(args);
      if (at > 0) RUN.keys[count++] = at;
    } else if (event.at < args.count) RUN.keys[count++] = event.at;
    else continue;
  }
  RUN.count = count;
  RUN.args = args;
  for (let e = 0; e < count; e++) {
    RUN.before[e] = store.versionOf(buf, starts[RUN.keys[e]], ends[RUN.keys[e]]);
    RUN.fresh[e] = false;
  }
  // Redis fires a read key's keymiss as it looks the key up, before the command's own events.
  const reads = spec.reads;
  if (reads !== undefined) {
    let [first, last] = 'numkeysAt' in reads ? [reads.numkeysAt + 1, reads.numkeysAt + countAt(args, reads.numkeysAt)] : reads;
    if (last < 0) last += args.count;
    last = Math.min(last, args.count - 1);
    for (let i = first; i <= last; i++) if (store.versionOf(buf, starts[i], ends[i]) === 0) events.fire(NOTIFY.KEY_MISS, 'keymiss', buf, starts[i], ends[i]);
  }
  const memory = store.memory;
  passOn = memory.keyEvents;
  if (passOn !== null) memory.keyEvents = holdingNew;
  try {
    spec.handler!(store, args, reply);
  } finally {
    if (passOn !== null) memory.keyEvents = passOn;
    passOn = null;
    RUN.args = null;
  }
  let e = 0;
  for (const event of fired) {
    const n = event.counted === true ? (span === null || firstKey <= 0 ? 0 : lastKey - firstKey + 1) : event.atOf !== undefined ? (event.atOf(args) > 0 ? 1 : 0) : event.at < args.count ? 1 : 0;
    for (let j = 0; j < n; j++, e++) if (event.counted !== true || !namedBefore(args, e)) fireAt(store, event, e, args, lastKey, events);
  }
  // A new key no event named (none here yet): its `new` all the same.
  for (let x = 0; x < count; x++) if (RUN.fresh[x]) fireNew(x, args, events);
}

/** True when RUN's key `e` repeats an earlier one (BLPOP k k 0): its event fires once, as Redis pops from one key once. */
function namedBefore(args: Args, e: number): boolean {
  const { buf, starts, ends } = args;
  const k = RUN.keys[e];
  for (let x = 0; x < e; x++) {
    const j = RUN.keys[x];
    if (ends[j] - starts[j] === ends[k] - starts[k] && buf.compare(buf, starts[j], ends[j], starts[k], ends[k]) === 0) return true;
  }
  return false;
}

/** The key count at argument `at` when it is a valid one (1 up to the arguments after it), else 0. */
function countAt(args: Args, at: number): number {
  const n = Number(args.latin1(at));
  return Number.isInteger(n) && n >= 1 && n <= args.count - at - 1 ? n : 0;
}

function fireAt(store: Lru, event: KeyEventAt, e: number, args: Args, lastKey: number, events: KeyspaceEvents): void {
  const k = RUN.keys[e];
  const { buf, starts, ends } = args;
  if (event.type === NOTIFY.NEW) {
    // Its place: the same key's `new`, wherever its entry is.
    for (let x = 0; x < RUN.count; x++) if (RUN.fresh[x] && RUN.keys[x] === k) fireNew(x, args, events);
    return;
  }
  const after = store.versionOf(buf, starts[k], ends[k], true);
  if (after === RUN.before[e]) return;
  for (let x = 0; x < RUN.count; x++) if (RUN.fresh[x] && RUN.keys[x] === k) fireNew(x, args, events);
  const name = typeof event.name === 'string' ? event.name : event.name(args, lastKey);
  if (after === 0 && event.deleted !== undefined) return events.fire(NOTIFY.GENERIC, event.deleted, buf, starts[k], ends[k]);
  events.fire(event.type, name, buf, starts[k], ends[k]);
  if (after === 0 && event.thenDel === true) events.fire(NOTIFY.GENERIC, 'del', buf, starts[k], ends[k]);
}

function fireNew(x: number, args: Args, events: KeyspaceEvents): void {
  RUN.fresh[x] = false;
  const k = RUN.keys[x];
  if (events.flags & NOTIFY.NEW) events.fire(NOTIFY.NEW, 'new', args.buf, args.starts[k], args.ends[k]);
}

const LEADING_OPTIONS = new Set(['NX', 'XX', 'CH', 'GT', 'LT', 'INCR']);

/** True when ZADD's options (argv[2] on, up to its first score) include INCR. */
function hasIncr(args: Args): boolean {
  for (let i = 2; i < args.count; i++) {
    const option = args.latin1(i).toUpperCase();
    if (option === 'INCR') return true;
    if (!LEADING_OPTIONS.has(option)) return false;
  }
  return false;
}

/** What the store tells of (StoreMemory.keyEvents) as Redis's events: `new`, `expired`, `evicted`. */
const STORE_EVENTS: readonly (readonly [number, string])[] = [];
(STORE_EVENTS as [number, string][])[StoreEvent.NEW] = [NOTIFY.NEW, 'new'];
(STORE_EVENTS as [number, string][])[StoreEvent.EXPIRED] = [NOTIFY.EXPIRED, 'expired'];
(STORE_EVENTS as [number, string][])[StoreEvent.EVICTED] = [NOTIFY.EVICTED, 'evicted'];

/** The store's listener (StoreMemory.keyEvents) that fires its events through `events`. */
export function storeListener(events: KeyspaceEvents): (event: StoreEvent, buf: Buffer, start: number, end: number) => void {
  return (event, buf, start, end) => {
    const [type, name] = STORE_EVENTS[event];
    if (events.flags & type) events.fire(type, name, buf, start, end);
  };
}
