import { HostArgs, HostLibError, MAX_C_STACK, pushNumber51 } from './hostlib';
import { i64 } from './heap';
import { T_NIL, T_NUMBER, type LuaStack } from './stack';

const INT_MAX = 2 ** 31 - 1;
const TOO_MANY_VALUES = 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)';

const NO_BYTES = Buffer.alloc(0);
const readUInt8 = (b: Buffer, at: number): number => b.readUInt8(at);
const readUInt16 = (b: Buffer, at: number): number => b.readUInt16BE(at);
const readUInt32 = (b: Buffer, at: number): number => b.readUInt32BE(at);
const readInt64 = (b: Buffer, at: number): number => Number(b.readBigInt64BE(at));
const readInt8 = (b: Buffer, at: number): number => b.readInt8(at);
const readInt16 = (b: Buffer, at: number): number => b.readInt16BE(at);
const readInt32 = (b: Buffer, at: number): number => b.readInt32BE(at);
const readFloat = (b: Buffer, at: number): number => b.readFloatBE(at);
const readDouble = (b: Buffer, at: number): number => b.readDoubleBE(at);

/** Where decoding stopped short (lua-cmsgpack's cursor errors). */
class Truncated extends Error {}
class BadFormat extends Error {}

/** A table being filled while unpacking (nesting is followed with these, not with JS recursion). */
interface Open {
  map: boolean;
  left: number;
  index: number;
  /** A map's key is on the stack; its value comes next. */
  haveKey: boolean;
  /** Just opened: nothing of it decoded yet. */
  fresh: boolean;
}

/**
 * cmsgpack's unpack, unpack_one and unpack_limit (cmsgpack.ts says what Redis's does): decodes
 * what lua-cmsgpack decodes (no bin or ext types), pushes integers as the 5.1 doubles Redis has
 * (a uint64 wraps to int64 as Redis's lua_pushinteger does), and counts the stack slots Redis's
 * Lua 5.1 would use, so that it fails where Redis does (8,000 slots). Nesting is followed with a
 * list of open tables, not JS recursion, and no table is sized by what the input claims.
 */
export class MsgpackReader {
  private input: Buffer = NO_BYTES;
  private pos = 0;
  /** Lua 5.1 stack slots the unpacking call would be using. */
  private used = 0;

  constructor(
    private readonly m: any,
    private readonly stack: LuaStack,
  ) {}

  unpack(args: HostArgs, limit: number, offset: number): number {
    const m = this.m;
    const T = args.T;
    const input = args.checkBytes(1);
    const len = input.length;
    if (offset < 0 || limit < 0) throw new HostLibError(`Invalid request to unpack with offset of ${int32(offset)} and limit of ${int32(len)}.`);
    if (offset > len) throw new HostLibError(`Start offset ${int32(offset)} greater than input length ${int32(len)}.`);
    const all = limit === 0 && offset === 0;
    if (all) limit = INT_MAX;
    this.input = input;
    this.pos = offset;
    this.used = m._lua_gettop(T);
    let count = 0;
    try {
      for (; this.pos < len && count < limit; count++) this.decodeValue(T);
    } catch (err) {
      if (err instanceof Truncated) throw new HostLibError('Missing bytes in input.');
      if (err instanceof BadFormat) throw new HostLibError('Bad data format in input.');
      throw err;
    } finally {
      this.input = NO_BYTES;
    }
    if (all) return count;
    this.reserve(T, 'stack overflow (in function mp_unpack_full)');
    m._lua_pushinteger(T, BigInt(this.pos === len ? -1 : this.pos));
    m._lua_rotate(T, 2, 1);
    return count + 1;
  }

