import { HostArgs, HostLibError, MAX_C_STACK, pushNumber51, registerHostLib } from './hostlib';
import type { LuaStack } from './stack';

/** lua_struct's bound on an integer's size in bytes. */
const MAX_INT_SIZE = 32;
/** `!` without a number: the platform's largest alignment (a double's, on x86-64). */
const MAX_ALIGN = 8;
const INT_MAX = 2 ** 31 - 1;
const SIZES: Record<string, number> = { b: 1, B: 1, h: 2, H: 2, l: 8, L: 8, T: 8, f: 4, d: 8, x: 1 };
const INTEGER_OPTIONS = new Set(['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I']);
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
/** C's (uint64_t) of a double out of range or NaN, as x86-64 code built by gcc gives it. */
const INDEFINITE = 1n << 63n;

/** A format string being read, with its endianness and alignment (lua_struct's Header). */
class Format {
  private at = 0;
  little = true;
  align = 1;

  constructor(readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  next(): string {
    return this.text[this.at++];
  }

  /** The option's size (optsize): its digits read where it takes some. */
  size(opt: string): number {
    if (opt === 'c') return this.number(1);
    if (opt === 'i' || opt === 'I') {
      const size = this.number(4);
      if (size > MAX_INT_SIZE) throw new HostLibError(`integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
      return size;
    }
    return SIZES[opt] ?? 0;
  }

  /** Padding before an item of `size` at `offset` (gettoalign: alignment capped at `!`'s). */
  padding(offset: number, opt: string, size: number): number {
    if (size === 0 || opt === 'c') return 0;
    if (size > this.align) size = this.align;
    return (size - (offset & (size - 1))) & (size - 1);
  }

  /** ' ', '>', '<', '!n' (controloptions); anything else is an invalid option. */
  control(opt: string, args: HostArgs): void {
    if (opt === ' ') return;
    if (opt === '>' || opt === '<') {
      this.little = opt === '<';
      return;
    }
    if (opt === '!') {
      const align = this.number(MAX_ALIGN);
      if (align <= 0 || (align & (align - 1)) !== 0) throw new HostLibError(`alignment ${align} is not a power of 2`);
      this.align = align;
      return;
    }
    throw args.argError(1, `invalid format option '${opt}'`);
  }

  /** The digits at the cursor (getnum), or `fallback` when there are none. */
  private number(fallback: number): number {
    if (!isDigit(this.text[this.at])) return fallback;
    let n = 0;
    while (isDigit(this.text[this.at])) {
      const digit = this.text.charCodeAt(this.at++) - 48;
      if (n > Math.floor(INT_MAX / 10) || n * 10 > INT_MAX - digit) throw new HostLibError('integral size overflow');
      n = n * 10 + digit;
    }
    return n;
  }
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);

/** The uint64 lua_struct makes of a double: negatives through int64, out of range as gcc's x86-64 casts. */
function toUint64(n: number): bigint {
  if (n < 0) return n >= -TWO_63 ? BigInt.asUintN(64, BigInt(Math.trunc(n))) : INDEFINITE;
  if (Number.isNaN(n)) return INDEFINITE;
  return n < TWO_64 ? BigInt(Math.trunc(n)) : 0n;
}

/** `size` bytes of `value` (past 8 bytes, zeros: lua_struct shifts a 64-bit integer). */
function integerBytes(value: bigint, size: number, little: boolean): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    out[little ? i : size - 1 - i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** The integer lua_struct reads: the last 8 bytes count, the sign bit as its x86-64 shift finds it. */
function readInteger(data: Buffer, at: number, size: number, little: boolean, signed: boolean): number {
  let l = 0n;
  for (let i = 0; i < size; i++) l = BigInt.asUintN(64, (l << 8n) | BigInt(data[little ? at + size - 1 - i : at + i]));
  if (!signed) return Number(l);
  const mask = BigInt.asUintN(64, ~0n << BigInt((size * 8 - 1) & 63));
  if ((l & mask) !== 0n) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

/**
 * Redis's struct library (lua_struct.c as Redis 7.0 builds it on Lua 5.1: long is 8 bytes,
 * native order little-endian), as host functions: pack, unpack and size with its options, its
 * alignment rules, its 32-byte integers and its error texts; numbers are Lua 5.1 doubles.
 */
export class Struct {
  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
  ) {}

  pack(args: HostArgs): number {
    const format = new Format(args.checkString(1));
    const nargs = args.count;
    // b_pack pushes a nil to mark where its arguments end: an argument just past them is that nil.
    const typeOf = (arg: number) => (arg === nargs + 1 ? 'nil' : args.typeName(arg, nargs));
    const parts: Buffer[] = [];
    let total = 0;
    let arg = 2;
    while (!format.done) {
      const opt = format.next();
      let size = format.size(opt);
      const pad = format.padding(total, opt, size);
      if (pad > 0) parts.push(Buffer.alloc(pad));
      total += pad;
      if (INTEGER_OPTIONS.has(opt)) parts.push(integerBytes(toUint64(args.checkNumber(arg++, typeOf)), size, format.little));
      else if (opt === 'x') parts.push(Buffer.alloc(1));
      else if (opt === 'f' || opt === 'd') {
        const value = Buffer.alloc(size);
        const n = args.checkNumber(arg++, typeOf);
        if (opt === 'f' && format.little) value.writeFloatLE(n);
        else if (opt === 'f') value.writeFloatBE(n);
        else if (format.little) value.writeDoubleLE(n);
        else value.writeDoubleBE(n);
        parts.push(value);
      } else if (opt === 'c' || opt === 's') {
        const text = Buffer.from(args.checkString(arg++, typeOf), 'latin1');
        if (size === 0) size = text.length;
        // lua_struct names the argument after the string (its counter has moved on).
        if (text.length < size) throw args.argError(arg, 'string too short');
        parts.push(text.subarray(0, size));
        if (opt === 's') {
          parts.push(Buffer.alloc(1));
          size++;
        }
      } else format.control(opt, args);
      total += size;
    }
    this.stack.pushBytes(args.T, Buffer.concat(parts));
    return 1;
  }

  unpack(args: HostArgs): number {
    const m = this.m;
    const T = args.T;
    const format = new Format(args.checkString(1));
    const data = args.checkBytes(2);
    const start = args.optInteger(3, 1);
    if (start === 0) throw args.argError(3, 'offset must be 1 or greater');
    // A negative offset is a huge size_t in lua_struct: any option then finds the data too short.
    let pos = start < 0 ? Infinity : start - 1;
    const slots = args.count;
    let n = 0;
    while (!format.done) {
      const opt = format.next();
      let size = format.size(opt);
      pos += format.padding(pos, opt, size);
      if (!(size <= data.length && pos <= data.length - size)) throw args.argError(2, 'data string too short');
      if (slots + n + 2 > MAX_C_STACK || m._lua_checkstack(T, 2) === 0) throw new HostLibError('stack overflow (too many results)');
      if (INTEGER_OPTIONS.has(opt)) {
        pushNumber51(m, T, readInteger(data, pos, size, format.little, opt === opt.toLowerCase()));
        n++;
      } else if (opt === 'f' || opt === 'd') {
        if (opt === 'f') pushNumber51(m, T, format.little ? data.readFloatLE(pos) : data.readFloatBE(pos));
        else pushNumber51(m, T, format.little ? data.readDoubleLE(pos) : data.readDoubleBE(pos));
        n++;
      } else if (opt === 'c') {
        if (size === 0) {
          const previous = n === 0 ? null : args.number(-1);
          if (previous === null) throw new HostLibError("format 'c0' needs a previous size");
          size = previous < 0 || Number.isNaN(previous) ? Infinity : Math.trunc(previous);
          m._lua_settop(T, -2);
          n--;
          if (!(size <= data.length && pos <= data.length - size)) throw args.argError(2, 'data string too short');
        }
        this.stack.pushBytes(T, data, pos, pos + size);
        n++;
      } else if (opt === 's') {
        const end = data.indexOf(0, pos);
        if (end < 0) throw new HostLibError('unfinished string in data');
        size = end - pos + 1;
        this.stack.pushBytes(T, data, pos, end);
        n++;
      } else if (opt !== 'x') format.control(opt, args);
      pos += size;
    }
    m._lua_pushinteger(T, BigInt(pos === Infinity ? start : pos + 1));
    return n + 1;
  }

  size(args: HostArgs): number {
    const format = new Format(args.checkString(1));
    let pos = 0;
    while (!format.done) {
      const opt = format.next();
      const size = format.size(opt);
      pos += format.padding(pos, opt, size);
      if (opt === 's') throw args.argError(1, "option 's' has no fixed size");
      if (opt === 'c' && size === 0) throw args.argError(1, "option 'c0' has no fixed size");
      if (!isAlnum(opt)) format.control(opt, args);
      pos += size;
    }
    this.m._lua_pushinteger(args.T, BigInt(pos));
    return 1;
  }
}

/** Registers struct's host functions (prelude.ts makes them the read-only `struct` table). */
export function registerStruct(m: any, stack: LuaStack, fn: (name: string, f: (T: number) => number) => void): void {
  const struct = new Struct(m, stack);
  registerHostLib(m, stack, fn, {
    __kv_struct_pack: (args) => struct.pack(args),
    __kv_struct_unpack: (args) => struct.unpack(args),
    __kv_struct_size: (args) => struct.size(args),
  });
}
