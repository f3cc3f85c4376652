import { createHash } from 'node:crypto';
import { LUA_ERR } from './errors';
import { LuaFactory } from 'wasmoon';
import { PRELUDE, PRELUDE_HEAD, PRELUDE_TAIL } from './prelude';
import { registerCjson } from './cjson';
import { registerCmsgpack } from './cmsgpack';
import { registerStruct } from './struct';
import { DEBUG_SIZE, PRELUDE_SOURCE, runErrorText } from './failure';
import { ProtectedState } from './protected';
import { LATER, Run, type RunEngine, type ScriptHost, type Step } from './run';
import { EncodedReply, isError, type Reply } from './values';
import { CallArgsReader } from './call-args';
import { RespPusher } from './resp-push';
import { unwrapped, watchInstances, type Instance } from './wasm-exports';

const LUA_OK = 0;
const LUA_YIELD = 1;
const LUA_REGISTRYINDEX = -1001000;
/** lua_upvalueindex(1). */
const UPVALUE_1 = LUA_REGISTRYINDEX - 1;
const MASK_COUNT = 8;
const MASK_LINE = 4;
/** Instructions between two looks at the clock. */
const HOOK_EVERY = 10_000;

export interface EngineOptions {
  /** Test only: scripts get redis.__kv_fault('panic' | 'trap'), which breaks the engine as a bug in it would. */
  testFaults?: boolean;
  /** Test only: create() fails, as when the wasm cannot be loaded. */
  failStart?: boolean;
}

/** sha1 of a script body (latin1), lower-case hex, as Redis names scripts. */
export function sha1hex(body: string): string {
  return createHash('sha1').update(body, 'latin1').digest('hex');
}

/**
 * One Lua state (wasmoon: Lua 5.4 compiled to WebAssembly, a fresh wasm instance per engine)
 * with Redis's sandbox (prelude.ts) and the scripts compiled in it, by sha1. Each run is a
 * coroutine of its own whose first arguments are its globals, KEYS and ARGV: runs never see each
 * other's, and one that waits for a reply from another worker lets others run meanwhile. A run
 * still going `limitMs` after it started is stopped with an error.
 *
 * Its state is kept whole as protected.ts says; should it fail anyway (a panic, a trap), every
 * later call throws LuaEngineFailed and `onFailure` is told once (scripts.ts makes a new engine).
 */
export class LuaEngine extends ProtectedState implements RunEngine {
  /** Compiled scripts: registry refs by sha1. */
  private readonly compiled = new Map<string, number>();
  private current: Run | null = null;
  private readonly nresPtr: number;
  private readonly debugPtr: number;
  private readonly hook: number;
  /** Where a call that waited goes on (lua_yieldk's continuation). */
  private readonly continuation: number;
  /** Registry ref of the globals proxy every run gets as its _ENV. */
  private envRef = 0;
  /** A redis.call's arguments off the stack, and its reply onto it, with no JS value per element. */
  private readonly callArgs: CallArgsReader;
  private readonly replies: RespPusher;

  static async create(options: EngineOptions = {}): Promise<LuaEngine> {
    if (options.failStart) throw new Error('test fault: the engine failed to start');
    const made = await watchInstances(() => new LuaFactory().createEngine({ openStandardLibs: true, injectObjects: false, enableProxy: false }));
    try {
      return new LuaEngine(made.value, made.instances, options);
    } finally {
      made.release();
    }
  }

