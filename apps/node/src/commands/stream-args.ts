import type { Args } from '@kv/wire';
import { Kind, parseU64, StreamId, TRIM_MAXLEN, TRIM_MINID, type Lru, type LruStream } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { int64Bytes } from './numbers';
import { peekArg, readArg } from './keyarg';

/** Reading a stream's arguments as Redis 7.0's t_stream.c: ids, XADD's and XTRIM's options. */

export const WRONG = -2;

/** The stream at argument i: its slot, -1 for none, WRONG once WRONGTYPE was answered (`write`: as lookupKeyWrite). */
export function streamAt(store: Lru, args: Args, i: number, reply: ReplySink, write: boolean): number {
  const slot = write ? peekArg(store, args, i) : readArg(store, args, i);
  if (slot < 0) return -1;
  if (store.kindAt(slot) === Kind.STREAM) return slot;
  reply.error(ERR.wrongType);
  return WRONG;
}

export function streamOf(store: Lru, slot: number): LruStream {
  return store.objectAt<LruStream>(slot);
}

const WORDS = new Uint32Array(2);

/**
 * Redis's streamGenericParseIDOrReply into `out`: `-` and `+` (unless `strict`), `ms` (seq
 * `missingSeq`: 0, or the largest for a range's end) or `ms-seq`, each as string2ull reads it;
 * `ms-*` when `seqStar` (XADD), marked by the return value 'star'. False after answering the error.
 */
export function parseId(text: string, out: StreamId, missingSeqMax: boolean, strict: boolean, reply: ReplySink, seqStar = false): boolean | 'star' {
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul); // a C string ends there
  if (text.length > 127) return invalid(reply);
  if (text === '-' || text === '+') {
    if (strict) return invalid(reply);
    if (text === '-') out.msHi = out.msLo = out.seqHi = out.seqLo = 0;
    else out.msHi = out.msLo = out.seqHi = out.seqLo = 0xffffffff;
    return true;
  }
  const dash = text.indexOf('-');
  if (!parseU64(dash < 0 ? text : text.slice(0, dash), WORDS, 0)) return invalid(reply);
  out.msHi = WORDS[0];
  out.msLo = WORDS[1];
  if (dash < 0) {
    out.seqHi = out.seqLo = missingSeqMax ? 0xffffffff : 0;
    return true;
  }
  const seq = text.slice(dash + 1);
  if (seqStar && seq === '*') {
    out.seqHi = out.seqLo = 0;
    return 'star';
  }
  if (!parseU64(seq, WORDS, 0)) return invalid(reply);
  out.seqHi = WORDS[0];
  out.seqLo = WORDS[1];
  return true;
}

function invalid(reply: ReplySink): false {
  reply.error(ERR.streamInvalidId);
  return false;
}

/** XADD's and XTRIM's options (streamAddTrimArgs). */
export interface TrimOptions {
  strategy: number; // 0, TRIM_MAXLEN or TRIM_MINID
  approx: boolean;
  maxlen: number;
  readonly minid: StreamId;
  limit: number;
  noMkStream: boolean;
  /** XADD: the id given ('*': none), its form; the argument index of the id. */
  idGiven: boolean;
  seqGiven: boolean;
  readonly id: StreamId;
  idAt: number;
}

export function trimOptions(): TrimOptions {
  return { strategy: 0, approx: false, maxlen: 0, minid: new StreamId(), limit: 0, noMkStream: false, idGiven: false, seqGiven: true, id: new StreamId(), idAt: 0 };
}

/**
 * Redis's streamParseAddOrTrimArgsOrReply: reads XADD's (`xadd`) or XTRIM's options from
 * argv[2] into `o`; false after answering the error. `nodeMaxEntries` sets `~`'s default LIMIT.
 */
export function parseTrim(args: Args, xadd: boolean, o: TrimOptions, nodeMaxEntries: number, reply: ReplySink): boolean {
  o.strategy = 0;
  o.approx = false;
  o.maxlen = 0;
  o.limit = 0;
  o.noMkStream = false;
  o.idGiven = false;
  o.seqGiven = true;
  let limitGiven = false;
  let i = 2;
  for (; i < args.count; i++) {
    const more = args.count - 1 - i;
    const opt = args.latin1(i);
    const upper = opt.toUpperCase();
    if (xadd && opt === '*') break;
    if ((upper === 'MAXLEN' || upper === 'MINID') && more > 0) {
      if (o.strategy !== 0) return fail(reply, ERR.maxlenMinidTogether);
      o.approx = false;
      const next = args.latin1(i + 1);
      if (more >= 2 && next === '~') {
        o.approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      if (upper === 'MAXLEN') {
        const n = int64Bytes(args.buf, args.starts[i + 1], args.ends[i + 1]);
        if (n === undefined) return fail(reply, ERR.notInteger);
        if (n < 0) return fail(reply, ERR.maxlenArgNegative);
        o.maxlen = Number(n);
        o.strategy = TRIM_MAXLEN;
      } else {
        if (parseId(args.latin1(i + 1), o.minid, false, true, reply) === false) return false;
        o.strategy = TRIM_MINID;
      }
      i++;
    } else if (upper === 'LIMIT' && more > 0) {
      const n = int64Bytes(args.buf, args.starts[i + 1], args.ends[i + 1]);
      if (n === undefined) return fail(reply, ERR.notInteger);
      if (n < 0) return fail(reply, ERR.limitArgNegative);
      o.limit = Number(n);
      limitGiven = true;
      i++;
    } else if (xadd && upper === 'NOMKSTREAM') o.noMkStream = true;
    else if (xadd) {
      const parsed = parseId(opt, o.id, false, true, reply, true);
      if (parsed === false) return false;
      o.idGiven = true;
      o.seqGiven = parsed !== 'star';
      break;
    } else return fail(reply, ERR.syntax);
  }
  o.idAt = i;
  if (o.limit !== 0 && o.strategy === 0) return fail(reply, ERR.limitWithoutStrategy);
  if (!xadd && o.strategy === 0) return fail(reply, ERR.xtrimWithoutStrategy);
  if (limitGiven) {
    if (!o.approx) return fail(reply, ERR.limitWithoutApprox);
  } else if (o.approx) {
    o.limit = 100 * nodeMaxEntries;
    if (o.limit <= 0) o.limit = 10000;
    if (o.limit > 1000000) o.limit = 1000000;
  } else o.limit = 0;
  return true;
}

function fail(reply: ReplySink, error: string): false {
  reply.error(error);
  return false;
}
