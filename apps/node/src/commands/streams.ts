import { TREE, type Args } from '@kv/wire';
import { compareParts, Kind, LruStream, StreamId, type Lru, type StreamBlock } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { XADD_TRIMMED } from './key-events';
import { int64 } from './numbers';
import { parseId, parseTrim, streamAt, streamOf, trimOptions, WRONG } from './stream-args';

/**
 * The stream commands that write (Redis 7.0's t_stream.c): XADD, XTRIM, XDEL, XSETID, and XLEN. A
 * stream is one entry of kind STREAM (libs/lru stream.ts), an object charged its blocks' bytes:
 * growth is reserved before an append, and the entry is charged again after (objectChanged),
 * which also gives it a new version (WATCH) and makes it most recently used. Reads are in
 * stream-read.ts.
 */

const OPTIONS = trimOptions();
const ID = new StreamId();
const NOW = new StreamId();


/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]: the id added, or nil (NOMKSTREAM, no key). */
export function xadd(store: Lru, args: Args, reply: ReplySink): void {
  XADD_TRIMMED.last = false;
  const limits = store.memory.limits;
  const o = OPTIONS;
  if (!parseTrim(args, true, o, limits.streamNodeMaxEntries, reply)) return;
  const fieldsAt = o.idAt + 1;
  const n = args.count - fieldsAt;
  if (n < 2 || n % 2 === 1) return reply.error(ERR.arity('xadd'));
  if (o.idGiven && o.seqGiven && o.id.isZero()) return reply.error(ERR.xaddZeroId);
  let slot = streamAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0 && o.noMkStream) return reply.nil();
  const stream = slot < 0 ? new LruStream() : streamOf(store, slot);
  const last = stream.lastId;
  if (last.isMax()) return reply.error(ERR.xaddExhausted);
  const id = ID;
  if (o.idGiven && o.seqGiven) id.set(o.id);
  else if (o.idGiven) {
    // ms-*: the next seq of that ms, or 0 for a new ms.
    if (last.sameMs(o.id)) {
      if (last.seqIsMax()) return reply.error(ERR.xaddIdTooSmall);
      id.set(last).increment();
    } else id.set(o.id);
  } else {
    // *: now, or the last id's ms with the next seq when the clock is not past it (streamNextID).
    NOW.setMs(Date.now());
    if (compareParts(NOW.msHi, NOW.msLo, 0, 0, last.msHi, last.msLo, 0, 0) > 0) id.set(NOW);
    // The last id's next, carrying into ms past the largest seq (streamIncrID: 5-18446744073709551615 -> 6-0).
    else id.set(last).increment();
  }
  if (id.compare(last) <= 0) return reply.error(ERR.xaddIdTooSmall);
  const maxEntries = limits.streamNodeMaxEntries;
  const maxBytes = limits.streamNodeMaxBytes;
  if (slot < 0) {
    stream.append(id, args, fieldsAt, args.count, maxEntries, maxBytes);
    slot = store.setObject(args.buf, args.starts[1], args.ends[1], Kind.STREAM, stream);
    if (slot < 0) return reply.error(ERR.oom);
  } else {
    if (!store.reserve(slot, stream.appendGrowth(args, fieldsAt, args.count, maxEntries, maxBytes))) return reply.error(ERR.oom);
    stream.append(id, args, fieldsAt, args.count, maxEntries, maxBytes);
  }
  reply.bulk(id.text());
  if (o.strategy !== 0) XADD_TRIMMED.last = stream.trim(o.strategy, o.maxlen, o.minid, o.approx, o.limit) > 0;
  store.objectChanged(slot);
}

/** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: the entries removed. */
export function xtrim(store: Lru, args: Args, reply: ReplySink): void {
  const o = OPTIONS;
  if (!parseTrim(args, false, o, store.memory.limits.streamNodeMaxEntries, reply)) return;
  const slot = streamAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const removed = streamOf(store, slot).trim(o.strategy, o.maxlen, o.minid, o.approx, o.limit);
  if (removed > 0) store.objectChanged(slot);
  reply.integer(removed);
}

const IDS: StreamId[] = [];

