import { copyBytes, i64 } from './heap';
import { PUSH_DEPTH_LIMIT, type LuaStack } from './stack';
import type { EncodedReply } from './values';

const LUA_REGISTRYINDEX = -1001000;
/** As parseReply (resp.ts): a reply nested deeper is refused. */
const PARSE_DEPTH_LIMIT = 128;
const NO_BYTES = Buffer.alloc(0);

/**
 * Pushes a command's reply, RESP2 bytes, as the Lua value Redis makes of it, straight from the
 * bytes: the same values, errors and bounds as parseReply then LuaStack.pushValue (bulk → string,
 * integer → integer, nil → false, status → {ok=}, error → {err=}, array → table, elements past
 * PUSH_DEPTH_LIMIT levels false), without a JS value per element. The bytes are copied onto the
 * wasm heap once; each string is pushed from there. Returns whether the reply is an error.
 */
export class RespPusher {
  private buf: Buffer = NO_BYTES;
  private pos = 0;
  private end = 0;
  /** Where buf[0] would be on the wasm heap (the copy starts at the reply's first byte). */
  private base = 0;

  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
  ) {}

  push(T: number, reply: EncodedReply): boolean {
    const { buf, start, end } = reply;
    const at = this.stack.scratch(end - start);
    copyBytes(buf, start, end, this.stack.heap(), at);
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.base = at - start;
    if (this.m._lua_checkstack(T, 3) === 0) throw new RangeError('Lua stack full');
    const error = buf[start] === 0x2d;
    try {
      this.value(T, 0, false);
      if (this.pos !== end) throw new Error('trailing bytes after a reply');
    } finally {
      // Not kept past the call: the host reuses it.
      this.buf = NO_BYTES;
      this.stack.trimScratch();
    }
    return error;
  }

  /** Reads the value at pos; pushes it (or false, when `nil`: past the push depth limit). */
  private value(T: number, depth: number, nil: boolean): void {
    const m = this.m;
    const buf = this.buf;
    if (this.pos >= this.end || depth > PARSE_DEPTH_LIMIT) throw new Error('truncated reply');
    const type = buf[this.pos];
    const from = this.pos + 1;
    const cr = buf.indexOf(13, this.pos);
    if (cr < 0 || cr + 1 >= this.end || buf[cr + 1] !== 10) throw new Error('unterminated reply line');
    this.pos = cr + 2;
    switch (type) {
      case 0x2b: // +
        if (!nil) this.field(T, this.stack.okKey, from, cr);
        break;
      case 0x2d: // -
        if (!nil) this.field(T, this.stack.errKey, from, cr);
        break;
      case 0x3a: // :
        if (!nil) m._lua_pushinteger(T, integerAt(buf, from, cr));
        break;
      case 0x24: {
        const len = lengthAt(buf, from, cr);
        if (len >= 0) {
          const at = this.pos;
          this.pos += len + 2;
          if (this.pos > this.end) throw new Error('truncated bulk');
          if (!nil) m._lua_pushlstring(T, this.base + at, len);
        } else if (!nil) m._lua_pushboolean(T, 0);
        break;
      }
      case 0x2a: {
        const n = lengthAt(buf, from, cr);
        if (n < 0) {
          if (!nil) m._lua_pushboolean(T, 0);
          break;
        }
        if (!nil) {
          m._lua_createtable(T, n, 0);
          if (m._lua_checkstack(T, 3) === 0) throw new RangeError('Lua stack full');
        }
        // Past the limit each element is read but pushed as false (LuaStack.pushValue's rule).
        const skip = nil || depth >= PUSH_DEPTH_LIMIT;
        for (let i = 1; i <= n; i++) {
          this.value(T, depth + 1, skip);
          if (nil) continue;
          if (skip) m._lua_pushboolean(T, 0);
          m._lua_rawseti(T, -2, i64(i));
        }
        break;
      }
      default:
        throw new Error(`not a RESP2 reply: ${String.fromCharCode(type)}`);
    }
  }

  /** {ok = text} or {err = text}, text at buf[from, to). */
  private field(T: number, keyRef: number, from: number, to: number): void {
    const m = this.m;
    m._lua_createtable(T, 0, 1);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, i64(keyRef));
    m._lua_pushlstring(T, this.base + from, to - from);
    m._lua_rawset(T, -3);
  }
}

/** The integer reply's digits at buf[from, to) as an i64 (BigInt(text), as parseReply, past 15 digits). */
function integerAt(buf: Buffer, from: number, to: number): bigint {
  const negative = buf[from] === 0x2d;
  let i = negative ? from + 1 : from;
  if (to - i > 15 || i === to) return BigInt(buf.latin1Slice(from, to));
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return BigInt(buf.latin1Slice(from, to));
    n = n * 10 + d;
  }
  return i64(negative ? -n : n);
}

/** A bulk's or an array's length at buf[from, to): Number(text), by hand for plain digits. */
function lengthAt(buf: Buffer, from: number, to: number): number {
  if (to === from || to - from > 9) return Number(buf.latin1Slice(from, to));
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return Number(buf.latin1Slice(from, to));
    n = n * 10 + d;
  }
  return n;
}
