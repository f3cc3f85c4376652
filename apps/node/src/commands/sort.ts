import { shardOf, shardOfString, TREE, type Args } from '@kv/wire';
import { Kind, listItems, listOf, LruList, setEncoding, setMembers, zsetPairs, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { GATHERED } from './gather';
import { keyMissed } from './key-miss';
import { readArg } from './keyarg';
import { int64Bytes } from './numbers';
import { parseSortWeight } from './zset-args';

/**
 * SORT and SORT_RO (Redis 7.0's sort.c): a list's, set's or sorted set's elements in numeric or
 * ALPHA (byte) order, or by weights read through a BY pattern, a LIMIT of them, each given as
 * itself or through GET patterns, or stored as a list (STORE). A pattern's keys must be on the
 * sorted key's shard (a hash tag before its `*` puts them there): else Redis Cluster's error,
 * as 7.4's (7.0's cluster refused every BY pattern and GET). STORE's destination of another shard
 * runs gathered (the table's `gathers`, key-positions.ts sortStoreAt).
 */

/** What the options asked for. */
interface SortOptions {
  desc: boolean;
  alpha: boolean;
  /** LIMIT's offset and count (count -1: all). */
  offset: number;
  count: number;
  /** BY's pattern (the last one), or null. */
  by: string | null;
  /** A BY pattern without `*` (BY nosort): nothing is sorted. */
  dontsort: boolean;
  gets: string[];
  /** STORE's argument index, or 0. */
  store: number;
}

export const sort = (store: Lru, args: Args, reply: ReplySink): void => sortGeneric(store, args, reply, false);
export const sortRo = (store: Lru, args: Args, reply: ReplySink): void => sortGeneric(store, args, reply, true);

/** The options from argv[2] on, in Redis's order of checks; undefined once an error was answered. */
function parseOptions(args: Args, reply: ReplySink, readonly: boolean): SortOptions | undefined {
  const o: SortOptions = { desc: false, alpha: false, offset: 0, count: -1, by: null, dontsort: false, gets: [], store: 0 };
  const keyShard = shardOf(args.buf, args.starts[1], args.ends[1]);
  for (let j = 2; j < args.count; j++) {
    const left = args.count - j - 1;
    const option = args.latin1(j).toUpperCase();
    if (option === 'ASC') o.desc = false;
    else if (option === 'DESC') o.desc = true;
    else if (option === 'ALPHA') o.alpha = true;
    else if (option === 'LIMIT' && left >= 2) {
      const offset = int64Bytes(args.buf, args.starts[j + 1], args.ends[j + 1]);
      const count = offset === undefined ? undefined : int64Bytes(args.buf, args.starts[j + 2], args.ends[j + 2]);
      if (offset === undefined || count === undefined) return reply.error(ERR.notInteger), undefined;
      [o.offset, o.count] = [Number(offset), Number(count)];
      j += 2;
    } else if (!readonly && option === 'STORE' && left >= 1) o.store = ++j;
    else if (option === 'BY' && left >= 1) {
      const pattern = args.latin1(++j);
      o.by = pattern;
      // A pattern without `*` is a constant: nothing to sort by, no key to read (sticky, as Redis's dontsort).
      if (!pattern.includes('*')) o.dontsort = true;
      else if (!onShard(pattern, keyShard)) return reply.error(ERR.sortByAcross), undefined;
    } else if (option === 'GET' && left >= 1) {
      const pattern = args.latin1(++j);
      // `#` (the element) and a pattern without `*` (always nil) read no key.
      if (pattern !== '#' && pattern.includes('*') && !onShard(pattern, keyShard)) return reply.error(ERR.sortGetAcross), undefined;
      o.gets.push(pattern);
    } else return reply.error(ERR.syntax), undefined;
  }
  return o;
}

/**
 * True when every key `pattern` forms is of shard `shard`: its hash tag (Redis's patternHashSlot:
 * the first `{...}`, non-empty, closed before any `*`, `?`, `[` or `\`) is of that shard.
 */
function onShard(pattern: string, shard: number): boolean {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' || c === '?' || c === '[' || c === '\\') return false;
    if (open === -1 && c === '{') open = i;
    else if (open >= 0 && c === '}') {
      if (i === open + 1) return false; // `{}`: the whole key hashes, the element with it
      return shardOfString(pattern.slice(open + 1, i)) === shard;
    }
  }
  return false;
}

/** Redis's lookupKeyByPattern: `#` is the element; else the string at the key the pattern makes, or a field (`->field`) of the hash there; null for none. */
function lookupByPattern(store: Lru, pattern: string, element: string): string | null {
  if (pattern === '#') return element;
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < pattern.length ? pattern.slice(arrow + 2) : null;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, field === null ? pattern.length : arrow);
  const slot = store.readKey(key);
  if (slot < 0) return keyMissed(key), null;
  const kind = store.kindAt(slot);
  if (field !== null) return kind === Kind.HASH ? store.hashReaderAt(slot).get(field) ?? null : null;
  return kind === Kind.STRING ? store.valueString(slot) : null;
}

