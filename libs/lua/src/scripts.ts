import { ScriptCache, type ScriptKind } from './cache';
import { LuaEngine, sha1hex, type EngineOptions } from './engine';
import type { LuaEngineFailed } from './failure';
import type { Run, ScriptHost } from './run';

/** After a replacement engine failed to start, the next try waits this long. */
const RETRY_MS = 1000;

/** What LuaScripts reports (its owner logs it). */
export interface EngineEvents {
  /** The engine failed (a panic, a trap): a new one is being made. */
  failed?(failure: LuaEngineFailed): void;
  /** A new engine is up with every cached script compiled into it (`dropped`: bodies that no longer compiled). */
  replaced?(scripts: number, dropped: number): void;
  /** A replacement could not be made; another try follows in RETRY_MS. */
  replaceFailed?(error: Error): void;
}

/**
 * A worker's scripts: the cache of bodies (cache.ts) and the engine that runs them. The cache is
 * the truth; the engine holds a compiled copy. An engine that fails is dropped at once and a new
 * one made, every cached script compiled into it before it runs anything: until then `engine` is
 * null and `ready` is the promise of the new one (what waits for it goes on then, or gets its
 * error). A script kept while there is no engine is compiled with the others into the next one.
 */
export class LuaScripts {
  readonly cache = new ScriptCache();
  engine: LuaEngine | null = null;
  ready: Promise<LuaEngine>;
  /** Engines replaced after a failure. */
  replacements = 0;
  /** Scripts the last new engine could not compile (dropped from the cache). */
  private dropped = 0;

  constructor(
    private options: EngineOptions = {},
    private readonly events: EngineEvents = {},
  ) {
    this.ready = this.make();
    // The owner decides what a failed first start means (Scripts.ready); a failure here is not unhandled.
    this.ready.catch(() => {});
  }

  /** Compiles (when new) and keeps a script: its sha, whether it is new here, or Redis's compile error. Needs `engine`. */
  add(body: string, kind: ScriptKind): { sha: string; added: boolean } | { error: string } {
    const engine = this.engine!;
    const sha = sha1hex(body);
    if (!this.cache.has(sha) || !engine.has(sha)) {
      const error = engine.compile(sha, body);
      if (error !== null) return { error };
    }
    return { sha, added: this.cache.add(sha, body, kind) };
  }

  /**
   * Keeps a script another worker compiled (SCRIPTSTORE): compiled now when there is an engine
   * (null, or the compile error), else with the others into the next engine.
   */
  keep(body: string, kind: ScriptKind): string | null {
    if (this.engine !== null) {
      const added = this.add(body, kind);
      return 'error' in added ? added.error : null;
    }
    this.cache.add(sha1hex(body), body, kind);
    return null;
  }

  has(sha: string): boolean {
    return this.cache.has(sha);
  }

  /** Evicts EVAL scripts from the cache and the engine: how many were. */
  evict(shas: readonly string[]): number {
    let n = 0;
    for (const sha of shas) {
      if (!this.cache.evict(sha)) continue;
      this.engine?.drop(sha);
      n++;
    }
    return n;
  }

  /** SCRIPT FLUSH: forgets every script (runs under way keep theirs). */
  flush(): void {
    for (const { sha } of this.cache.list()) this.engine?.drop(sha);
    this.cache.clear();
  }

  /** Starts a cached script in the engine (the caller checked `engine` and `has`); used: to the LRU's end. */
  start(sha: string, keys: readonly string[], argv: readonly string[], host: ScriptHost, limitMs: number): Run {
    const engine = this.engine!;
    if (!engine.has(sha)) {
      const error = engine.compile(sha, this.cache.bodyOf(sha)!);
      if (error !== null) throw new Error(error);
    }
    this.cache.touch(sha);
    return engine.start(sha, keys, argv, host, limitMs);
  }

  /** Bytes of the Lua engine's heap (0 while there is none). */
  vmBytes(): number {
    return this.engine?.vmBytes() ?? 0;
  }

  /** A new engine with every cached script compiled into it (one that no longer compiles is dropped). */
  private make(): Promise<LuaEngine> {
    return LuaEngine.create(this.options).then((engine) => {
      engine.onFailure = (failure) => this.failed(engine, failure);
      this.dropped = 0;
      for (const { sha, body } of [...this.cache.list()]) {
        if (engine.compile(sha, body) === null) continue;
        this.cache.delete(sha);
        this.dropped++;
      }
      this.engine = engine;
      return engine;
    });
  }

  /** The engine failed: replaced before anything else runs. */
  private failed(engine: LuaEngine, failure: LuaEngineFailed): void {
    if (this.engine !== engine) return;
    this.engine = null;
    this.events.failed?.(failure);
    this.replace();
  }

  private replace(): void {
    // A replacement is not a first start: a test's failStart applies to the first one only.
    this.options = { ...this.options, failStart: false };
    const attempt = this.make();
    this.ready = attempt;
    attempt.then(
      () => {
        this.replacements++;
        this.events.replaced?.(this.cache.size, this.dropped);
      },
      (err: Error) => {
        this.events.replaceFailed?.(err);
        setTimeout(() => {
          if (this.ready === attempt) this.replace();
        }, RETRY_MS).unref();
      },
    );
  }
}
