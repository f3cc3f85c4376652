import type { OptionSchema } from './options';

/**
 * CONFIG SET's values read as Redis 7.0's config.c reads them, with its reasons for refusing one
 * (the text after `CONFIG SET failed (possibly related to argument '...') - `). Bounds are this
 * server's (the option schema's), so the reason names what is enforced here.
 */

/** Redis's string2ll: an optional '-', then digits with no leading zero (or "0" alone); nothing else. */
export function redisInteger(text: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined;
  const n = BigInt(text);
  // long long's range: past it string2ll fails too.
  return n > 9223372036854775807n || n < -9223372036854775808n ? undefined : n;
}

const MEMORY_UNITS: Readonly<Record<string, bigint>> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n };

/** Redis's memtoull: digits then a unit (b, k, kb, m, mb, g, gb, any case); no sign. */
export function redisMemory(text: string): bigint | undefined {
  const match = /^([0-9]+)([a-z]*)$/i.exec(text);
  if (match === null) return undefined;
  const mul = MEMORY_UNITS[match[2].toLowerCase()];
  if (mul === undefined) return undefined;
  const n = BigInt(match[1]) * mul;
  return n > 18446744073709551615n ? undefined : n;
}

/** A value, or Redis's reason for refusing it. */
export type Parsed<T> = { value: T } | { error: string };

/** An option's value from CONFIG SET's text, by its schema: a memory value, an integer, one of a list, or a string. */
export function parseOptionValue(option: OptionSchema, text: string): Parsed<number | string> {
  if (option.type === 'string') {
    if (option.enum !== undefined) {
      const value = option.enum.find((e) => e === text.toLowerCase());
      if (value !== undefined) return { value };
      // Redis's bool configs have a reason of their own.
      return { error: option.enum.join() === 'yes,no' ? "argument must be 'yes' or 'no'" : `argument(s) must be one of the following: ${option.enum.join(', ')}` };
    }
    if (option.minLength !== undefined && text.length < option.minLength) return { error: 'argument must not be empty' };
    return { value: text };
  }
  const n = option.bytes ? redisMemory(text) : redisInteger(text);
  if (n === undefined) return { error: option.bytes ? 'argument must be a memory value' : "argument couldn't be parsed into an integer" };
  const min = BigInt(option.minimum ?? Number.MIN_SAFE_INTEGER);
  const max = BigInt(option.maximum ?? Number.MAX_SAFE_INTEGER);
  if (n < min || n > max) return { error: `argument must be between ${min} and ${max} inclusive` };
  return { value: Number(n) };
}

/** An option's value as CONFIG GET shows it: numbers in plain digits (bytes too), strings as they are. */
export function showValue(value: unknown): string {
  return value === undefined ? '' : String(value);
}

/**
 * latency-tracking-info-percentiles as Redis 7.0 reads it: words split on single spaces (an
 * empty word is invalid; "" alone is none), each a long double within 0..100; shown again as
 * Redis shows it (`%f` with trailing zeros trimmed).
 */
export function parsePercentiles(text: string): Parsed<string> {
  if (text === '') return { value: '' };
  const shown: string[] = [];
  for (const word of text.split(' ')) {
    // strtold's forms that string2ld keeps: no leading space, no nan.
    if (!/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|inf(inity)?)$/i.test(word)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    const n = /inf/i.test(word) ? (word.startsWith('-') ? -Infinity : Infinity) : Number(word);
    if (!(n >= 0 && n <= 100)) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    shown.push(n.toFixed(6).replace(/\.?0+$/, ''));
  }
  return { value: shown.join(' ') };
}
