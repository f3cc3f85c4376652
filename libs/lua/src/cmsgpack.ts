import { copyBytes, i64 } from './heap';
import { HostArgs, HostLibError, registerHostLib } from './hostlib';
import { MsgpackReader } from './msgpack-reader';
import { T_BOOLEAN, T_NUMBER, T_STRING, T_TABLE, type LuaStack } from './stack';

/** Tables nested deeper than this pack as nil (lua-cmsgpack's bound, which also ends cycles). */
const MAX_NESTING = 16;
const INT_MAX = 2 ** 31 - 1;

/**
 * Redis's cmsgpack (lua-cmsgpack 0.4.0 as Redis 7.0 builds it on Lua 5.1), as host functions
 * working over the Lua C API from JS: every number is read as the double it would be in Redis,
 * integral doubles in int64's range pack as the smallest integer, others as a float32 when exact
 * and a float64 otherwise; a table is an array when its keys are exactly 1..n, else a map; tables
 * past 16 levels pack as nil. Unpacking accepts what lua-cmsgpack accepts (no bin or ext types),
 * pushes integers as 5.1 doubles (uint64 wraps to int64 as Redis's does), and counts the stack
 * slots Redis's Lua 5.1 would use, so that it fails where Redis does (8,000 slots). Map keys come
 * out in Lua 5.4's table order, which is not 5.1's: a map of several keys packs the same pairs
 * in another order.
 */
