import { TREE, type Args } from '@kv/wire';
import { Kind, type ElementSink, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { peekArg, readArg } from './keyarg';
import { int64Bytes } from './numbers';

/** What the list commands share (lists.ts, list-edits.ts): finding a list, reading a long, replying elements. */

/** A lookup's answer once WRONGTYPE was answered (a missing key is -1). */
export const WRONG = -2;

/** The list at argument i for a reader (recency, hit or miss): its slot, -1 for none, WRONG once WRONGTYPE was answered. */
export function readList(store: Lru, args: Args, i: number, reply: ReplySink): number {
  return listOrWrong(store, readArg(store, args, i), reply);
}

/** The list at argument i for a writer (no counters). */
export function writeList(store: Lru, args: Args, i: number, reply: ReplySink): number {
  return listOrWrong(store, peekArg(store, args, i), reply);
}

function listOrWrong(store: Lru, slot: number, reply: ReplySink): number {
  if (slot < 0) return -1;
  switch (store.kindAt(slot)) {
    case Kind.LIST:
      return slot;
    default:
      reply.error(ERR.wrongType);
      return WRONG;
  }
}

/**
 * Argument i as Redis's getLongFromObject reads it: a number (one past 2^53 loses its low
 * digits, which no index or count can tell apart), or undefined after answering the error.
 */
export function longArg(args: Args, i: number, reply: ReplySink): number | undefined {
  const n = int64Bytes(args.buf, args.starts[i], args.ends[i]);
  if (n === undefined) {
    reply.error(ERR.notInteger);
    return undefined;
  }
  return Number(n);
}

/** getPositiveLongFromObjectOrReply: a long >= 0, or undefined after answering `message` (for a non-integer too, as Redis). */
export function positiveArg(args: Args, i: number, reply: ReplySink, message: string = ERR.mustBePositive): number | undefined {
  const n = int64Bytes(args.buf, args.starts[i], args.ends[i]);
  if (n === undefined || n < 0) {
    reply.error(message);
    return undefined;
  }
  return Number(n);
}

/** LEFT or RIGHT (any case): true for LEFT, false for RIGHT, undefined for neither. */
export function sideArg(args: Args, i: number): boolean | undefined {
  const side = args.latin1(i).toUpperCase();
  return side === 'LEFT' ? true : side === 'RIGHT' ? false : undefined;
}

/** Elements written into the process's reply tree (TREE) as bulk strings. */
export const TREE_ELEMENTS: ElementSink = {
  elementBytes: (buf, start, end) => void TREE.bulkBytes(buf, start, end),
  elementString: (text) => void TREE.bulk(text),
};

/** Redis's range of a list of `length`: [start, stop] with negative indexes from the end, clamped; null when empty. */
export function clampRange(start: number, stop: number, length: number): [number, number] | null {
  if (start < 0) start = length + start;
  if (stop < 0) stop = length + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return null;
  return [start, stop >= length ? length - 1 : stop];
}
