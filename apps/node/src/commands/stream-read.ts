import { argsOf, shardOf, TREE, TreeTag, type Args } from '@kv/wire';
import { StreamId, type Lru, type LruStream } from '@kv/lru';
import { ERR, ReplyTo, type ReplySink } from '../reply';
import { int64Bytes } from './numbers';
import { parseId, streamAt, streamOf, WRONG } from './stream-args';
import { entryToTree } from './streams';
import { keysTogether } from './gather';

/** The stream commands that read (Redis 7.0's t_stream.c): XRANGE, XREVRANGE and XREAD; XINFO is stream-info.ts. */

const START = new StreamId();
const END = new StreamId();

/** XRANGE key start end [COUNT count] (XREVRANGE key end start ...): [[id, [field, value ...]] ...]; `(` excludes a bound. */
function range(store: Lru, args: Args, reply: ReplySink, reverse: boolean): void {
  if (!intervalId(args.latin1(reverse ? 3 : 2), START, false, reply)) return;
  if (!intervalId(args.latin1(reverse ? 2 : 3), END, true, reply)) return;
  let count = -1;
  for (let j = 4; j < args.count; j++) {
    if (args.latin1(j).toUpperCase() === 'COUNT' && args.count - j - 1 >= 1) {
      const n = int64Bytes(args.buf, args.starts[j + 1], args.ends[j + 1]);
      if (n === undefined) return reply.error(ERR.notInteger);
      count = n < 0 ? 0 : Number(n);
      j++;
    } else return reply.error(ERR.syntax);
  }
  const slot = streamAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0) return reply.array([]);
  if (count === 0) return reply.nullArray();
  TREE.begin();
  const header = TREE.open(TreeTag.ARRAY);
  TREE.closeAt(header, streamOf(store, slot).range(START, END, reverse, count < 0 ? 0 : count, entryToTree));
  reply.tree(TREE.buf, 0, TREE.length);
}

/** A range's bound (streamParseIntervalIDOrReply): `(` makes it exclusive, moved one id inwards. False after answering the error. */
function intervalId(text: string, out: StreamId, end: boolean, reply: ReplySink): boolean {
  const exclusive = text.length > 1 && text[0] === '(';
  if (parseId(exclusive ? text.slice(1) : text, out, end, exclusive, reply) === false) return false;
  if (!exclusive) return true;
  if (end ? out.decrement() : out.increment()) return true;
  reply.error(end ? ERR.rangeEndInvalid : ERR.rangeStartInvalid);
  return false;
}

export const xrange = (store: Lru, args: Args, reply: ReplySink): void => range(store, args, reply, false);
export const xrevrange = (store: Lru, args: Args, reply: ReplySink): void => range(store, args, reply, true);

/** XREAD's options as read: BLOCK's ms (-1: none), COUNT (0: all), the index of the first key and how many. */
export interface XreadOptions {
  blockMs: number;
  count: number;
  countAt: number;
  keysAt: number;
  keys: number;
}

const READ: XreadOptions = { blockMs: -1, count: 0, countAt: 0, keysAt: 0, keys: 0 };