  /** Decodes one value at `pos` and leaves it on T's stack (tables filled by a loop over `Open`s). */
  private decodeValue(T: number): void {
    const open: Open[] = [];
    for (;;) {
      const opened = this.item(T);
      if (opened !== null) open.push(opened);
      // Hand finished values to the tables that hold them, until one needs its next item.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return;
        if (top.fresh) top.fresh = false;
        else if (!top.map) {
          this.m._lua_rawseti(T, -2, i64(top.index++));
          this.used -= 2;
          top.left--;
        } else if (!top.haveKey) {
          top.haveKey = true;
          break;
        } else {
          this.setField(T);
          this.used -= 2;
          top.haveKey = false;
          top.left--;
        }
        if (top.left === 0) {
          open.pop();
          continue;
        }
        // Lua 5.1's lua-cmsgpack pushes an array's index before decoding its element.
        if (!top.map) this.used++;
        break;
      }
    }
  }

  /** t[k] = v for a map being filled (k, v on top), with the errors Lua 5.1's lua_settable raises. */
  private setField(T: number): void {
    const m = this.m;
    if (m._lua_type(T, -2) === T_NIL) throw new HostLibError('table index is nil', false);
    if (m._lua_type(T, -2) === T_NUMBER && !m._lua_isinteger(T, -2) && Number.isNaN(m._lua_tonumberx(T, -2, 0))) throw new HostLibError('table index is NaN', false);
    m._lua_rawset(T, -3);
  }

  /** Pushes the item at `pos`: a scalar (null returned), or a new table to fill. */
  private item(T: number): Open | null {
    const m = this.m;
    const b = this.input;
    const at = this.pos;
    this.need(1);
    this.reserve(T, TOO_MANY_VALUES);
    this.used++;
    const tag = b[at];
    if (tag <= 0x7f || tag >= 0xe0) {
      pushNumber51(m, T, tag <= 0x7f ? tag : tag - 0x100);
      this.pos += 1;
      return null;
    }
    if (tag >= 0xa0 && tag <= 0xbf) return this.string(T, 1, tag & 0x1f);
    if (tag >= 0x90 && tag <= 0x9f) return this.open(T, 1, tag & 0xf, false);
    if (tag >= 0x80 && tag <= 0x8f) return this.open(T, 1, tag & 0xf, true);
    switch (tag) {
      case 0xc0:
        m._lua_pushnil(T);
        this.pos += 1;
        return null;
      case 0xc2:
      case 0xc3:
        m._lua_pushboolean(T, tag & 1);
        this.pos += 1;
        return null;
      case 0xcc:
        return this.number(T, 2, readUInt8);
      case 0xcd:
        return this.number(T, 3, readUInt16);
      case 0xce:
        return this.number(T, 5, readUInt32);
      case 0xcf:
      case 0xd3:
        // Both as int64 (Redis's lua_pushinteger of a uint64 wraps), then a double.
        return this.number(T, 9, readInt64);
      case 0xd0:
        return this.number(T, 2, readInt8);
      case 0xd1:
        return this.number(T, 3, readInt16);
      case 0xd2:
        return this.number(T, 5, readInt32);
      case 0xca:
        return this.number(T, 5, readFloat);
      case 0xcb:
        return this.number(T, 9, readDouble);
      case 0xd9:
        this.need(2);
        return this.string(T, 2, b.readUInt8(at + 1));
      case 0xda:
        this.need(3);
        return this.string(T, 3, b.readUInt16BE(at + 1));
      case 0xdb:
        this.need(5);
        return this.string(T, 5, b.readUInt32BE(at + 1));
      case 0xdc:
        this.need(3);
        return this.open(T, 3, b.readUInt16BE(at + 1), false);
      case 0xdd:
        this.need(5);
        return this.open(T, 5, b.readUInt32BE(at + 1), false);
      case 0xde:
        this.need(3);
        return this.open(T, 3, b.readUInt16BE(at + 1), true);
      case 0xdf:
        this.need(5);
        return this.open(T, 5, b.readUInt32BE(at + 1), true);
      default:
        throw new BadFormat();
    }
  }

  /** A number item of `size` bytes (its value read by `read` once they are known to be there). */
  private number(T: number, size: number, read: (b: Buffer, at: number) => number): null {
    this.need(size);
    pushNumber51(this.m, T, read(this.input, this.pos + 1));
    this.pos += size;
    return null;
  }

  private string(T: number, header: number, n: number): null {
    this.need(header + n);
    this.stack.pushBytes(T, this.input, this.pos + header, this.pos + header + n);
    this.pos += header + n;
    return null;
  }

  /** A new table of `n` items, not presized (as lua_newtable: a table with holes has 5.1's length, and a claimed size costs nothing). */
  private open(T: number, header: number, n: number, map: boolean): Open {
    this.pos += header;
    this.m._lua_createtable(T, 0, 0);
    if (!map) this.reserve(T, 'stack overflow (in function mp_decode_to_lua_array)');
    return { map, left: n, index: 1, haveKey: false, fresh: true };
  }

  private need(n: number): void {
    if (this.input.length - this.pos < n) throw new Truncated();
  }

  /** luaL_checkstack(L, 1, ...) as Redis's Lua 5.1 would answer it (its 8,000-slot bound), and room here. */
  private reserve(T: number, message: string): void {
    if (this.used + 1 > MAX_C_STACK || this.m._lua_checkstack(T, 3) === 0) throw new HostLibError(message);
  }
}

/** C's (int) of a count or offset in lua-cmsgpack's messages. */
function int32(n: number): number {
  return Number.isSafeInteger(n) ? Number(BigInt.asIntN(32, BigInt(n))) : n | 0;
}
