import { createHash } from 'node:crypto';
import { LuaFactory } from 'wasmoon';
import { PRELUDE } from './prelude';
import { registerCjson } from './cjson';
import { LuaStack, T_NIL, T_NUMBER, T_STRING, T_TABLE } from './stack';
import { isError, type Reply } from './values';

/** wasmoon's Emscripten module: the Lua C API as exported functions over the wasm heap. */
type Module = any;

const LUA_OK = 0;
const LUA_YIELD = 1;
const LUA_REGISTRYINDEX = -1001000;
const MASK_COUNT = 8;
const MASK_LINE = 4;
/** Instructions between two looks at the clock. */
const HOOK_EVERY = 10_000;

/** What a running script asks of the server: one command, answered now or later. */
export interface ScriptHost {
  /** Runs argv; its reply now, or `LATER` when it will come by Run.resume. */
  call(argv: string[], raise: boolean): Reply | typeof LATER;
  log?(level: number, message: string): void;
}

export const LATER: unique symbol = Symbol('later');

/** What a step of a run came to: done with its result, or waiting for a command's reply. */
export type Step = { done: true; result: Reply } | { done: false };

/** sha1 of a script body (latin1), lower-case hex, as Redis names scripts. */
export function sha1hex(body: string): string {
  return createHash('sha1').update(body, 'latin1').digest('hex');
}

/**
 * One Lua state (wasmoon: Lua 5.4 compiled to WebAssembly) with Redis's sandbox (prelude.ts)
 * and a cache of compiled scripts by sha1. Each run is a coroutine of its own: while one waits
 * for a reply from another worker, another may run; a run's KEYS and ARGV are locals of its
 * chunk, not globals, so runs never see each other's. A run still going `limitMs` after it started
 * (waiting for other workers included) is stopped with an error.
 */
export class LuaEngine {
  private readonly m: Module;
  private readonly L: number;
  /** Compiled scripts: registry refs by sha1, and their bodies (a script sent whole to another worker). */
  private readonly scripts = new Map<string, number>();
  private readonly bodies = new Map<string, string>();
  private current: Run | null = null;
  private readonly lenPtr: number;
  private readonly nresPtr: number;
  private readonly hook: number;
  /** Where a call that waited goes on (lua_yieldk's continuation). */
  private continuation = 0;
  private readonly stack: LuaStack;

  static async create(): Promise<LuaEngine> {
    const engine = await new LuaFactory().createEngine({ openStandardLibs: true, injectObjects: false, enableProxy: false });
    return new LuaEngine(engine);
  }

  private constructor(engine: any) {
    const m = (this.m = engine.global.lua.module);
    const L = (this.L = engine.global.address);
    this.lenPtr = m._malloc(8);
    this.nresPtr = m._malloc(8);
    this.stack = new LuaStack(m, L, this.lenPtr);
    this.hook = m.addFunction((T: number) => this.onHook(T), 'vii');
    const fn = (name: string, f: (T: number) => number): void => {
      m._lua_pushcclosure(L, m.addFunction(f, 'ii'), 0);
      this.stack.setGlobal(name);
    };
    const k = m.addFunction((T: number, _status: number, raise: number) => this.delivered(T, raise !== 0), 'iiii');
    this.continuation = k;
    fn('__kv_call', (T) => this.hostCall(T, true));
    fn('__kv_pcall', (T) => this.hostCall(T, false));
    fn('__kv_sha1', (T) => {
      this.stack.pushString(T, sha1hex(this.stack.stringAt(T, 1)));
      return 1;
    });
    registerCjson(m, this.stack, fn);
    fn('__kv_log', (T) => {
      this.current?.host.log?.(Number(m._lua_tointegerx(T, 1, 0)), this.stack.stringAt(T, 2));
      return 0;
    });
    if (this.stack.loadChunk(L, PRELUDE, '=prelude') !== LUA_OK || m._lua_pcallk(L, 0, 0, 0, 0, 0) !== LUA_OK) {
      throw new Error(`Lua prelude failed: ${this.stack.stringAt(L, -1)}`);
    }
  }

