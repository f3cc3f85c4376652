import { TREE, type Args } from '@kv/wire';
import { Kind, setMembers, setSize, zsetOf, zsetRead, LruZset, type Lru, type ZSorted } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { positiveArg } from './list-args';
import { int64 } from './numbers';
import { parseScore } from './zset-args';
import { keysTogether } from './gather';

/**
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (t_zset.c's
 * zunionInterDiffGenericCommand): inputs are sorted sets or sets (a set's members score 1), each
 * score times its weight (NaN counts 0), combined by SUM (inf + -inf is 0), MIN or MAX. As Redis,
 * union and intersection take their inputs smallest first (which orders a sum's additions). All
 * keys in one shard, else CROSSSLOT. A STORE replaces its destination (TTL too), or deletes it
 * for an empty result; its form is the one its size and longest member call for.
 */

type Op = 'union' | 'inter' | 'diff';
const SUM = 0;
const MIN = 1;
const MAX = 2;

/** One input: its members' scores (a set's are 1), or null for a missing key. */
interface Source {
  z: ZSorted | null;
  members: Set<string> | null;
  weight: number;
  size: number;
}

function scoreIn(source: Source, member: string): number | undefined {
  if (source.z !== null) return source.z.score(member);
  return source.members !== null && source.members.has(member) ? 1 : undefined;
}

function forEach(source: Source, visit: (member: string, score: number) => void): void {
  if (source.z !== null) source.z.visit(0, source.z.size, false, visit);
  else if (source.members !== null) for (const member of source.members) visit(member, 1);
}

function aggregate(target: number, value: number, how: number): number {
  if (how === SUM) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  return how === MIN ? (value < target ? value : target) : value > target ? value : target;
}

function weighted(score: number, weight: number): number {
  const value = score * weight;
  return Number.isNaN(value) ? 0 : value;
}

/** Parsed arguments and inputs; null once an error was answered. */
function parse(store: Lru, args: Args, reply: ReplySink, at: number, op: Op, name: string, stored: boolean, card: boolean): { sources: Source[]; how: number; withScores: boolean; limit: number } | null {
  const n = int64(args.latin1(at));
  if (n === undefined) return reply.error(ERR.notInteger), null;
  if (n < 1n) return reply.error(ERR.atLeastOneKey(name)), null;
  if (n > BigInt(args.count - at - 1)) return reply.error(ERR.syntax), null;
  const count = Number(n);
  // The destination and the first source (step `at`: argv[1], argv[at + 1]), then every source.
  if ((stored && !keysTogether(args, 1, at + 1, reply, at)) || !keysTogether(args, at + 1, at + count, reply)) return null;
  const sources: Source[] = [];
  for (let k = at + 1; k <= at + count; k++) {
    const slot = store.read(args.buf, args.starts[k], args.ends[k]);
    const kind = slot < 0 ? -1 : store.kindAt(slot);
    if (slot >= 0 && kind !== Kind.ZSET && kind !== Kind.SET) return reply.error(ERR.wrongType), null;
    if (kind === Kind.ZSET) {
      const z = zsetRead(store, slot);
      sources.push({ z, members: null, weight: 1, size: z.size });
    } else if (kind === Kind.SET) sources.push({ z: null, members: new Set(setMembers(store, slot)), weight: 1, size: setSize(store, slot) });
    else sources.push({ z: null, members: null, weight: 1, size: 0 });
  }
  let how = SUM;
  let withScores = false;
  let limit = 0;
  for (let j = at + count + 1; j < args.count; ) {
    const option = upperArg(args, j);
    const remaining = args.count - j;
    if (op !== 'diff' && !card && remaining >= count + 1 && option === 'WEIGHTS') {
      j++;
      for (const source of sources) {
        const weight = parseScore(args.latin1(j++));
        if (weight === undefined) return reply.error(ERR.weightNotFloat), null;
        source.weight = weight;
      }
    } else if (op !== 'diff' && !card && remaining >= 2 && option === 'AGGREGATE') {
      const kind = upperArg(args, j + 1);
      how = kind === 'SUM' ? SUM : kind === 'MIN' ? MIN : kind === 'MAX' ? MAX : -1;
      if (how < 0) return reply.error(ERR.syntax), null;
      j += 2;
    } else if (!stored && !card && option === 'WITHSCORES') {
      withScores = true;
      j++;
    } else if (card && remaining >= 2 && option === 'LIMIT') {
      const l = positiveArg(args, j + 1, reply, ERR.limitNegative);
      if (l === undefined) return null;
      limit = l;
      j += 2;
    } else return reply.error(ERR.syntax), null;
  }
  return { sources, how, withScores, limit };
}

