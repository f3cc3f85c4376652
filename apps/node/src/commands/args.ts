import type { Args } from '@kv/wire';

const MINUS = 0x2d;
const ZERO = 0x30;

/** Argument i as a Redis integer (int64 within JS's safe range), or undefined if it is not one. */
export function integerArg(args: Args, i: number): number | undefined {
  const buf = args.buf;
  let p = args.starts[i];
  const end = args.ends[i];
  if (p === end || end - p > 20) return undefined;
  let negative = false;
  if (buf[p] === MINUS) {
    negative = true;
    p++;
    if (p === end) return undefined;
  }
  // Redis's string2ll rejects leading zeros ("01") and "-0": a zero is "0" alone.
  if (buf[p] === ZERO && (end - p > 1 || negative)) return undefined;
  let n = 0;
  for (; p < end; p++) {
    const d = buf[p] - ZERO;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) return undefined;
  return negative ? -n : n;
}

/** Argument i upper-cased as ASCII, for matching option names. */
export function upperArg(args: Args, i: number): string {
  return args.latin1(i).toUpperCase();
}