  /** Compiles a script into the cache: its sha1, or Redis's compile error. */
  load(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return { sha };
    const L = this.L;
    // KEYS and ARGV: the chunk's arguments, as locals on its first line (line numbers stay).
    if (this.stack.loadChunk(L, `local KEYS, ARGV = ... ${body}`, '@user_script') !== LUA_OK) {
      const message = this.stack.stringAt(L, -1);
      this.m._lua_settop(L, -2);
      // Lua 5.4 says near <eof>, Lua 5.1 (Redis) near '<eof>'.
      return { error: `ERR Error compiling script (new function): ${message.replace(/near <eof>$/, "near '<eof>'")}` };
    }
    this.scripts.set(sha, this.m._luaL_ref(L, LUA_REGISTRYINDEX));
    this.bodies.set(sha, body);
    return { sha };
  }

  has(sha: string): boolean {
    return this.scripts.has(sha);
  }

  /** The body of a cached script. */
  bodyOf(sha: string): string | undefined {
    return this.bodies.get(sha);
  }

  get size(): number {
    return this.scripts.size;
  }

  /** SCRIPT FLUSH: forgets every script (runs under way keep theirs). */
  flush(): void {
    for (const ref of this.scripts.values()) this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
    this.scripts.clear();
    this.bodies.clear();
  }

