import { LUA_ERR } from './errors';
import { T_BOOLEAN, T_NIL, T_NUMBER, T_STRING, T_TABLE, type LuaStack } from './stack';

/**
 * The WebAssembly engine is no longer usable: a Lua API call raised with no protected call to
 * catch it (Lua's panic), the wasm code trapped, or JS code threw through it. Every later call on
 * that engine throws this; its owner (scripts.ts) makes a new one.
 */
export class LuaEngineFailed extends Error {}

/** lua_Debug (Lua 5.4, wasm32): offsets of the fields read, and room for the whole struct. */
export const DEBUG_SIZE = 256;
const WHAT = 12;
const SOURCE = 16;
const CURRENTLINE = 24;
/** The prelude's chunk name: its frames are the engine's, never where a script failed. */
export const PRELUDE_SOURCE = '=prelude';

/**
 * Redis's text for a run that raised: the error object as Redis's error handler makes it (a
 * table's `err`, else 'ERR ' .. tostring(value)), then `script: <sha>, on <source>:<line>.` from
 * the innermost frame of the script's own code (a C function's or the prelude's frames are
 * skipped, as Redis's handler skips C frames). The coroutine's stack is as it was when the error
 * was raised (lua_resume does not unwind it). Reads only: nothing here allocates in Lua.
 */
export function runErrorText(m: any, stack: LuaStack, T: number, sha: string, debugPtr: number): string {
  const message = errorObjectText(m, stack, T);
  for (let level = 0; m._lua_getstack(T, level, debugPtr) !== 0; level++) {
    if (m._lua_getinfo(T, stack.nameSl, debugPtr) === 0) break;
    if (stack.cString(m.HEAPU32[(debugPtr + WHAT) >> 2]) === 'C') continue;
    const source = stack.cString(m.HEAPU32[(debugPtr + SOURCE) >> 2]);
    if (source === PRELUDE_SOURCE) continue;
    return `${message} script: ${sha}, on ${source}:${m.HEAP32[(debugPtr + CURRENTLINE) >> 2]}.`;
  }
  return message;
}

function errorObjectText(m: any, stack: LuaStack, T: number): string {
  switch (m._lua_type(T, -1)) {
    case T_TABLE:
      return stack.errField(T, -1) ?? LUA_ERR.unknown;
    case T_STRING:
      return LUA_ERR.failed(stack.stringAt(T, -1));
    case T_NUMBER:
      return LUA_ERR.failed(stack.numberText(T, -1));
    case T_NIL:
      return LUA_ERR.failed('nil');
    case T_BOOLEAN:
      return LUA_ERR.failed(String(m._lua_toboolean(T, -1) !== 0));
    default:
      return LUA_ERR.failed(`${stack.cString(m._lua_typename(T, m._lua_type(T, -1)))}: 0x${(m._lua_topointer(T, -1) as number).toString(16).padStart(8, '0')}`);
  }
}