/** Reads XREAD's options as Redis's xreadCommand does, in its order; null after answering the error. */
export function xreadOptions(args: Args, reply: Pick<ReplySink, 'error'>, o: XreadOptions = READ): XreadOptions | null {
  o.blockMs = -1;
  o.count = 0;
  o.countAt = 0;
  o.keysAt = 0;
  o.keys = 0;
  for (let i = 1; i < args.count; i++) {
    const more = args.count - i - 1;
    const opt = args.latin1(i).toUpperCase();
    if (opt === 'BLOCK' && more > 0) {
      i++;
      const n = int64Bytes(args.buf, args.starts[i], args.ends[i]);
      if (n === undefined) return refuse(reply, ERR.timeoutNotInteger);
      if (n < 0) return refuse(reply, ERR.timeoutNegative);
      o.blockMs = Number(n);
    } else if (opt === 'COUNT' && more > 0) {
      i++;
      const n = int64Bytes(args.buf, args.starts[i], args.ends[i]);
      if (n === undefined) return refuse(reply, ERR.notInteger);
      o.count = n < 0 ? 0 : Number(n);
      o.countAt = i;
    } else if (opt === 'STREAMS' && more > 0) {
      o.keysAt = i + 1;
      if ((args.count - o.keysAt) % 2 !== 0) return refuse(reply, ERR.xreadUnbalanced);
      o.keys = (args.count - o.keysAt) / 2;
      break;
    } else if (opt === 'GROUP' && more >= 2) return refuse(reply, ERR.xreadGroupOption);
    else if (opt === 'NOACK') return refuse(reply, ERR.xreadNoack);
    else return refuse(reply, ERR.syntax);
  }
  if (o.keysAt === 0) return refuse(reply, ERR.syntax);
  return o;
}

function refuse(reply: Pick<ReplySink, 'error'>, error: string): null {
  reply.error(error);
  return null;
}

const AFTER: StreamId[] = [];
const LAST = new StreamId();

/**
 * XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]: for each stream with entries
 * after its id (`$`: its last id), [key, entries] (a map in RESP3), else a null array; its keys in
 * one shard. Its non-blocking form: whether it waits is ShardSet.block's (the `blocking` field).
 */
export function xread(store: Lru, args: Args, reply: ReplySink): void {
  const o = xreadOptions(args, reply);
  if (o === null) return;
  const { keysAt, keys } = o;
  if (!keysTogether(args, keysAt, keysAt + keys - 1, reply)) return;
  let ready = 0;
  for (let k = 0; k < keys; k++) {
    const slot = streamAt(store, args, keysAt + k, reply, false);
    if (slot === WRONG) return;
    if (AFTER.length <= k) AFTER.push(new StreamId());
    const text = args.latin1(keysAt + keys + k);
    if (text === '$') {
      if (slot < 0) AFTER[k].msHi = AFTER[k].msLo = AFTER[k].seqHi = AFTER[k].seqLo = 0;
      else AFTER[k].set(streamOf(store, slot).lastId);
      continue;
    }
    if (text === '>') return reply.error(ERR.xreadGtId);
    if (parseId(text, AFTER[k], false, true, reply) === false) return;
  }
  TREE.begin();
  const header = TREE.open(TreeTag.KEYED);
  for (let k = 0; k < keys; k++) {
    const slot = streamAt(store, args, keysAt + k, reply, true);
    if (slot < 0) continue;
    const stream = streamOf(store, slot);
    if (!hasAfter(stream, AFTER[k])) continue;
    ready++;
    TREE.bulkBytes(args.buf, args.starts[keysAt + k], args.ends[keysAt + k]);
    const entries = TREE.open(TreeTag.ARRAY);
    START.set(AFTER[k]).increment();
    TREE.closeAt(entries, stream.range(START, MAX, false, o.count, entryToTree));
  }
  if (ready === 0) return reply.nullArray();
  TREE.closeAt(header, ready);
  reply.tree(TREE.buf, 0, TREE.length);
}

const MAX = StreamId.max();

/** True when the stream's last live entry is after `id` (streamLastValidID > id). */
function hasAfter(stream: LruStream, id: StreamId): boolean {
  return stream.length > 0 && stream.edge(false, LAST) && LAST.compare(id) > 0;
}

/** A served XREAD BLOCK without COUNT takes at most this many entries a stream, as Redis's XREAD_BLOCKED_DEFAULT_COUNT. */
const BLOCKED_DEFAULT_COUNT = '1000';

/** XREAD's BLOCK timeout in ms for ShardSet.block: -1 when it does not block, undefined after answering an error. */
export function xreadWaitMs(args: Args, reply: Pick<ReplySink, 'error'>): number | undefined {
  const o = xreadOptions(args, reply);
  return o === null ? undefined : o.blockMs;
}

