import { LUA_ERR } from './errors';
import type { Reply } from './values';

export const T_NIL = 0, T_BOOLEAN = 1, T_LIGHTUSERDATA = 2, T_NUMBER = 3, T_STRING = 4, T_TABLE = 5;
const LUA_REGISTRYINDEX = -1001000;

/**
 * Nesting past which a script's result gets `-ERR reached lua stack limit` in place of the value,
 * as Redis's luaReplyToRedisReply (whose lua_checkstack fails there: 7,995 levels on Redis 7.0).
 */
export const REPLY_DEPTH_LIMIT = 7995;
const STACK_LIMIT: Reply = { err: LUA_ERR.stackLimit };
/** Nesting of a command's reply pushed into Lua (no command answers deeper than a few levels). */
const PUSH_DEPTH_LIMIT = 64;

/**
 * Values between a Lua stack and replies, by Redis's conversion rules, and strings between the
 * wasm heap and latin1 JS strings (one char per byte: any bytes round-trip). Every read of a
 * script's value is raw (lua_rawget, lua_rawgeti: no metamethod runs, so none can raise), every
 * push is preceded by lua_checkstack, and nesting is walked with a JS array, not JS recursion:
 * nothing here can raise a Lua error outside a protected call or overflow either stack.
 */
export class LuaStack {
  /** Registry refs of the strings 'err' and 'ok' (pushing them allocates nothing). */
  private errKey = 0;
  private okKey = 0;
  /** 'Sl\0' on the wasm heap, for lua_getinfo. */
  readonly nameSl: number;
  /** 'n\0' on the wasm heap, for lua_getinfo (a function's name, as its caller named it). */
  readonly nameN: number;
  /** A scratch area on the wasm heap that pushBytes copies through (grown as needed, never per push). */
  private scratchPtr = 0;
  private scratchSize = 0;

  constructor(
    private readonly m: any,
    private readonly lenPtr: number,
  ) {
    this.nameSl = m._malloc(4);
    m.HEAPU8.set([0x53, 0x6c, 0], this.nameSl);
    this.nameN = m._malloc(2);
    m.HEAPU8.set([0x6e, 0], this.nameN);
  }

  /** Interns the field names read from tables (at start, protected: it allocates). */
  keepKeys(L: number): void {
    this.pushString(L, 'err');
    this.errKey = this.m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.pushString(L, 'ok');
    this.okKey = this.m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** A command's reply as a Lua value: nil as false, status {ok=}, error {err=}, arrays as tables. */
  pushValue(T: number, value: Reply, depth: number): void {
    const m = this.m;
    if (m._lua_checkstack(T, 3) === 0) throw new RangeError('Lua stack full');
    if (value === null) return m._lua_pushboolean(T, 0);
    if (typeof value === 'string') return this.pushString(T, value);
    if (typeof value === 'bigint') return m._lua_pushinteger(T, value);
    if (Array.isArray(value)) {
      m._lua_createtable(T, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        this.pushValue(T, depth < PUSH_DEPTH_LIMIT ? value[i] : null, depth + 1);
        m._lua_rawseti(T, -2, BigInt(i + 1));
      }
      return;
    }
    m._lua_createtable(T, 0, 1);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt('err' in value ? this.errKey : this.okKey));
    this.pushString(T, 'err' in value ? value.err : value.ok);
    m._lua_rawset(T, -3);
  }

