import { KeyEvent as StoreEvent, type Lru } from '@kv/lru';
import type { Args } from '@kv/wire';
import type { CommandSpec, KeyEvent, KeyspaceEvents, ReplySink } from '../types';

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
} as const;

/**
 * Runs a one-key command while notifications are on, and fires what Redis's would on its key,
 * from the key's state before and after (its write version and TTL): nothing when it did not
 * change (a read of a missing key: `keymiss`); a key gone: the command's own class event first
 * when it is a type's (HDEL of the last field), then `del` (DEL, GETDEL, an EXPIRE in the past);
 * else the command's event (and `expire` as `ttl` says). `new`, `expired` and `evicted` come from
 * the store itself (StoreMemory.keyEvents), at the moment they happen.
 */
export function runNotified(store: Lru, spec: CommandSpec, args: Args, reply: ReplySink, events: KeyspaceEvents): void {
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