/**
 * The arguments an XREAD BLOCK waits with: each `$` becomes its stream's last id now (0-0 for
 * none), so only what is added later serves it, and with no COUNT it takes at most 1000 entries
 * a stream, as Redis's blocked XREAD.
 */
export function xreadKept(storeOf: (shard: number) => Lru | undefined, args: Args): Args {
  const o = xreadOptions(args, IGNORED)!;
  const argv: string[] = [];
  for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
  for (let k = 0; k < o.keys; k++) {
    const at = o.keysAt + o.keys + k;
    if (argv[at] !== '$') continue;
    // Each stream in its own shard's store (keys of several shards of this worker wait together).
    const store = storeOf(shardOf(args.buf, args.starts[o.keysAt + k], args.ends[o.keysAt + k]));
    const slot = store === undefined ? -1 : streamAt(store, args, o.keysAt + k, IGNORED, true);
    argv[at] = slot < 0 ? '0-0' : streamOf(store!, slot).lastId.text();
  }
  if (o.countAt === 0) argv.splice(1, 0, 'COUNT', BLOCKED_DEFAULT_COUNT);
  return argsOf(argv);
}

/** A kept XREAD (xreadKept: COUNT given) narrowed to the stream `key` that woke it: `XREAD COUNT n STREAMS key id`. */
export function xreadServedFor(args: Args, key: string): Args {
  const o = xreadOptions(args, IGNORED)!;
  for (let k = 0; k < o.keys; k++) {
    if (args.latin1(o.keysAt + k) !== key) continue;
    return argsOf([args.latin1(0), 'COUNT', args.latin1(o.countAt), 'STREAMS', key, args.latin1(o.keysAt + o.keys + k)]);
  }
  return args;
}

/** True for an XREAD with a BLOCK option before its STREAMS (Redis refuses it in a script, whatever its timeout). */
export function xreadBlocks(args: Args): boolean {
  for (let i = 1; i < args.count - 1; i++) {
    const opt = args.latin1(i).toUpperCase();
    if (opt === 'STREAMS') return false;
    if (opt === 'BLOCK') return true;
    if (opt === 'COUNT') i++;
  }
  return false;
}

/**
 * BWAITSTREAM [COUNT n] BLOCK 0 STREAMS key [key ...] id [id ...] (keys of one shard): a watch for
 * an XREAD BLOCK over streams of several workers (the router's coord/gathered-wait.ts), waiting as
 * XREAD does (`$` fixed when it blocks: xreadKept). Once a stream has an entry after its id it
 * answers [key, id], taking nothing: the router reads that stream from that id.
 */
export function bwaitstream(store: Lru, args: Args, reply: ReplySink): void {
  const o = xreadOptions(args, reply);
  if (o === null) return;
  for (let k = 0; k < o.keys; k++) {
    const text = args.latin1(o.keysAt + o.keys + k);
    if (text === '$') continue;
    const slot = streamAt(store, args, o.keysAt + k, IGNORED, true);
    if (slot < 0 || parseId(text, LAST_SEEN, false, true, IGNORED) === false) continue;
    if (hasAfter(streamOf(store, slot), LAST_SEEN)) return reply.array([args.latin1(o.keysAt + k), text]);
  }
  reply.nullArray();
}

const LAST_SEEN = new StreamId();

/** The keys an XREAD waits on: its STREAMS keys, as argument indexes. */
export function xreadKeys(args: Args): number[] {
  const o = xreadOptions(args, IGNORED);
  const keys: number[] = [];
  if (o !== null) for (let k = 0; k < o.keys; k++) keys.push(o.keysAt + k);
  return keys;
}

/** A sink for arguments already checked (their errors were answered before). */
const IGNORED: ReplySink = new ReplyTo(() => {});
