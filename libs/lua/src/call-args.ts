import { Args } from '@kv/wire';
import { copyBytes, SCRATCH_KEPT, T_NUMBER, T_STRING, type LuaHeap } from './heap';
import { formatG } from './stack';

/**
 * A redis.call's arguments, read off the Lua stack into Args: each string's bytes copied once
 * from the wasm heap into one buffer, a number as Redis formats it (an integer in full, a float
 * %.17g). One Args and buffer are reused from call to call, as a client's parser reuses its own:
 * valid until the call returns (what outlives it copies them, as for a client's command). A call
 * made while another is still using them (a run inside a call) gets its own.
 */
export class CallArgsReader {
  private buf: Buffer = Buffer.allocUnsafeSlow(1024);
  private readonly args = new Args(16);
  private inUse = false;

  constructor(
    private readonly m: any,
    private readonly heap: LuaHeap,
    private readonly lenPtr: number,
  ) {}

  /** Slots 1..n of T as Args, or null when one is neither a string nor a number. Call release() when the call is done. */
  read(T: number, n: number): Args | null {
    const m = this.m;
    const own = !this.inUse;
    const args = own ? this.args : new Args(n);
    let buf: Buffer = own ? this.buf : Buffer.allocUnsafe(256);
    args.reset(buf);
    let heap = this.heap.heap();
    let at = 0;
    for (let i = 1; i <= n; i++) {
      const type = m._lua_type(T, i);
      let len: number;
      let ptr = 0;
      let text = '';
      if (type === T_STRING) {
        ptr = m._lua_tolstring(T, i, this.lenPtr);
        len = m.HEAPU32[this.lenPtr >> 2];
        // lua_tolstring of a string allocates nothing, but keep the view current all the same.
        heap = this.heap.heap();
      } else if (type === T_NUMBER) {
        text = numberArg(m, T, i);
        len = text.length;
      } else return null;
      if (at + len > buf.length) buf = grown(buf, at, at + len);
      if (type === T_STRING) copyBytes(heap, ptr, ptr + len, buf, at);
      else buf.latin1Write(text, at, len);
      args.push(at, at + len);
      at += len;
    }
    args.buf = buf;
    if (own) {
      this.buf = buf;
      this.inUse = true;
    }
    return args;
  }

  /** The call that read them is done with them (a no-op for one that had its own). */
  release(args: Args): void {
    if (args !== this.args) return;
    this.inUse = false;
    if (this.buf.length > SCRATCH_KEPT) this.buf = Buffer.allocUnsafeSlow(1024);
  }
}

/** A number argument as Redis 7's Lua 5.1 passes it: an integral value in full, others %.17g. */
function numberArg(m: any, T: number, i: number): string {
  if (m._lua_isinteger(T, i) === 0) return formatG(m._lua_tonumberx(T, i, 0), 17);
  const n = m._lua_tonumberx(T, i, 0) as number;
  // Exact as a double up to 2^53; past that, the 64-bit integer itself.
  return Number.isSafeInteger(n) ? String(n) : String(m._lua_tointegerx(T, i, 0));
}

/** A buffer of at least `need` bytes with buf[0, used) copied in. */
function grown(buf: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(need, buf.length * 2));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}
