import { formatG, T_BOOLEAN, T_LIGHTUSERDATA, T_NIL, T_NUMBER, T_STRING, T_TABLE, type LuaStack } from './stack';

/** lua-cjson's default nesting limits (encode_max_depth, decode_max_depth). */
const MAX_DEPTH = 1000;

/** Raised as the Lua error of cjson.encode / cjson.decode (lua-cjson's messages). */
export class CjsonError extends Error {}

/**
 * Redis's cjson library (lua-cjson 2.1), as host functions: encode walks a Lua value into JSON
 * text, decode pushes JSON as Lua values, JSON null as `cjson.null` (a NULL light userdata, as
 * lua-cjson's). Strings are bytes both ways (latin1 here); a \u escape above 0xff decodes to its
 * UTF-8 bytes. Tables are read raw (no metamethod runs) and every push is preceded by
 * lua_checkstack, as lua-cjson's nesting checks do.
 */
export class Cjson {
  /** lua-cjson's settings, the engine's own (Redis's are its one Lua state's): cjson.encode_max_depth and the others. */
  encodeMaxDepth = MAX_DEPTH;
  decodeMaxDepth = MAX_DEPTH;
  /** 0: NaN and Inf are refused; 1: written as nan, inf, -inf; 2: written as null. */
  encodeInvalidNumbers = 0;
  /** Only how lua-cjson reuses its buffer: nothing to keep here, but the setting reads back. */
  keepBuffer = true;

  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
  ) {}

  /** The JSON text of the value at `index`. */
  encode(T: number, index: number, depth = 0): string {
    const m = this.m;
    switch (m._lua_type(T, index)) {
      case T_NIL:
        return 'null';
      case T_BOOLEAN:
        return m._lua_toboolean(T, index) !== 0 ? 'true' : 'false';
      case T_NUMBER: {
        if (m._lua_isinteger(T, index)) return String(m._lua_tointegerx(T, index, 0));
        const n = m._lua_tonumberx(T, index, 0) as number;
        if (!Number.isFinite(n)) {
          if (this.encodeInvalidNumbers === 0) throw new CjsonError(`Cannot serialise number: must not be NaN or Inf`);
          if (this.encodeInvalidNumbers === 2) return 'null';
          if (Number.isNaN(n)) return 'nan';
        }
        return formatNumber(n);
      }
      case T_STRING:
        return quote(this.stack.stringAt(T, index));
      case T_TABLE:
        if (depth >= this.encodeMaxDepth || m._lua_checkstack(T, 3) === 0) throw new CjsonError(`Cannot serialise, excessive nesting (${depth + 1})`);
        return this.table(T, m._lua_absindex(T, index), depth + 1);
      default:
        if (this.isNull(T, index)) return 'null';
        throw new CjsonError(`Cannot serialise ${this.typeName(T, index)}: type not supported`);
    }
  }

  /** An array when every key is a positive integer and holes are few (lua-cjson's ratio 2), else an object; empty: {}. */
  private table(T: number, index: number, depth: number): string {
    const m = this.m;
    const entries: [string | number, string][] = [];
    let max = 0;
    let array = true;
    m._lua_pushnil(T);
    while (m._lua_next(T, index) !== 0) {
      // key at -2, value at -1
      let key: string | number;
      if (m._lua_type(T, -2) === T_NUMBER && m._lua_isinteger(T, -2) && m._lua_tointegerx(T, -2, 0) > 0n) {
        key = Number(m._lua_tointegerx(T, -2, 0));
        max = Math.max(max, key);
      } else if (m._lua_type(T, -2) === T_STRING || m._lua_type(T, -2) === T_NUMBER) {
        array = false;
        key = m._lua_type(T, -2) === T_STRING ? this.stack.stringAt(T, -2) : formatNumber(m._lua_tonumberx(T, -2, 0));
      } else {
        m._lua_settop(T, -3);
        throw new CjsonError('Cannot serialise table: table key must be a number or string');
      }
      try {
        entries.push([key, this.encode(T, -1, depth)]);
      } catch (err) {
        m._lua_settop(T, -3);
        throw err;
      }
      m._lua_settop(T, -2);
    }
    if (entries.length === 0) return '{}';
    if (array && max <= entries.length * 2) {
      const items = new Array<string>(max).fill('null');
      for (const [key, json] of entries) items[(key as number) - 1] = json;
      return `[${items.join(',')}]`;
    }
    return `{${entries.map(([key, json]) => `${quote(String(key))}:${json}`).join(',')}}`;
  }

  /** Pushes the Lua value of a JSON text. */
  decode(T: number, text: string): void {
    tooDeep(text, this.decodeMaxDepth);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (/end of JSON input/.test((err as Error).message)) throw new CjsonError(`Expected value but found T_END at character ${text.length + 1}`);
      const at = /position (\d+)/.exec((err as Error).message);
      throw new CjsonError(`Expected value but found invalid token at character ${at === null ? 1 : Number(at[1]) + 1}`);
    }
    this.push(T, value, 0);
  }

  private push(T: number, value: unknown, depth: number): void {
    const m = this.m;
    if (m._lua_checkstack(T, 3) === 0) throw new CjsonError(`Found too many nested data structures (${depth}) at character 1`);
    if (value === null) return m._lua_pushlightuserdata(T, 0);
    if (typeof value === 'boolean') return m._lua_pushboolean(T, value ? 1 : 0);
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return m._lua_pushinteger(T, BigInt(value));
      return m._lua_pushnumber(T, value);
    }
    if (typeof value === 'string') return this.stack.pushString(T, bytesOf(value));
    if (Array.isArray(value)) {
      m._lua_createtable(T, value.length, 0);
      value.forEach((item, i) => {
        this.push(T, item, depth + 1);
        m._lua_rawseti(T, -2, BigInt(i + 1));
      });
      return;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    m._lua_createtable(T, 0, entries.length);
    for (const [key, item] of entries) {
      this.stack.pushString(T, bytesOf(key));
      this.push(T, item, depth + 1);
      m._lua_rawset(T, -3);
    }
  }

  /** cjson.null: a NULL light userdata. */
  private isNull(T: number, index: number): boolean {
    return this.m._lua_type(T, index) === T_LIGHTUSERDATA && this.m._lua_touserdata(T, index) === 0;
  }

  typeName(T: number, index: number): string {
    const m = this.m;
    const ptr = m._lua_typename(T, m._lua_type(T, index));
    let name = '';
    for (let p = ptr; m.HEAPU8[p] !== 0; p++) name += String.fromCharCode(m.HEAPU8[p]);
    return name;
  }
}