/** XDEL key id [id ...]: the entries deleted (every id is checked before any is deleted). */
export function xdel(store: Lru, args: Args, reply: ReplySink): void {
  const slot = streamAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  for (let i = 2; i < args.count; i++) {
    if (IDS.length < i - 1) IDS.push(new StreamId());
    if (parseId(args.latin1(i), IDS[i - 2], false, true, reply) === false) return;
  }
  const stream = streamOf(store, slot);
  let deleted = 0;
  for (let i = 2; i < args.count; i++) if (stream.delete(IDS[i - 2])) deleted++;
  if (deleted > 0) {
    if (stream.length === 0) stream.firstId.msHi = stream.firstId.msLo = stream.firstId.seqHi = stream.firstId.seqLo = 0;
    else stream.updateFirstId();
    store.objectChanged(slot);
  }
  reply.integer(deleted);
}

const SET_ID = new StreamId();
const MAX_DELETED = new StreamId();
const TOP = new StreamId();

/**
 * XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id], Redis 7.0's
 * xsetidCommand: the arguments checked before the key; OK. An ENTRIESADDED past 2^53 - 1 (a
 * stream counts in a double here) answers as one past 2^63 does.
 */
export function xsetid(store: Lru, args: Args, reply: ReplySink): void {
  if (parseId(args.latin1(2), SET_ID, false, true, reply) === false) return;
  let entriesAdded = -1;
  MAX_DELETED.msHi = MAX_DELETED.msLo = MAX_DELETED.seqHi = MAX_DELETED.seqLo = 0;
  for (let i = 3; i < args.count; i += 2) {
    const option = args.latin1(i).toUpperCase();
    const more = i + 1 < args.count;
    if (option === 'ENTRIESADDED' && more) {
      const n = int64(args.latin1(i + 1));
      if (n === undefined || n > BigInt(Number.MAX_SAFE_INTEGER)) return reply.error(ERR.notInteger);
      if (n < 0n) return reply.error(ERR.xsetidEntriesNegative);
      entriesAdded = Number(n);
    } else if (option === 'MAXDELETEDID' && more) {
      if (parseId(args.latin1(i + 1), MAX_DELETED, false, true, reply) === false) return;
      if (SET_ID.compare(MAX_DELETED) < 0) return reply.error(ERR.xsetidBelowMaxDeleted);
    } else return reply.error(ERR.syntax);
  }
  const slot = streamAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0) return reply.error(ERR.noSuchKey);
  const stream = streamOf(store, slot);
  // Ids only go up past the last entry (an emptied stream may go back, as Redis's).
  if (stream.length > 0) {
    stream.edge(false, TOP);
    if (SET_ID.compare(TOP) < 0) return reply.error(ERR.xsetidBelowTop);
    if (entriesAdded !== -1 && stream.length > entriesAdded) return reply.error(ERR.xsetidEntriesBelowLength);
  }
  stream.lastId.set(SET_ID);
  if (entriesAdded !== -1) stream.entriesAdded = entriesAdded;
  if (!MAX_DELETED.isZero()) stream.maxDeletedId.set(MAX_DELETED);
  store.objectChanged(slot);
  reply.ok();
}

/** XLEN key: the entries of the stream (0 for none). */
export function xlen(store: Lru, args: Args, reply: ReplySink): void {
  const slot = streamAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  reply.integer(slot < 0 ? 0 : streamOf(store, slot).length);
}

/** Writes an entry into TREE as Redis replies one: [id, [field, value ...]]. */
export function entryToTree(block: StreamBlock, i: number): void {
  TREE.array(2).bulk(idTextAt(block, i)).array(block.pairs(i) * 2);
  block.visitFields(i, FIELD_TO_TREE);
}

const FIELD_TO_TREE = (buf: Buffer, start: number, end: number): void => void TREE.bulkBytes(buf, start, end);

const TEXT_ID = new StreamId();

export function idTextAt(block: StreamBlock, i: number): string {
  return TEXT_ID.setWords(block.ids, i * 4).text();
}

/** The consumer group commands (XGROUP, XREADGROUP, XACK ...): refused with one error, as this server has no consumer groups. */
export function noGroups(_store: Lru, _args: Args, reply: ReplySink): void {
  reply.error(ERR.noConsumerGroups);
}