  private constructor(engine: any, instances: readonly Instance[], options: EngineOptions) {
    super(unwrapped(engine.global.lua.module, instances), engine.global.address);
    const m = this.m;
    const L = this.L;
    this.nresPtr = m._malloc(8);
    this.debugPtr = m._malloc(DEBUG_SIZE);
    this.callArgs = new CallArgsReader(m, this.stack, m._malloc(8));
    this.replies = new RespPusher(m, this.stack);
    this.hook = m.addFunction((T: number) => this.onHook(T), 'vii');
    this.continuation = m.addFunction((T: number, _status: number, raise: number) => this.safely(T, (T) => this.delivered(T, raise !== 0)), 'iiii');
    const fn = (name: string, f: (T: number) => number): void => {
      m._lua_pushcclosure(L, m.addFunction(this.hostFunction(f), 'ii'), 0);
      this.stack.withName(name, (ptr) => m._lua_setglobal(L, ptr));
    };
    fn('__kv_call', (T) => this.hostCall(T, true));
    fn('__kv_pcall', (T) => this.hostCall(T, false));
    fn('__kv_sha1', (T) => {
      this.stack.pushString(T, sha1hex(this.stack.stringAt(T, 1)));
      return 1;
    });
    fn('__kv_log', (T) => {
      this.current?.host.log?.(Number(m._lua_tointegerx(T, 1, 0)), this.stack.stringAt(T, 2));
      return 0;
    });
    // A C closure over a Lua function (prelude.ts's cwrap): calls it with the arguments it got.
    const trampoline = m.addFunction(this.hostFunction((T) => {
      m._lua_pushvalue(T, UPVALUE_1);
      m._lua_rotate(T, 1, 1);
      m._lua_callk(T, m._lua_gettop(T) - 1, -1, 0, 0);
      return m._lua_gettop(T);
    }), 'ii');
    fn('__kv_cwrap', (T) => {
      m._lua_settop(T, 1);
      m._lua_pushcclosure(T, trampoline, 1);
      return 1;
    });
    fn('__kv_null', (T) => {
      m._lua_pushlightuserdata(T, 0);
      return 1;
    });
    registerCjson(m, this.stack, fn);
    registerCmsgpack(m, this.stack, fn);
    registerStruct(m, this.stack, fn);
    if (options.testFaults) fn('__kv_fault', (T) => this.fault(this.stack.stringAt(T, 1)));
    const failed = this.protect(() => this.stack.keepKeys(L));
    if (failed !== null) throw new Error(`Lua engine setup failed: ${failed}`);
    if (this.stack.loadChunk(L, PRELUDE_HEAD + PRELUDE + PRELUDE_TAIL, PRELUDE_SOURCE) !== LUA_OK || m._lua_pcallk(L, 0, 1, 0, 0, 0) !== LUA_OK) {
      throw new Error(`Lua prelude failed: ${this.stack.stringAt(L, -1)}`);
    }
    this.envRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Compiles a script as `sha`: null, or Redis's compile error. */
  compile(sha: string, body: string): string | null {
    return this.guard(() => {
      if (this.compiled.has(sha)) return null;
      let error: string | null = null;
      const failed = this.protect(() => {
        const L = this.L;
        // _ENV, KEYS and ARGV: the chunk's arguments, as locals on its first line (line numbers stay).
        if (this.stack.loadChunk(L, `local _ENV, KEYS, ARGV = ... ${body}`, '@user_script') !== LUA_OK) {
          // Lua 5.4 says near <eof>, Lua 5.1 (Redis) near '<eof>'.
          error = LUA_ERR.compile(this.stack.stringAt(L, -1).replace(/near <eof>$/, "near '<eof>'"));
          this.m._lua_settop(L, -2);
          return;
        }
        this.compiled.set(sha, this.m._luaL_ref(L, LUA_REGISTRYINDEX));
      });
      return failed === null ? error : LUA_ERR.compile(failed);
    });
  }

  has(sha: string): boolean {
    return this.compiled.has(sha);
  }

  /** Forgets a compiled script (runs under way keep theirs). */
  drop(sha: string): void {
    const ref = this.compiled.get(sha);
    if (ref === undefined || this.failure !== null) return;
    this.compiled.delete(sha);
    this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  /** Bytes of the engine's WebAssembly memory: what the process holds for Lua (it grows, and is never given back). */
  vmBytes(): number {
    return this.failure !== null ? 0 : (this.m.HEAPU8.byteLength as number);
  }

  /** Starts a compiled script (the caller checked `has`); the first resume() runs it. */
  start(sha: string, keys: readonly string[], argv: readonly string[], host: ScriptHost, limitMs: number): Run {
    return this.guard(() => {
      const m = this.m;
      const fnRef = this.compiled.get(sha)!;
      let T = 0;
      let threadRef = 0;
      const failed = this.protect(() => {
        T = m._lua_newthread(this.L);
        threadRef = m._luaL_ref(this.L, LUA_REGISTRYINDEX);
        m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(fnRef));
        m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.envRef));
        this.stack.pushList(T, keys);
        this.stack.pushList(T, argv);
      });
      if (failed !== null) {
        if (threadRef !== 0) this.release(threadRef);
        return new Run(this, 0, 0, host, limitMs, sha, LUA_ERR.failed(failed));
      }
      m._lua_sethook(T, this.hook, MASK_COUNT, HOOK_EVERY);
      return new Run(this, T, threadRef, host, limitMs, sha);
    });
  }

  /** @internal Resumes a run's coroutine with `nargs` values pushed. */
  resumeRun(run: Run, nargs: number): Step {
    return this.guard(() => {
      const m = this.m;
      const T = run.T;
      const outer = this.current;
      this.current = run;
      const started = performance.now();
      let status: number;
      try {
        status = m._lua_resume(T, this.L, nargs, this.nresPtr);
      } finally {
        run.spentMs += performance.now() - started;
        this.current = outer;
      }
      const nres = m.HEAP32[this.nresPtr >> 2];
      if (status === LUA_YIELD) {
        m._lua_settop(T, 0);
        if (run.waiting) return { done: false };
        run.end();
        return { done: true, result: { err: LUA_ERR.yieldOutside } };
      }
      let result: Reply = null;
      if (run.killed) result = { err: LUA_ERR.killed(run.limitMs) };
      else if (status !== LUA_OK) result = { err: runErrorText(m, this.stack, T, run.sha, this.debugPtr) };
      else if (nres > 0) {
        // The first result only, as Redis's: the rest are dropped.
        m._lua_settop(T, m._lua_gettop(T) - nres + 1);
        result = this.stack.popResult(T);
      }
      run.end();
      return { done: true, result };
    });
  }

  /** @internal Drops a finished run's coroutine. */
  release(threadRef: number): void {
    if (this.failure === null) this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, threadRef);
  }

  /**
   * redis.call / redis.pcall: the arguments as Args, the host's reply pushed; an error reply
   * raised by redis.call. A reply that comes later: the script yields, and delivered() goes on.
   */
  private hostCall(T: number, raise: boolean): number {
    const m = this.m;
    const run = this.current;
    const n = m._lua_gettop(T);
    // A script that waits on other workers spends little CPU but holds them: the limit is time since it started.
    if (run !== null && (run.killed || run.overTime())) return this.kill(run, T);
    if (run === null) return this.answer(T, { err: LUA_ERR.callOutsideRun }, raise);
    if (n < 1) return this.answer(T, { err: LUA_ERR.noCallArgs }, raise);
    const args = this.callArgs.read(T, n);
    if (args === null) return this.answer(T, { err: LUA_ERR.callArgTypes }, raise);
    let reply: Reply | EncodedReply | typeof LATER;
    try {
      // A coroutine of the script's own would take the yield of a call that waits for its reply.
      if (T !== run.T) return this.answer(T, { err: LUA_ERR.callInCoroutine }, raise);
      reply = run.host.call(args, raise);
    } finally {
      this.callArgs.release(args);
    }
    if (reply !== LATER) return this.answer(T, reply, raise);
    run.waiting = true;
    return m._lua_yieldk(T, 0, raise ? 1 : 0, this.continuation);
  }

  /** A call's reply came (Run.resume): the script goes on with it. */
  private delivered(T: number, raise: boolean): number {
    const run = this.current!;
    run.waiting = false;
    const reply = run.reply;
    run.reply = null;
    return this.answer(T, reply, raise);
  }

  /** A call's reply to the script: pushed, and raised when it is an error and the call was redis.call. */
  private answer(T: number, reply: Reply | EncodedReply, raise: boolean): number {
    let error: boolean;
    if (reply instanceof EncodedReply) error = this.replies.push(T, reply);
    else {
      this.stack.pushValue(T, reply, 0);
      error = isError(reply);
    }
    return raise && error ? this.m._lua_error(T) : 1;
  }

  private onHook(T: number): void {
    const run = this.current;
    if (run === null) return;
    if (!run.killed && !run.overTime()) return;
    this.kill(run, T);
  }

  /** Stops a run: raised now and again on every line, so that a pcall in the script cannot carry on. */
  private kill(run: Run, T: number): number {
    run.killed = true;
    this.m._lua_sethook(T, this.hook, MASK_LINE | MASK_COUNT, 1);
    this.stack.pushString(T, 'Script killed');
    return this.m._lua_error(T);
  }
}

export { LATER, Run, type ScriptHost, type Step };