/** The result's pairs, unordered. */
function compute(op: Op, sources: Source[], how: number, limit = 0): Map<string, number> {
  const out = new Map<string, number>();
  if (op === 'diff') {
    const [first, ...others] = sources;
    forEach(first, (member, score) => {
      if (!others.some((other) => scoreIn(other, member) !== undefined)) out.set(member, score);
    });
    return out;
  }
  // Smallest first, as Redis's qsort by cardinality (a stable sort here).
  const sorted = sources.slice().sort((a, b) => a.size - b.size);
  if (op === 'union') {
    for (const source of sorted) {
      forEach(source, (member, score) => {
        const value = weighted(score, source.weight);
        const had = out.get(member);
        out.set(member, had === undefined ? value : aggregate(had, value, how));
      });
    }
    return out;
  }
  const [first, ...others] = sorted;
  if (first.size === 0) return out;
  forEach(first, (member, score) => {
    if (limit > 0 && out.size >= limit) return;
    let value = weighted(score, first.weight);
    for (const other of others) {
      const s = scoreIn(other, member);
      if (s === undefined) return;
      // Unlike a union's, these products are not cleared of NaN first (zunionInterDiffGenericCommand).
      value = aggregate(value, s * other.weight, how);
    }
    out.set(member, value);
  });
  return out;
}

function ordered(result: Map<string, number>): { members: string[]; scores: number[] } {
  const pairs = [...result.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { members: pairs.map((p) => p[0]), scores: pairs.map((p) => p[1]) };
}

function read(op: Op, name: string, store: Lru, args: Args, reply: ReplySink): void {
  const parsed = parse(store, args, reply, 1, op, name, false, false);
  if (parsed === null) return;
  const { members, scores } = ordered(compute(op, parsed.sources, parsed.how));
  TREE.begin();
  if (parsed.withScores) TREE.pairs(members.length);
  else TREE.array(members.length);
  for (let i = 0; i < members.length; i++) {
    TREE.bulk(members[i]);
    if (parsed.withScores) TREE.double(scores[i]);
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

function stored(op: Op, name: string, store: Lru, args: Args, reply: ReplySink): void {
  const parsed = parse(store, args, reply, 2, op, name, true, false);
  if (parsed === null) return;
  const { members, scores } = ordered(compute(op, parsed.sources, parsed.how));
  const old = store.peek(args.buf, args.starts[1], args.ends[1]);
  if (members.length === 0) {
    if (old >= 0) store.remove(old);
    return reply.integer(0);
  }
  const value = zsetOf(store.memory.limits, members, scores);
  const written = value instanceof LruZset ? store.setObject(args.buf, args.starts[1], args.ends[1], Kind.ZSET, value) : store.createPacked(args.buf, args.starts[1], args.ends[1], Kind.ZSET, value.bytes, 0, value.bytes.length);
  if (written < 0) return reply.error(ERR.oom);
  reply.integer(members.length);
}

export const zunion = (store: Lru, args: Args, reply: ReplySink): void => read('union', 'zunion', store, args, reply);
export const zinter = (store: Lru, args: Args, reply: ReplySink): void => read('inter', 'zinter', store, args, reply);
export const zdiff = (store: Lru, args: Args, reply: ReplySink): void => read('diff', 'zdiff', store, args, reply);
export const zunionstore = (store: Lru, args: Args, reply: ReplySink): void => stored('union', 'zunionstore', store, args, reply);
export const zinterstore = (store: Lru, args: Args, reply: ReplySink): void => stored('inter', 'zinterstore', store, args, reply);
export const zdiffstore = (store: Lru, args: Args, reply: ReplySink): void => stored('diff', 'zdiffstore', store, args, reply);

/** ZINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counting no further than `limit` (0: no limit). */
export function zintercard(store: Lru, args: Args, reply: ReplySink): void {
  const parsed = parse(store, args, reply, 1, 'inter', 'zintercard', false, true);
  if (parsed === null) return;
  reply.integer(compute('inter', parsed.sources, SUM, parsed.limit).size);
}