export class MsgpackWriter {
  private out = Buffer.alloc(256);
  private len = 0;

  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
  ) {}

  pack(args: HostArgs): number {
    const m = this.m;
    const T = args.T;
    const n = args.count;
    if (n === 0) throw args.argError(0, 'MessagePack pack needs input.');
    this.len = 0;
    for (let i = 1; i <= n; i++) this.encode(T, i, 0);
    if (m._lua_checkstack(T, 1) === 0) throw new HostLibError('stack overflow');
    this.stack.pushBytes(T, this.out, 0, this.len);
    if (this.out.length > 1 << 20) this.out = Buffer.alloc(256);
    return 1;
  }

  /** Appends the value at `index` (lua-cmsgpack's mp_encode_lua_type). */
  private encode(T: number, index: number, level: number): void {
    const m = this.m;
    switch (m._lua_type(T, index)) {
      case T_STRING: {
        const ptr = this.stack.stringPtr(T, index);
        return this.bytes(this.stack.heap(), ptr, ptr + this.stack.lastLength());
      }
      case T_BOOLEAN:
        return this.byte(m._lua_toboolean(T, index) !== 0 ? 0xc3 : 0xc2);
      case T_NUMBER:
        // An integer as the double Lua 5.1 holds ((double) of it, as Number(BigInt) rounds).
        return this.number(m._lua_tonumberx(T, index, 0) as number);
      case T_TABLE:
        if (level === MAX_NESTING) return this.byte(0xc0);
        if (m._lua_checkstack(T, 3) === 0) throw new HostLibError('stack overflow');
        return this.table(T, m._lua_absindex(T, index), level);
      default:
        return this.byte(0xc0);
    }
  }

  /** An array when the keys are exactly the integers 1..n (each within C's int, as lua-cmsgpack checks), else a map. */
  private table(T: number, index: number, level: number): void {
    const m = this.m;
    let count = 0;
    let max = 0;
    let array = true;
    m._lua_pushnil(T);
    while (m._lua_next(T, index) !== 0) {
      m._lua_settop(T, -2);
      count++;
      if (!array) continue;
      const key = m._lua_type(T, -1) === T_NUMBER && m._lua_isinteger(T, -1) ? (m._lua_tonumberx(T, -1, 0) as number) : 0;
      if (key <= 0 || key > INT_MAX) array = false;
      else if (key > max) max = key;
    }
    if (array && max === count) {
      this.header(count, 0x90, 0xdc, 0xdd);
      for (let j = 1; j <= count; j++) {
        m._lua_rawgeti(T, index, i64(j));
        this.encode(T, -1, level + 1);
        m._lua_settop(T, -2);
      }
      return;
    }
    this.header(count, 0x80, 0xde, 0xdf);
    m._lua_pushnil(T);
    while (m._lua_next(T, index) !== 0) {
      this.encode(T, -2, level + 1);
      this.encode(T, -1, level + 1);
      m._lua_settop(T, -2);
    }
  }

  /** A Lua 5.1 number: integral within int64 as an integer, else float32 when exact, else float64. */
  private number(d: number): void {
    if (Number.isInteger(d) && d >= -(2 ** 63) && d < 2 ** 63) return this.integer(d);
    if (Math.fround(d) === d) {
      this.room(5);
      this.out[this.len] = 0xca;
      this.out.writeFloatBE(d, this.len + 1);
      this.len += 5;
      return;
    }
    this.room(9);
    this.out[this.len] = 0xcb;
    this.out.writeDoubleBE(d, this.len + 1);
    this.len += 9;
  }

  /** The smallest of msgpack's integer forms that holds `n`, as lua-cmsgpack chooses. */
  private integer(n: number): void {
    this.room(9);
    const out = this.out;
    if (n >= 0) {
      if (n <= 0x7f) this.byte(n);
      else if (n <= 0xff) this.len = out.writeUInt8(n, this.head(0xcc));
      else if (n <= 0xffff) this.len = out.writeUInt16BE(n, this.head(0xcd));
      else if (n <= 0xffffffff) this.len = out.writeUInt32BE(n, this.head(0xce));
      else this.len = out.writeBigUInt64BE(BigInt(n), this.head(0xcf));
    } else if (n >= -32) this.byte(n & 0xff);
    else if (n >= -128) this.len = out.writeInt8(n, this.head(0xd0));
    else if (n >= -32768) this.len = out.writeInt16BE(n, this.head(0xd1));
    else if (n >= -2147483648) this.len = out.writeInt32BE(n, this.head(0xd2));
    else this.len = out.writeBigInt64BE(BigInt(n), this.head(0xd3));
  }

  /** A string, src[start, end): fixstr, str 8, 16 or 32 (lua-cmsgpack never writes bin). */
  private bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(5 + n);
    const out = this.out;
    if (n < 32) out[this.len++] = 0xa0 | n;
    else if (n <= 0xff) this.len = out.writeUInt8(n, this.head(0xd9));
    else if (n <= 0xffff) this.len = out.writeUInt16BE(n, this.head(0xda));
    else this.len = out.writeUInt32BE(n, this.head(0xdb));
    copyBytes(src, start, end, out, this.len);
    this.len += n;
  }

  /** An array's or a map's header: fix form up to 15, then 16 and 32 bits. */
  private header(n: number, fix: number, w16: number, w32: number): void {
    this.room(5);
    if (n <= 15) this.byte(fix | n);
    else if (n <= 0xffff) this.len = this.out.writeUInt16BE(n, this.head(w16));
    else this.len = this.out.writeUInt32BE(n, this.head(w32));
  }

  /** Writes a form's first byte; where its payload goes. */
  private head(tag: number): number {
    this.out[this.len] = tag;
    return this.len + 1;
  }

  private byte(b: number): void {
    this.room(1);
    this.out[this.len++] = b;
  }

  private room(n: number): void {
    if (this.len + n <= this.out.length) return;
    const grown = Buffer.alloc(Math.max(this.out.length * 2, this.len + n));
    this.out.copy(grown, 0, 0, this.len);
    this.out = grown;
  }
}

/** Registers cmsgpack's host functions (prelude.ts makes them the read-only `cmsgpack` table). */
export function registerCmsgpack(m: any, stack: LuaStack, fn: (name: string, f: (T: number) => number) => void): void {
  const writer = new MsgpackWriter(m, stack);
  const reader = new MsgpackReader(m, stack);
  registerHostLib(m, stack, fn, {
    __kv_msgpack_pack: (args) => writer.pack(args),
    __kv_msgpack_unpack: (args) => reader.unpack(args, 0, 0),
    __kv_msgpack_unpack_one: (args) => {
      const offset = args.optInteger(2, 0);
      m._lua_settop(args.T, Math.min(args.count, 1));
      return reader.unpack(args, 1, offset);
    },
    __kv_msgpack_unpack_limit: (args) => {
      const limit = args.checkInteger(2);
      const offset = args.optInteger(3, 0);
      m._lua_settop(args.T, Math.min(args.count, 1));
      return reader.unpack(args, limit, offset);
    },
  });
}
