/**
 * Numbers as Redis reads and writes them, for the string and hash commands alike: int64 text
 * (string2ll), floats (strtold, as string2ld checks it) and INCRBYFLOAT's way of printing one.
 */

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
/** string2ll's form: no sign but '-', no leading zeros, no "-0", at most 19 digits. */
const INT64_TEXT = /^-?[1-9][0-9]{0,18}$|^0$/;

/** The int64 a text holds, as Redis's string2ll reads it; undefined when it holds none. */
export function int64(text: string): bigint | undefined {
  if (!INT64_TEXT.test(text)) return undefined;
  const n = BigInt(text);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

/** strtold's names of infinity, any letter case, with an optional sign. */
const INFINITY_TEXT = /^[+-]?(inf|infinity)$/i;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The float a text holds, as Redis's string2ld reads it (strtold, then: no leading space, nothing
 * left over, no overflow to infinity, not NaN); undefined when it holds none. Infinity comes back
 * as such when written as one (`inf`, `+inf`, `-Infinity` ...), for the caller to refuse as Redis
 * does. Hexadecimal floats, which strtold also reads, are not taken.
 */
export function float(text: string): number | undefined {
  if (text.length === 0 || text.length > 5000 || /\s/.test(text)) return undefined;
  if (INFINITY_TEXT.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (!DECIMAL_TEXT.test(text)) return undefined;
  const n = Number(text);
  // A decimal that overflows is ERANGE for strtold: not a float. One that underflows reads as 0.
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Redis prints INCRBYFLOAT results from a long double in plain decimal, without exponent or
 * trailing zeros; a double is reliable to 15 significant digits, so print those (0.1 + 0.2 gives
 * "0.3" as Redis, 1e21 gives "1000000000000000000000").
 */
export function formatFloat(n: number): string {
  let text = n.toPrecision(15);
  const e = text.indexOf('e');
  if (e >= 0) text = plainDecimal(text.slice(0, e), Number(text.slice(e + 1)));
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** "1.5", 3 -> "1500": a mantissa and a power of ten written out. */
function plainDecimal(mantissa: string, exponent: number): string {
  const negative = mantissa.startsWith('-');
  const unsigned = negative ? mantissa.slice(1) : mantissa;
  const dot = unsigned.indexOf('.');
  const digits = unsigned.replace('.', '');
  const point = (dot < 0 ? unsigned.length : dot) + exponent;
  let text: string;
  if (point <= 0) text = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + text;
}