  /**
   * The value at the top of T as a script's result, popped: numbers truncate to integers, true
   * is 1, false and nil are nil, {err=string} an error, {ok=string} a status, other tables
   * arrays up to the first nil; past REPLY_DEPTH_LIMIT levels, Redis's stack-limit error.
   */
  popResult(T: number): Reply {
    const m = this.m;
    // Arrays being filled; their tables are on T's stack in the same order, the innermost on top.
    const open: Reply[][] = [];
    for (;;) {
      let value: Reply | undefined;
      if (open.length >= REPLY_DEPTH_LIMIT) value = STACK_LIMIT;
      else if (m._lua_type(T, -1) !== T_TABLE) value = this.scalarAt(T, -1);
      else {
        value = this.replyTable(T);
        if (value === undefined && m._lua_checkstack(T, 4) === 0) value = STACK_LIMIT;
      }
      if (value === undefined) open.push([]);
      else m._lua_settop(T, -2);
      // Hand finished values up, then fetch the next element of the innermost open table.
      for (;;) {
        if (value !== undefined) {
          if (open.length === 0) return value;
          open[open.length - 1].push(value);
        }
        const items = open[open.length - 1];
        if (m._lua_rawgeti(T, -1, BigInt(items.length + 1)) !== T_NIL) break;
        m._lua_settop(T, -3);
        open.pop();
        value = items;
      }
    }
  }

