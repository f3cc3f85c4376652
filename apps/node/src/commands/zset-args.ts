/**
 * A sorted set command's scores and ranges as Redis 7.0 reads them (t_zset.c, object.c): scores
 * through C's strtod, so "inf", "+inf", "-inf", "1e3", "0x1p3" and ".5" are numbers; a score
 * (ZADD, ZINCRBY: getDoubleFromObject) may not start with a space, overflow to infinity or
 * underflow to zero, nor be NaN; a range bound (zslParseRange) may be "(x" for an exclusive one,
 * may start with spaces and is not checked for range (an empty one is 0).
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITE = /^([+-]?)(?:inf|infinity)$/i;
const SPACE = /^[ \t\n\v\f\r]+/;
const NONZERO_DIGIT = /[1-9]/;

/** What strtod reads from the whole of `text`: the number, or undefined when some of it is not one (NaN counts as none). */
function strtod(text: string): { value: number; overflow: boolean } | undefined {
  const inf = INFINITE.exec(text);
  if (inf !== null) return { value: inf[1] === '-' ? -Infinity : Infinity, overflow: false };
  if (DECIMAL.test(text)) {
    const value = Number(text);
    const mantissa = text.split(/[eE]/)[0];
    // ERANGE: past the largest double, or a non-zero value rounded to zero.
    return { value, overflow: !Number.isFinite(value) || (value === 0 && NONZERO_DIGIT.test(mantissa)) };
  }
  const hex = HEX.exec(text);
  if (hex === null || hex[2].length + (hex[3] ?? '').length === 0) return undefined;
  const digits = hex[2] + (hex[3] ?? '');
  const exponent = Number(hex[4] ?? '0') - 4 * (hex[3] ?? '').length;
  const value = Number(BigInt(`0x${digits}`)) * 2 ** exponent;
  return { value: hex[1] === '-' ? -value : value, overflow: !Number.isFinite(value) };
}

/** A score argument (getDoubleFromObject): undefined for "ERR value is not a valid float". */
export function parseScore(text: string): number | undefined {
  if (text.length === 0 || SPACE.test(text)) return undefined;
  const read = strtod(text);
  if (read === undefined || read.overflow) return undefined;
  return read.value;
}

/**
 * A SORT weight (sortCommandGeneric's strtod): leading spaces allowed, an empty one is 0;
 * undefined (overflow, underflow, NaN, trailing bytes) for "One or more scores can't be converted into double".
 */
export function parseSortWeight(text: string): number | undefined {
  if (text.length === 0) return 0;
  const read = strtod(text.replace(SPACE, ''));
  if (read === undefined || read.overflow) return undefined;
  return read.value;
}

/** A score range's bound. */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

/** A range bound argument (zslParseRange's half): undefined for "ERR min or max is not a float". */
export function parseScoreBound(text: string): ScoreBound | undefined {
  const exclusive = text.charCodeAt(0) === 0x28;
  let body = exclusive ? text.slice(1) : text;
  if (body.length === 0) return { value: 0, exclusive };
  body = body.replace(SPACE, '');
  const read = strtod(body);
  if (read === undefined) return undefined;
  return { value: read.value, exclusive };
}

/** A lexicographic bound: '-' below every member, '+' above every one, else a member, inclusive or not. */
export interface LexBound {
  /** -1: '-', 1: '+', 0: `member`. */
  edge: -1 | 0 | 1;
  member: string;
  exclusive: boolean;
}

/** A lex range bound argument (zslParseLexRangeItem): undefined for "ERR min or max not valid string range item". */
export function parseLexBound(text: string): LexBound | undefined {
  const first = text.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) return text.length === 1 ? { edge: first === 0x2b ? 1 : -1, member: '', exclusive: false } : undefined;
  if (first === 0x28 || first === 0x5b) return { edge: 0, member: text.slice(1), exclusive: first === 0x28 };
  return undefined;
}
