import type { Reply } from './values';

export const T_NIL = 0, T_BOOLEAN = 1, T_NUMBER = 3, T_STRING = 4, T_TABLE = 5;

/**
 * Values between a Lua stack and replies, by Redis's conversion rules, and strings between the
 * wasm heap and latin1 JS strings (one char per byte: any bytes round-trip).
 */
export class LuaStack {
  constructor(
    private readonly m: any,
    private readonly L: number,
    private readonly lenPtr: number,
  ) {}

  pushValue(T: number, value: Reply, depth: number): void {
    const m = this.m;
    if (value === null) return m._lua_pushboolean(T, 0);
    if (typeof value === 'string') return this.pushString(T, value);
    if (typeof value === 'bigint') return m._lua_pushinteger(T, value);
    if (Array.isArray(value)) {
      m._lua_createtable(T, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        this.pushValue(T, depth < 64 ? value[i] : null, depth + 1);
        m._lua_rawseti(T, -2, BigInt(i + 1));
      }
      return;
    }
    m._lua_createtable(T, 0, 1);
    const [field, text] = 'err' in value ? ['err', value.err] : ['ok', value.ok];
    this.pushString(T, text);
    this.setField(T, field);
  }

  /** A Lua value as a reply: numbers truncate to integers, true is 1, false and nil are nil, tables are arrays up to the first nil. */
  valueAt(T: number, index: number, depth: number): Reply {
    const m = this.m;
    switch (m._lua_type(T, index)) {
      case T_NUMBER:
        if (m._lua_isinteger(T, index)) return BigInt(m._lua_tointegerx(T, index, 0));
        return toInteger(m._lua_tonumberx(T, index, 0));
      case T_STRING:
        return this.stringAt(T, index);
      case T_BOOLEAN:
        return m._lua_toboolean(T, index) !== 0 ? 1n : null;
      case T_TABLE:
        return this.tableAt(T, m._lua_absindex(T, index), depth);
      default:
        return null;
    }
  }

  tableAt(T: number, index: number, depth: number): Reply {
    const m = this.m;
    for (const field of ['err', 'ok'] as const) {
      const type = this.getField(T, index, field);
      if (type === T_STRING || (field === 'err' && type !== T_NIL)) {
        const text = type === T_STRING ? this.stringAt(T, -1) : 'ERR unknown error';
        m._lua_settop(T, -2);
        return field === 'err' ? { err: text } : { ok: text };
      }
      m._lua_settop(T, -2);
    }
    const items: Reply[] = [];
    if (depth > 64) return items;
    for (let i = 1; ; i++) {
      const type = m._lua_rawgeti(T, index, BigInt(i));
      if (type === T_NIL) {
        m._lua_settop(T, -2);
        return items;
      }
      items.push(this.valueAt(T, -1, depth + 1));
      m._lua_settop(T, -2);
    }
  }

  stringAt(T: number, index: number): string {
    const m = this.m;
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    if (ptr === 0) return '';
    const len = m.HEAPU32[this.lenPtr >> 2];
    return Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len).toString('latin1');
  }

  pushString(T: number, text: string): void {
    const m = this.m;
    const len = text.length;
    const ptr = m._malloc(len + 1);
    Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len).write(text, 0, len, 'latin1');
    m._lua_pushlstring(T, ptr, len);
    m._free(ptr);
  }

  pushList(T: number, list: readonly string[]): void {
    this.m._lua_createtable(T, list.length, 0);
    for (let i = 0; i < list.length; i++) {
      this.pushString(T, list[i]);
      this.m._lua_rawseti(T, -2, BigInt(i + 1));
    }
  }

  withName<R>(name: string, f: (ptr: number) => R): R {
    const m = this.m;
    const ptr = m._malloc(name.length + 1);
    Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, name.length + 1).write(`${name}\0`, 0, name.length + 1, 'latin1');
    try {
      return f(ptr);
    } finally {
      m._free(ptr);
    }
  }

  setField(T: number, name: string): void {
    this.withName(name, (ptr) => this.m._lua_setfield(T, -2, ptr));
  }

  getField(T: number, index: number, name: string): number {
    return this.withName(name, (ptr) => this.m._lua_getfield(T, index, ptr));
  }

  /** Pushes global[name][field] (a table of the prelude's, e.g. cjson.null). */
  getGlobalField(T: number, name: string, field: string): void {
    this.withName(name, (ptr) => this.m._lua_getglobal(T, ptr));
    this.withName(field, (ptr) => this.m._lua_getfield(T, -1, ptr));
    this.m._lua_rotate(T, -2, 1);
    this.m._lua_settop(T, -2);
  }

  setGlobal(name: string): void {
    this.withName(name, (ptr) => this.m._lua_setglobal(this.L, ptr));
  }

  loadChunk(T: number, source: string, name: string): number {
    const m = this.m;
    const len = source.length;
    const ptr = m._malloc(len + 1);
    Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset + ptr, len).write(source, 0, len, 'latin1');
    try {
      return this.withName(name, (namePtr) => this.withName('t', (mode) => m._luaL_loadbufferx(T, ptr, len, namePtr, mode)));
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

