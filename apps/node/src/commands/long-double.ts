/**
 * INCRBYFLOAT's and HINCRBYFLOAT's arithmetic as Redis does it on x86-64: in an 80-bit long
 * double (64-bit mantissa, exponent to about 1e4932), read by strtold (string2ld's checks) and
 * printed with "%.17Lf" and its trailing zeros dropped (ld2string's human mode). Doubles would
 * give 15 significant digits and stop at 1.8e308: `INCRBYFLOAT k 1e400` and 2^63 + 0.5 would then
 * answer differently. Exact with BigInt: a value is mantissa x 2^exponent, rounded to 64
 * mantissa bits (nearest, ties to even) after each operation, as the FPU rounds.
 *
 * Not modelled: the precision loss of subnormals (below ~3.4e-4932), whose printed form is 0
 * anyway.
 */

export interface LongDouble {
  /** 0 finite, 1 infinite, 2 NaN. */
  readonly kind: 0 | 1 | 2;
  readonly negative: boolean;
  /** The value is mantissa x 2^exponent; the mantissa has at most 64 bits (0: zero). */
  readonly mantissa: bigint;
  readonly exponent: number;
}

const MANTISSA_BITS = 64;
/** The highest bit position a finite value may have (2^16383 x 1.99...), and below which it is 0. */
const MAX_TOP_BIT = 16383;
const MIN_TOP_BIT = -16445;
/** Redis's MAX_LONG_DOUBLE_CHARS: a longer text is no float. */
const MAX_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** strtold's hexadecimal floats: 0x1p3, 0x.8, 0X1.8P-1 ... */
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;
const NAN = /^[+-]?nan(\([0-9a-z_]*\))?$/i;

/** +0: what a missing key or field counts as. */
export const ZERO: LongDouble = { kind: 0, negative: false, mantissa: 0n, exponent: 0 };

/** The long double a text holds, as string2ld reads it; undefined when it holds none (or NaN, or overflows). */
export function parseLongDouble(text: string): LongDouble | undefined {
  if (text.length === 0 || text.length >= MAX_CHARS || /^\s/.test(text)) return undefined;
  const inf = INFINITY.exec(text);
  if (inf !== null) return { kind: 1, negative: inf[1] === '-', mantissa: 0n, exponent: 0 };
  if (NAN.test(text)) return undefined;
  const hex = HEX.exec(text);
  if (hex !== null) return parseHex(hex);
  const m = DECIMAL.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const negative = m[1] === '-';
  const fraction = m[3] ?? '';
  const digits = (m[2] + fraction).replace(/^0+/, '');
  if (digits === '') return { ...ZERO, negative };
  const power = Number(m[4] ?? '0') - fraction.length;
  // A rough size first, so that "1e999999999" is refused without computing 10^999999999.
  const magnitude = digits.length + power;
  if (magnitude > 4934) return undefined;
  if (magnitude < -4952) return undefined;
  const d = BigInt(digits);
  const value = power >= 0 ? fromRatio(negative, d * 10n ** BigInt(power), 1n) : fromRatio(negative, d, 10n ** BigInt(-power));
  // strtold's ERANGE: an overflow, or an underflow to zero, is not a float for Redis.
  return value.kind !== 0 || value.mantissa === 0n ? undefined : value;
}

/** A hexadecimal float's match: its digits x 2^(exponent - 4 x fraction digits). */
function parseHex(m: RegExpExecArray): LongDouble | undefined {
  const fraction = m[3] ?? '';
  const digits = (m[2] + fraction).replace(/^0+/, '');
  if (m[2] === '' && fraction === '') return undefined;
  const negative = m[1] === '-';
  if (digits === '') return { ...ZERO, negative };
  const power = Number(m[4] ?? '0') - 4 * fraction.length;
  const magnitude = digits.length * 4 + power;
  if (magnitude > MAX_TOP_BIT + 2 || magnitude < MIN_TOP_BIT - 2) return undefined;
  const d = BigInt('0x' + digits);
  const value = power >= 0 ? fromRatio(negative, d << BigInt(power), 1n) : fromRatio(negative, d, 1n << BigInt(-power));
  return value.kind !== 0 || value.mantissa === 0n ? undefined : value;
}

/** a + b, rounded as the FPU rounds. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 2 || b.kind === 2) return { ...ZERO, kind: 2 };
  if (a.kind === 1 || b.kind === 1) {
    if (a.kind === 1 && b.kind === 1 && a.negative !== b.negative) return { ...ZERO, kind: 2 };
    return a.kind === 1 ? a : b;
  }
  if (a.mantissa === 0n) return b.mantissa === 0n ? { ...ZERO, negative: a.negative && b.negative } : b;
  if (b.mantissa === 0n) return a;
  const low = Math.min(a.exponent, b.exponent);
  const signed = (x: LongDouble) => (x.negative ? -x.mantissa : x.mantissa) << BigInt(x.exponent - low);
  const sum = signed(a) + signed(b);
  if (sum === 0n) return ZERO;
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  return low >= 0 ? fromRatio(negative, magnitude << BigInt(low), 1n) : fromRatio(negative, magnitude, 1n << BigInt(-low));
}

export function isFiniteLongDouble(x: LongDouble): boolean {
  return x.kind === 0;
}

/** "%.17Lf" with the trailing zeros (and a bare point) dropped, and "-0" written 0: ld2string's human mode. */
export function formatLongDouble(x: LongDouble): string {
  if (x.kind === 1) return x.negative ? '-inf' : 'inf';
  if (x.kind === 2) return 'nan';
  const SCALE = 10n ** 17n;
  let scaled: bigint;
  if (x.exponent >= 0) scaled = (x.mantissa << BigInt(x.exponent)) * SCALE;
  else scaled = roundedQuotient(x.mantissa * SCALE, 1n << BigInt(-x.exponent));
  let text = scaled.toString().padStart(18, '0');
  text = `${text.slice(0, -17)}.${text.slice(-17)}`.replace(/\.?0+$/, '');
  if (x.negative && text !== '0') text = '-' + text;
  return text;
}

/** n / d rounded to the nearest integer, ties to even (printf's rounding of an exact binary value). */
function roundedQuotient(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = (n % d) * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** num / den (both positive) rounded to a 64-bit mantissa, nearest, ties to even; infinite past the range. */
function fromRatio(negative: boolean, num: bigint, den: bigint): LongDouble {
  // Scale so that the quotient has MANTISSA_BITS + 2 bits or more: the bits past 64 and the
  // remainder decide the rounding.
  const shift = MANTISSA_BITS + 2 - (bitLength(num) - bitLength(den));
  const n = shift > 0 ? num << BigInt(shift) : num;
  const d = shift < 0 ? den << BigInt(-shift) : den;
  let q = n / d;
  const sticky = n % d !== 0n;
  const extra = bitLength(q) - MANTISSA_BITS;
  let exponent = -shift + extra;
  const half = 1n << BigInt(extra - 1);
  const dropped = q & ((1n << BigInt(extra)) - 1n);
  q >>= BigInt(extra);
  if (dropped > half || (dropped === half && (sticky || (q & 1n) === 1n))) q += 1n;
  if (q === 1n << BigInt(MANTISSA_BITS)) {
    q >>= 1n;
    exponent++;
  }
  const top = exponent + MANTISSA_BITS - 1;
  if (top > MAX_TOP_BIT) return { kind: 1, negative, mantissa: 0n, exponent: 0 };
  if (top < MIN_TOP_BIT) return { ...ZERO, negative };
  return { kind: 0, negative, mantissa: q, exponent };
}