/** lua-cjson's nesting limit, checked before parsing (as it does while parsing): where the first array or object too deep opens. */
function tooDeep(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new CjsonError(`Found too many nested data structures (${depth}) at character ${i + 1}`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** lua-cjson's %.14g. */
function formatNumber(n: number): string {
  return formatG(n, 14);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A JSON string of bytes, escaped as lua-cjson does (its forward slash too). */
function quote(bytes: string): string {
  return `"${bytes.replace(/["\\/\x00-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** A decoded JSON string as bytes (latin1): chars above 0xff, from \u escapes, as UTF-8. */
function bytesOf(text: string): string {
  if (!/[^\x00-\xff]/.test(text)) return text;
  let out = '';
  for (const ch of text) out += ch.codePointAt(0)! > 0xff ? Buffer.from(ch, 'utf8').toString('latin1') : ch;
  return out;
}

/** Registers cjson's host functions (__kv_json_encode, __kv_json_decode, __kv_json_<setting>; prelude.ts wraps them as `cjson`). */
export function registerCjson(m: any, stack: LuaStack, fn: (name: string, f: (T: number) => number) => void): void {
  const cjson = new Cjson(m, stack);
  const guarded = (f: (T: number) => number) => (T: number) => {
    try {
      return f(T);
    } catch (err) {
      // Anything else is the engine's to handle (engine.ts's hostFunction wraps this too).
      if (!(err instanceof CjsonError)) throw err;
      // As luaL_error: where the script called it, then the message.
      m._luaL_where(T, 1);
      const where = stack.stringAt(T, -1);
      m._lua_settop(T, -2);
      stack.pushString(T, where + err.message);
      return m._lua_error(T);
    }
  };
  fn('__kv_json_encode', guarded((T) => {
    if (m._lua_gettop(T) !== 1) throw new CjsonError('bad argument #1 to \'encode\' (expected 1 argument)');
    stack.pushString(T, cjson.encode(T, 1));
    return 1;
  }));
  fn('__kv_json_decode', guarded((T) => {
    if (m._lua_type(T, 1) !== T_STRING) throw new CjsonError("bad argument #1 to 'decode' (string expected)");
    cjson.decode(T, stack.stringAt(T, 1));
    return 1;
  }));
  // lua-cjson's settings: each takes at most one argument and answers the setting as it now is.
  const setting = (name: string, read: (T: number) => void, answer: (T: number) => void) =>
    fn(`__kv_json_${name}`, guarded((T) => {
      if (m._lua_gettop(T) > 1) throw new CjsonError(`bad argument #2 to '${name}' (found too many arguments)`);
      if (m._lua_type(T, 1) > T_NIL) read(T);
      answer(T);
      return 1;
    }));
  const depth = (name: string, set: (n: number) => void, get: () => number) =>
    setting(name, (T) => {
      const n = m._lua_type(T, 1) === T_NUMBER ? Number(m._lua_tonumberx(T, 1, 0)) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 2147483647) throw new CjsonError(`bad argument #1 to '${name}' (expected integer between 1 and 2147483647)`);
      set(n);
    }, (T) => m._lua_pushinteger(T, BigInt(get())));
  depth('encode_max_depth', (n) => (cjson.encodeMaxDepth = n), () => cjson.encodeMaxDepth);
  depth('decode_max_depth', (n) => (cjson.decodeMaxDepth = n), () => cjson.decodeMaxDepth);
  // A boolean, or (encode_invalid_numbers) one of lua-cjson's option names.
  const option = (T: number, name: string, names: readonly string[]): number => {
    if (m._lua_type(T, 1) === T_BOOLEAN) return m._lua_toboolean(T, 1) !== 0 ? 1 : 0;
    // As luaL_checkoption: a number is read as its text.
    const type = m._lua_type(T, 1);
    if (type !== T_STRING && type !== T_NUMBER) throw new CjsonError(`bad argument #1 to '${name}' (string expected, got ${cjson.typeName(T, 1)})`);
    const text = type === T_STRING ? stack.stringAt(T, 1) : formatNumber(m._lua_tonumberx(T, 1, 0));
    const at = names.indexOf(text);
    if (at < 0) throw new CjsonError(`bad argument #1 to '${name}' (invalid option '${text}')`);
    return at;
  };
  setting('encode_invalid_numbers', (T) => (cjson.encodeInvalidNumbers = option(T, 'encode_invalid_numbers', ['off', 'on', 'null'])), (T) => {
    if (cjson.encodeInvalidNumbers === 2) stack.pushString(T, 'null');
    else m._lua_pushboolean(T, cjson.encodeInvalidNumbers);
  });
  setting('encode_keep_buffer', (T) => (cjson.keepBuffer = option(T, 'encode_keep_buffer', ['off', 'on']) === 1), (T) => m._lua_pushboolean(T, cjson.keepBuffer ? 1 : 0));
}
