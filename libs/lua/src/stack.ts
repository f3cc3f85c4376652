import { LUA_ERR } from './errors';
import type { Reply } from './values';

import { i64, LuaHeap, T_BOOLEAN, T_NIL, T_NUMBER, T_STRING, T_TABLE } from './heap';

export { T_NIL, T_BOOLEAN, T_LIGHTUSERDATA, T_NUMBER, T_STRING, T_TABLE } from './heap';
const LUA_REGISTRYINDEX = -1001000;

/**
 * Nesting past which a script's result gets `-ERR reached lua stack limit` in place of the value,
 * as Redis's luaReplyToRedisReply (whose lua_checkstack fails there: 7,995 levels on Redis 7.0).
 */
export const REPLY_DEPTH_LIMIT = 7995;
const STACK_LIMIT: Reply = { err: LUA_ERR.stackLimit };
/** Nesting of a command's reply pushed into Lua (no command answers deeper than a few levels). */
export const PUSH_DEPTH_LIMIT = 64;

/**
 * Values between a Lua stack and replies, by Redis's conversion rules, and strings between the
 * wasm heap and latin1 JS strings (one char per byte: any bytes round-trip). Every read of a
 * script's value is raw (lua_rawget, lua_rawgeti: no metamethod runs, so none can raise), every
 * push is preceded by lua_checkstack, and nesting is walked with a JS array, not JS recursion:
 * nothing here can raise a Lua error outside a protected call or overflow either stack.
 */
export class LuaStack extends LuaHeap {
  /** Registry refs of the strings 'err' and 'ok' (pushing them allocates nothing). */
  errKey = 0;
  okKey = 0;
  /** 'Sl\0' on the wasm heap, for lua_getinfo. */
  readonly nameSl: number;
  /** 'n\0' on the wasm heap, for lua_getinfo (a function's name, as its caller named it). */
  readonly nameN: number;
  constructor(m: any, lenPtr: number) {
    super(m, lenPtr);
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
        m._lua_rawseti(T, -2, i64(i + 1));
      }
      return;
    }
    m._lua_createtable(T, 0, 1);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, i64('err' in value ? this.errKey : this.okKey));
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
        if (m._lua_rawgeti(T, -1, i64(items.length + 1)) !== T_NIL) break;
        m._lua_settop(T, -3);
        open.pop();
        value = items;
      }
    }
  }

  /** The table at the top as an error or status reply (raw fields), or undefined: an array. */
  private replyTable(T: number): Reply | undefined {
    const m = this.m;
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, i64(this.errKey));
    if (m._lua_rawget(T, -2) === T_STRING) {
      const err = this.stringAt(T, -1);
      m._lua_settop(T, -2);
      return { err };
    }
    m._lua_settop(T, -2);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, i64(this.okKey));
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
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, i64(this.errKey));
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

  /** Pushes a table of strings (KEYS, ARGV). */
  pushList(T: number, list: readonly string[]): void {
    const m = this.m;
    if (m._lua_checkstack(T, 2) === 0) throw new RangeError('Lua stack full');
    m._lua_createtable(T, list.length, 0);
    for (let i = 0; i < list.length; i++) {
      this.pushString(T, list[i]);
      m._lua_rawseti(T, -2, i64(i + 1));
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
