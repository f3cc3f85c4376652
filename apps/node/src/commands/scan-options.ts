import type { Args } from '@kv/wire';
import { ERR, type ReplySink } from '../reply';
import { integerArg, upperArg } from './args';
import { int64, int64Bytes } from './numbers';

/** Redis's default COUNT for HSCAN, SSCAN and ZSCAN. */
const DEFAULT_COUNT = 10;

/** What HSCAN, SSCAN and ZSCAN take after their cursor. */
export interface KeyScanOptions {
  count: number;
  match: string | null;
}

/**
 * [MATCH pattern] [COUNT count] from argv[3] on, as Redis reads them for a key's scan (a COUNT past
 * JS's safe integers but within int64 is as big as any value); null once the error is answered.
 */
export function keyScanOptions(args: Args, reply: ReplySink): KeyScanOptions | null {
  const options: KeyScanOptions = { count: DEFAULT_COUNT, match: null };
  for (let i = 3; i < args.count; i += 2) {
    const option = upperArg(args, i);
    if (option === 'COUNT' && i + 1 < args.count) {
      const n = integerArg(args, i + 1) ?? bigCount(args.latin1(i + 1));
      if (n === undefined) return refuse(reply, ERR.notInteger, null);
      if (n < 1) return refuse(reply, ERR.syntax, null);
      options.count = n;
    } else if (option === 'MATCH' && i + 1 < args.count) options.match = args.latin1(i + 1);
    else return refuse(reply, ERR.syntax, null);
  }
  return options;
}

function bigCount(text: string): number | undefined {
  const n = int64(text);
  if (n === undefined) return undefined;
  return n > 0n ? Number.MAX_SAFE_INTEGER : -1;
}

/**
 * LMPOP's and ZMPOP's numkeys, the index of what follows their keys (LEFT|RIGHT, MIN|MAX); 0 once
 * the error is answered.
 */
export function mpopKeysEnd(args: Args, reply: ReplySink): number {
  const numkeys = int64Bytes(args.buf, args.starts[1], args.ends[1]);
  if (numkeys === undefined || numkeys < 1) return refuse(reply, ERR.numkeysPositive, 0);
  const whereAt = Number(numkeys) + 2;
  if (whereAt >= args.count) return refuse(reply, ERR.syntax, 0);
  return whereAt;
}

/** LMPOP's and ZMPOP's [COUNT count] from argv[from] on (1 when absent); 0 once the error is answered. */
export function mpopCount(args: Args, from: number, reply: ReplySink): number {
  let count = -1;
  for (let i = from; i < args.count; i++) {
    if (count === -1 && upperArg(args, i) === 'COUNT' && i + 1 < args.count) {
      const n = int64Bytes(args.buf, args.starts[i + 1], args.ends[i + 1]);
      if (n === undefined || n < 1) return refuse(reply, ERR.countPositive, 0);
      count = Number(n);
      i++;
    } else return refuse(reply, ERR.syntax, 0);
  }
  return count === -1 ? 1 : count;
}

/** Answers `error` and returns `value`, what the caller takes for "answered already". */
function refuse<T>(reply: ReplySink, error: string, value: T): T {
  reply.error(error);
  return value;
}
