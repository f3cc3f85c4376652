import { DEBUG_SIZE } from './failure';
import { i64 } from './heap';
import { formatG, T_NIL, T_NUMBER, T_STRING, type LuaStack } from './stack';

/** Lua 5.1's bound on the stack slots one C function may use (LUAI_MAXCSTACK): Redis's libraries hit it. */
export const MAX_C_STACK = 8000;

/**
 * Raised by a host library function as its Lua error (lua-cmsgpack's and lua_struct's messages).
 * `where`: prefixed with the calling script's position, as luaL_error is; a bare message (as
 * Lua's own "table index is nil") otherwise.
 */
export class HostLibError extends Error {
  constructor(
    message: string,
    readonly where = true,
  ) {
    super(message);
  }
}

/** lua_Debug (Lua 5.4, wasm32): where its `name` and `namewhat` pointers are. */
const DEBUG_NAME = 4;
const DEBUG_NAMEWHAT = 8;

/**
 * The arguments of one call of a host library function, read as Lua 5.1 reads them (Redis's
 * libraries are C functions of Lua 5.1, where every number is a double): numbers and strings
 * convert into each other as luaL_checknumber / luaL_checklstring convert them.
 */
export class HostArgs {
  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
    readonly T: number,
    /** A lua_Debug's room on the wasm heap. */
    private readonly debugPtr: number,
  ) {}

  /**
   * luaL_argerror's text: the function named as its caller named it (`local p = cmsgpack.pack`
   * makes it 'p', as in Redis), a method call counting from its first argument after self.
   */
  argError(arg: number, extra: string): HostLibError {
    const m = this.m;
    let name = '?';
    let namewhat = '';
    if (m._lua_getstack(this.T, 0, this.debugPtr) !== 0 && m._lua_getinfo(this.T, this.stack.nameN, this.debugPtr) !== 0) {
      const namePtr = m.HEAPU32[(this.debugPtr + DEBUG_NAME) >> 2];
      if (namePtr !== 0) name = this.stack.cString(namePtr);
      namewhat = this.stack.cString(m.HEAPU32[(this.debugPtr + DEBUG_NAMEWHAT) >> 2]);
    }
    if (namewhat === 'method' && --arg === 0) return new HostLibError(`calling '${name}' on bad self (${extra})`);
    return new HostLibError(`bad argument #${arg} to '${name}' (${extra})`);
  }

  get count(): number {
    return this.m._lua_gettop(this.T);
  }

  /** Lua 5.1's type name of an argument ('no value' past the last). */
  typeName(arg: number, count = this.count): string {
    if (arg > count) return 'no value';
    const m = this.m;
    return this.stack.cString(m._lua_typename(this.T, m._lua_type(this.T, arg)));
  }

  /** The double a 5.1 number argument holds, or null (not a number nor a numeric string). */
  number(arg: number): number | null {
    const m = this.m;
    const type = m._lua_type(this.T, arg);
    if (type === T_NUMBER) return m._lua_isinteger(this.T, arg) ? Number(m._lua_tointegerx(this.T, arg, 0)) : (m._lua_tonumberx(this.T, arg, 0) as number);
    if (type === T_STRING) return stringToNumber(this.stack.stringAt(this.T, arg));
    return null;
  }

  /** luaL_checknumber; `typeOf` names what an absent argument is (b_pack's nil mark). */
  checkNumber(arg: number, typeOf = (a: number) => this.typeName(a)): number {
    const n = this.number(arg);
    if (n === null) throw this.argError(arg, `number expected, got ${typeOf(arg)}`);
    return n;
  }

  /** luaL_checklstring: a string's bytes (latin1), or a number's text (%.14g). */
  checkString(arg: number, typeOf = (a: number) => this.typeName(a)): string {
    const m = this.m;
    const type = m._lua_type(this.T, arg);
    if (type === T_STRING) return this.stack.stringAt(this.T, arg);
    if (type === T_NUMBER) return formatG(this.number(arg)!, 14);
    throw this.argError(arg, `string expected, got ${typeOf(arg)}`);
  }

  /** checkString's bytes: a string's own (copied out of the wasm heap), or a number's text. */
  checkBytes(arg: number): Buffer {
    if (this.m._lua_type(this.T, arg) === T_STRING) return this.stack.bytesAt(this.T, arg);
    return Buffer.from(this.checkString(arg), 'latin1');
  }

  /** luaL_optinteger: `fallback` when absent or nil, else luaL_checkinteger (truncated toward zero). */
  optInteger(arg: number, fallback: number): number {
    if (arg > this.count || this.m._lua_type(this.T, arg) === T_NIL) return fallback;
    return this.checkInteger(arg);
  }

  /** luaL_checkinteger of Lua 5.1: a number (or numeric string) truncated toward zero. */
  checkInteger(arg: number): number {
    return Math.trunc(this.checkNumber(arg));
  }
}

/**
 * Pushes a number as Redis's Lua 5.1 would see it: an integer when Lua 5.4 prints it as 5.1 does
 * (an integral value under 1e14, which %.14g prints in full), a float otherwise (5.1's %.14g
 * and 5.4's agree on those).
 */
export function pushNumber51(m: any, T: number, n: number): void {
  if (Number.isInteger(n) && Math.abs(n) < 1e14 && !Object.is(n, -0)) m._lua_pushinteger(T, i64(n));
  else m._lua_pushnumber(T, n);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** Lua 5.1's string-to-number (luaO_str2d: strtod, or hex, with spaces around): the double, or null. */
export function stringToNumber(text: string): number | null {
  const s = text.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
  if (DECIMAL.test(s)) return Number(s);
  const hex = HEX.exec(s);
  if (hex !== null) return (hex[1] === '-' ? -1 : 1) * Number.parseInt(hex[2], 16);
  const special = SPECIAL.exec(s);
  if (special !== null) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  return null;
}

/**
 * Registers a library's host functions, each behind its Lua-error guard: a HostLibError becomes
 * the Lua error (with the caller's position when it says so), anything else is the engine's.
 */
export function registerHostLib(
  m: any,
  stack: LuaStack,
  fn: (name: string, f: (T: number) => number) => void,
  functions: Record<string, (args: HostArgs) => number>,
): void {
  const debugPtr = m._malloc(DEBUG_SIZE);
  for (const [name, f] of Object.entries(functions)) {
    fn(name, (T: number) => {
      try {
        return f(new HostArgs(m, stack, T, debugPtr));
      } catch (err) {
        if (!(err instanceof HostLibError)) throw err;
        // The arguments and anything pushed go: the message needs room, and nothing else is returned.
        m._lua_settop(T, 0);
        let where = '';
        if (err.where) {
          m._luaL_where(T, 1);
          where = stack.stringAt(T, -1);
          m._lua_settop(T, -2);
        }
        stack.pushString(T, where + err.message);
        return m._lua_error(T);
      }
    });
  }
}