  /** Starts a cached script (the caller checked `has`); the first resume() runs it. */
  start(sha: string, keys: readonly string[], argv: readonly string[], host: ScriptHost, limitMs: number): Run {
    const m = this.m;
    const L = this.L;
    const T = m._lua_newthread(L);
    const threadRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.scripts.get(sha)!));
    this.stack.pushList(T, keys);
    this.stack.pushList(T, argv);
    m._lua_sethook(T, this.hook, MASK_COUNT, HOOK_EVERY);
    return new Run(this, T, threadRef, host, limitMs, sha);
  }

  /** @internal Resumes a run's coroutine with `nargs` values pushed. */
  resumeRun(run: Run, nargs: number): Step {
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
      return { done: true, result: { err: 'ERR attempt to yield from a script (coroutine.yield outside a coroutine of its own)' } };
    }
    let result: Reply;
    if (status === LUA_OK) result = nres > 0 ? this.stack.valueAt(T, m._lua_gettop(T) - nres + 1, 0) : null;
    else result = this.errorOf(run, T);
    run.end();
    return { done: true, result };
  }

  /** @internal Drops a finished run's coroutine. */
  release(threadRef: number): void {
    this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, threadRef);
  }

  /** The error reply of a run that failed: Redis's text for a raised reply or a Lua error. */
  private errorOf(run: Run, T: number): Reply {
    const m = this.m;
    if (run.killed) return { err: `ERR Script killed: it ran longer than lua-time-limit (${run.limitMs} ms) and was stopped (writes it made stay)` };
    if (m._lua_type(T, -1) === T_TABLE) {
      // Raised by redis.call (with the line it was called from) or by error({ err = ... }).
      const value = this.stack.valueAt(T, m._lua_gettop(T), 0);
      const line = this.stack.getField(T, m._lua_gettop(T), 'line') === T_NUMBER ? String(m._lua_tointegerx(T, -1, 0)) : '?';
      m._lua_settop(T, -2);
      return { err: `${isError(value) ? value.err : 'ERR unknown error'} script: ${run.sha}, on @user_script:${line}.` };
    }
    const message = this.stack.stringAt(T, -1);
    const line = /^user_script:(\d+):/.exec(message)?.[1] ?? '?';
    return { err: `ERR ${message} script: ${run.sha}, on @user_script:${line}.` };
  }

  /**
   * redis.call / redis.pcall: the arguments as strings, the host's reply pushed; an error reply
   * raised by redis.call, with the script's line. A reply that comes later: the script yields,
   * and delivered() goes on with it.
   */
  private hostCall(T: number, raise: boolean): number {
    const m = this.m;
    const run = this.current;
    const n = m._lua_gettop(T);
    // A script that waits on other workers spends little CPU but holds them: the limit is time since it started.
    if (run !== null && (run.killed || run.overTime())) return this.kill(run, T);
    m._luaL_where(T, 1);
    const line = /:(\d+): $/.exec(this.stack.stringAt(T, -1))?.[1];
    m._lua_settop(T, -2);
    if (run === null) return this.answer(T, { err: 'ERR redis.call used outside of a script' }, raise, line);
    if (n < 1) return this.answer(T, { err: 'ERR Please specify at least one argument for this redis lib call' }, raise, line);
    const argv: string[] = [];
    for (let i = 1; i <= n; i++) {
      const type = m._lua_type(T, i);
      if (type === T_STRING) argv.push(this.stack.stringAt(T, i));
      else if (type === T_NUMBER) argv.push(m._lua_isinteger(T, i) ? String(m._lua_tointegerx(T, i, 0)) : String(m._lua_tonumberx(T, i, 0)));
      else return this.answer(T, { err: 'ERR Lua redis lib command arguments must be strings or integers' }, raise, line);
    }
    // A coroutine of the script's own would take the yield of a call that waits for its reply.
    if (T !== run.T) return this.answer(T, { err: 'ERR redis.call inside a coroutine of the script is not supported' }, raise, line);
    const reply = run.host.call(argv, raise);
    if (reply !== LATER) return this.answer(T, reply, raise, line);
    run.waiting = true;
    run.line = line;
    return m._lua_yieldk(T, 0, raise ? 1 : 0, this.continuation);
  }

  /** A call's reply came (Run.resume): the script goes on with it. */
  private delivered(T: number, raise: boolean): number {
    const run = this.current!;
    run.waiting = false;
    const reply = run.reply;
    run.reply = null;
    return this.answer(T, reply, raise, run.line);
  }

  /** A call's reply to the script: an error one raised by redis.call (with the script's line), else pushed. */
  private answer(T: number, reply: Reply, raise: boolean, line: string | undefined): number {
    if (!raise || !isError(reply)) {
      this.stack.pushValue(T, reply, 0);
      return 1;
    }
    this.stack.pushValue(T, reply, 0);
    if (line !== undefined) {
      this.m._lua_pushinteger(T, BigInt(line));
      this.stack.setField(T, 'line');
    }
    return this.m._lua_error(T);
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

/** One script run: a coroutine, resumed until done; a command it waits for resumes it with its reply. */
export class Run {
  /** CPU spent in Lua so far (every resume), and when the run started (performance.now). */
  spentMs = 0;
  resumedAt = 0;
  startedAt = -1;
  killed = false;
  /** Waiting for a call's reply (yielded by redis.call), its line, and the reply once it came. */
  waiting = false;
  line: string | undefined = undefined;
  reply: Reply = null;
  private ended = false;

  constructor(
    private readonly engine: LuaEngine,
    readonly T: number,
    private readonly threadRef: number,
    readonly host: ScriptHost,
    readonly limitMs: number,
    readonly sha: string,
  ) {}

  /** Runs it until it finishes or waits for a command's reply (`reply`: that reply, to go on with). */
  resume(reply?: Reply): Step {
    this.resumedAt = performance.now();
    if (this.startedAt < 0) this.startedAt = this.resumedAt;
    if (reply === undefined) return this.engine.resumeRun(this, 2);
    this.reply = reply;
    return this.engine.resumeRun(this, 0);
  }

  /** Past the limit since it started, as Redis's lua-time-limit counts (waiting for other workers included). */
  overTime(): boolean {
    return performance.now() - this.startedAt > this.limitMs;
  }

  /** @internal */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.engine.release(this.threadRef);
  }
}