/** One element to sort: itself, its numeric weight, its ALPHA weight through BY (null: none). */
interface Sortable {
  element: string;
  score: number;
  by: string | null;
}

const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** sortCompare: numeric (ties by the elements' bytes), or ALPHA by the elements or their BY weights (a missing weight first). */
function comparator(o: SortOptions): (a: Sortable, b: Sortable) => number {
  const sign = o.desc ? -1 : 1;
  if (!o.alpha) return (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : byBytes(a.element, b.element));
  if (o.by === null) return (a, b) => sign * byBytes(a.element, b.element);
  return (a, b) => sign * (a.by === null || b.by === null ? (a.by === b.by ? 0 : a.by === null ? -1 : 1) : byBytes(a.by, b.by));
}

function sortGeneric(store: Lru, args: Args, reply: ReplySink, readonly: boolean): void {
  const o = parseOptions(args, reply, readonly);
  if (o === undefined) return;
  const slot = readArg(store, args, 1);
  const kind = slot < 0 ? Kind.LIST : store.kindAt(slot);
  if (kind !== Kind.LIST && kind !== Kind.SET && kind !== Kind.ZSET) return reply.error(ERR.wrongType);
  // The destination runs here: of this shard, or gathered in (the router sends it so).
  if (o.store > 0 && !GATHERED.on && shardOf(args.buf, args.starts[o.store], args.ends[o.store]) !== shardOf(args.buf, args.starts[1], args.ends[1])) return reply.error(ERR.crossShard);
  let elements = slot < 0 ? [] : kind === Kind.LIST ? listItems(store, slot) : kind === Kind.SET ? setMembers(store, slot) : zsetPairs(store, slot).members;
  // A set's own order is no order: stored (or in a script) Redis sorts it ALPHA. Here always, but for an intset's own
  // ascending order, which Redis gives outside scripts (its hashtable's order is one no client may rely on).
  if (o.dontsort && kind === Kind.SET && (o.store > 0 || setEncoding(store, slot) !== 'intset')) [o.dontsort, o.alpha, o.by] = [false, true, null];
  const n = elements.length;
  let start = Math.min(Math.max(o.offset, 0), n);
  const count = Math.min(Math.max(o.count, -1), n);
  let end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) [start, end] = [n - 1, n - 2];
  if (end >= n) end = n - 1;
  // A list or sorted set not sorted keeps its order, DESC from its end (a set's, DESC or not).
  if (o.dontsort && kind !== Kind.SET && o.desc) elements = elements.slice().reverse();
  let out: string[] = elements;
  if (!o.dontsort) {
    const vector: Sortable[] = new Array(n);
    let notDouble = false;
    for (let j = 0; j < n; j++) {
      const element = elements[j];
      const entry: Sortable = { element, score: 0, by: null };
      vector[j] = entry;
      const weight = o.by === null ? element : lookupByPattern(store, o.by, element);
      if (weight === null) continue;
      if (o.alpha) {
        if (o.by !== null) entry.by = weight;
        continue;
      }
      const score = parseSortWeight(weight);
      if (score === undefined) notDouble = true;
      else entry.score = score;
    }
    if (notDouble) return reply.error(ERR.sortNotDouble);
    vector.sort(comparator(o));
    out = vector.map((entry) => entry.element);
  }
  const picked = end >= start ? out.slice(start, end + 1) : [];
  if (o.store > 0) return storeList(store, args, o, picked, reply);
  const width = o.gets.length === 0 ? 1 : o.gets.length;
  TREE.begin();
  TREE.array(picked.length * width);
  for (const element of picked) {
    if (o.gets.length === 0) TREE.bulk(element);
    for (const pattern of o.gets) {
      const value = lookupByPattern(store, pattern, element);
      if (value === null) TREE.nil();
      else TREE.bulk(value);
    }
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

/** STORE: the destination becomes a list of the result (GET's missing values empty), or is deleted for none; the reply its length. */
function storeList(store: Lru, args: Args, o: SortOptions, picked: string[], reply: ReplySink): void {
  let items = picked;
  if (o.gets.length > 0) {
    items = [];
    for (const element of picked) for (const pattern of o.gets) items.push(lookupByPattern(store, pattern, element) ?? '');
  }
  const { buf, starts, ends } = args;
  const at = o.store;
  if (items.length === 0) {
    const destination = store.peek(buf, starts[at], ends[at]);
    if (destination >= 0) store.remove(destination);
    return reply.integer(0);
  }
  const value = listOf(store.memory.limits, items);
  const made = value instanceof LruList ? store.setObject(buf, starts[at], ends[at], Kind.LIST, value) : store.createPacked(buf, starts[at], ends[at], Kind.LIST, value.bytes, 0, value.bytes.length);
  if (made < 0) return reply.error(ERR.oom);
  reply.integer(items.length);
}
