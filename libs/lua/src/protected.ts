import { LuaEngineFailed } from './failure';
import { LuaStack, T_STRING } from './stack';

const LUA_OK = 0;
/** A wasm trap (not in @types/node's lib). */
const RuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError;

/**
 * A Lua state in wasmoon's WebAssembly module, and the rules that keep it whole: what can raise
 * a Lua error runs protected (protect(), or inside a run's coroutine); a host function never lets
 * a JS exception through Lua's frames (it becomes a Lua error in the script); Lua's panic (an
 * error nothing protected) throws LuaEngineFailed instead of aborting the wasm. Once a JS
 * exception comes out of the wasm anyway, the state is given up: every later call (guard())
 * throws `failure`, and `onFailure` is told once.
 */
export abstract class ProtectedState {
  protected readonly stack: LuaStack;
  failure: LuaEngineFailed | null = null;
  onFailure: ((failure: LuaEngineFailed) => void) | null = null;
  private readonly protectedFn: number;
  private protectedBody: (() => void) | null = null;

  constructor(
    /** wasmoon's Emscripten module: the Lua C API as exported functions over the wasm heap. */
    protected readonly m: any,
    protected readonly L: number,
  ) {
    this.stack = new LuaStack(m, m._malloc(8));
    m._lua_atpanic(L, m.addFunction((P: number) => {
      throw new LuaEngineFailed(`unprotected error in call to Lua API (${this.stack.stringAt(P, -1)})`);
    }, 'ii'));
    this.protectedFn = m.addFunction(this.hostFunction(() => {
      const body = this.protectedBody!;
      this.protectedBody = null;
      body();
      return 0;
    }), 'ii');
  }

  /** Runs `body` in a protected call on the main state: null, or the Lua error it raised. */
  protected protect(body: () => void): string | null {
    const m = this.m;
    const outer = this.protectedBody;
    this.protectedBody = body;
    m._lua_pushcclosure(this.L, this.protectedFn, 0);
    const status = m._lua_pcallk(this.L, 0, 0, 0, 0, 0);
    this.protectedBody = outer;
    if (status === LUA_OK) return null;
    const message = m._lua_type(this.L, -1) === T_STRING ? this.stack.stringAt(this.L, -1) : 'not enough memory';
    m._lua_settop(this.L, -2);
    return message;
  }

  /** Every call into the engine: once it failed, none goes in; a JS exception out of it means it failed. */
  protected guard<R>(f: () => R): R {
    if (this.failure !== null) throw this.failure;
    try {
      return f();
    } catch (err) {
      if (this.failure === null) {
        this.failure = err instanceof LuaEngineFailed ? err : new LuaEngineFailed(`the Lua engine failed: ${(err as Error)?.message ?? String(err)}`);
        this.onFailure?.(this.failure);
      }
      throw this.failure;
    }
  }

  /** A host function as Lua calls it (see safely()). */
  protected hostFunction(f: (T: number) => number): (T: number) => number {
    return (T: number) => this.safely(T, f);
  }

  /**
   * Runs JS called from Lua: a JS exception becomes a Lua error in the script (raised properly,
   * so Lua's state stays whole), except Lua's own error unwinding (Emscripten throws a number for
   * longjmp) and what means the engine itself is broken.
   */
  protected safely(T: number, f: (T: number) => number): number {
    try {
      return f(T);
    } catch (err) {
      if (typeof err === 'number' || err instanceof LuaEngineFailed || err instanceof RuntimeError) throw err;
      if (this.m._lua_checkstack(T, 1) !== 0) this.stack.pushString(T, `internal error: ${(err as Error)?.message ?? String(err)}`);
      return this.m._lua_error(T);
    }
  }

  /** Test only: breaks the engine as a bug would (an unprotected error, or a trap). */
  protected fault(kind: string): number {
    if (kind === 'trap') throw new RuntimeError('unreachable (test fault)');
    this.stack.pushString(this.L, 'test fault');
    return this.m._lua_error(this.L);
  }
}