  /** The table at the top as an error or status reply (raw fields), or undefined: an array. */
  private replyTable(T: number): Reply | undefined {
    const m = this.m;
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.errKey));
    if (m._lua_rawget(T, -2) === T_STRING) {
      const err = this.stringAt(T, -1);
      m._lua_settop(T, -2);
      return { err };
    }
    m._lua_settop(T, -2);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.okKey));
    if (m._lua_rawget(T, -2) === T_STRING) {
      const ok = this.stringAt(T, -1);
      m._lua_settop(T, -2);
      return { ok };
    }
    m._lua_settop(T, -2);
    return undefined;
  }

  /** A non-table value as a reply (see popResult). */
  scalarAt(T: number, index: number): Reply {
    const m = this.m;
    switch (m._lua_type(T, index)) {
      case T_NUMBER:
        if (m._lua_isinteger(T, index)) return BigInt(m._lua_tointegerx(T, index, 0));
        return toInteger(m._lua_tonumberx(T, index, 0));
      case T_STRING:
        return this.stringAt(T, index);
      case T_BOOLEAN:
        return m._lua_toboolean(T, index) !== 0 ? 1n : null;
      default:
        return null;
    }
  }

  /** The raw field `err` of the table at `index` when it is a string or a number (Redis's lua_isstring), else null. */
  errField(T: number, index: number): string | null {
    const m = this.m;
    const at = m._lua_absindex(T, index);
    if (m._lua_checkstack(T, 2) === 0) return null;
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.errKey));
    const type = m._lua_rawget(T, at);
    const text = type === T_STRING ? this.stringAt(T, -1) : type === T_NUMBER ? this.numberText(T, -1) : null;
    m._lua_settop(T, -2);
    return text;
  }

  /** Lua's tostring of a number, without converting it in place (which allocates). */
  numberText(T: number, index: number): string {
    const m = this.m;
    if (m._lua_isinteger(T, index)) return String(m._lua_tointegerx(T, index, 0));
    const n = m._lua_tonumberx(T, index, 0) as number;
    if (!Number.isFinite(n)) return formatG(n, 14);
    const text = formatG(n, 14);
    return /^-?\d+$/.test(text) ? `${text}.0` : text;
  }

  stringAt(T: number, index: number): string {
    const m = this.m;
    if (m._lua_type(T, index) !== T_STRING) return '';
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    if (ptr === 0) return '';
    const len = m.HEAPU32[this.lenPtr >> 2];
    return Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len).toString('latin1');
  }

  /** A copy of the bytes of the string at `index` (empty when it is not a string). */
  bytesAt(T: number, index: number): Buffer {
    const m = this.m;
    if (m._lua_type(T, index) !== T_STRING) return Buffer.alloc(0);
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    if (ptr === 0) return Buffer.alloc(0);
    return Buffer.from(m.HEAPU8.subarray(ptr, ptr + m.HEAPU32[this.lenPtr >> 2]));
  }

  /** Calls `use` with a view of the bytes of the string at `index`, valid only during the call (nothing may allocate in Lua meanwhile). */
  viewBytes(T: number, index: number, use: (bytes: Uint8Array) => void): void {
    const m = this.m;
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    use(ptr === 0 ? new Uint8Array(0) : (m.HEAPU8 as Uint8Array).subarray(ptr, ptr + m.HEAPU32[this.lenPtr >> 2]));
  }

  /** Pushes `bytes[start, end)` as a Lua string. */
  pushBytes(T: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    const m = this.m;
    const len = end - start;
    if (len > this.scratchSize) {
      if (this.scratchPtr !== 0) m._free(this.scratchPtr);
      this.scratchSize = 0;
      this.scratchPtr = m._malloc(Math.max(len, 256));
      if (this.scratchPtr === 0) throw new RangeError('out of wasm memory');
      this.scratchSize = Math.max(len, 256);
    }
    (m.HEAPU8 as Uint8Array).set(bytes.subarray(start, end), this.scratchPtr);
    m._lua_pushlstring(T, this.scratchPtr, len);
  }

  pushString(T: number, text: string): void {
    const m = this.m;
    const len = text.length;
    const ptr = m._malloc(len + 1);
    if (ptr === 0) throw new RangeError('out of wasm memory');
    Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len).write(text, 0, len, 'latin1');
    try {
      m._lua_pushlstring(T, ptr, len);
    } finally {
      m._free(ptr);
    }
  }

  /** Pushes a table of strings (KEYS, ARGV). */
  pushList(T: number, list: readonly string[]): void {
    const m = this.m;
    if (m._lua_checkstack(T, 2) === 0) throw new RangeError('Lua stack full');
    m._lua_createtable(T, list.length, 0);
    for (let i = 0; i < list.length; i++) {
      this.pushString(T, list[i]);
      m._lua_rawseti(T, -2, BigInt(i + 1));
    }
  }

  /** Calls `f` with `name` as a NUL-terminated string on the wasm heap. */
  withName<R>(name: string, f: (ptr: number) => R): R {
    const m = this.m;
    const ptr = m._malloc(name.length + 1);
    if (ptr === 0) throw new RangeError('out of wasm memory');
    Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, name.length + 1).write(`${name}\0`, 0, name.length + 1, 'latin1');
    try {
      return f(ptr);
    } finally {
      m._free(ptr);
    }
  }

  /** A NUL-terminated string at `ptr` on the wasm heap (latin1). */
  cString(ptr: number): string {
    const heap = this.m.HEAPU8 as Uint8Array;
    let end = ptr;
    while (heap[end] !== 0) end++;
    return Buffer.from(heap.buffer, heap.byteOffset + ptr, end - ptr).toString('latin1');
  }

  /** Compiles `source` as chunk `name` (text only); pushes the function or the error message. */
  loadChunk(T: number, source: string, name: string): number {
    const m = this.m;
    const len = source.length;
    const bytes = Buffer.from(`${name}\0t\0`, 'latin1');
    const ptr = m._malloc(len + bytes.length + 1);
    if (ptr === 0) throw new RangeError('out of wasm memory');
    try {
      const heap = Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len + bytes.length);
      heap.write(source, 0, len, 'latin1');
      bytes.copy(heap, len);
      return m._luaL_loadbufferx(T, ptr, len, ptr + len, ptr + len + name.length + 1);
    } finally {
      m._free(ptr);
    }
  }
}

/** A Lua float as Redis's integer reply: truncated toward zero (Redis casts to long long). */
function toInteger(n: number): bigint {
  if (!Number.isFinite(n)) return n > 0 ? 9223372036854775807n : n < 0 ? -9223372036854775808n : 0n;
  return BigInt(Math.trunc(n));
}

/** C's %.<precision>g: %.14g is Lua's number format and lua-cjson's, %.17g Redis's for a float argument. */
export function formatG(n: number, precision: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 10 ** precision) return Object.is(n, -0) ? '-0' : String(n);
  const text = n.toPrecision(precision);
  if (text.includes('e')) {
    const [mantissa, exp] = text.split('e');
    const digits = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const e = Number(exp);
    return `${digits}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
