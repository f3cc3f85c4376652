import { argsOf, ReplyKind, ReplyMode } from '@kv/wire';
import { commandNamed, type ScriptStore } from '@kv/node';
import { EVAL_SCRIPTS_LIMIT, LuaScripts, type EngineEvents, type EngineOptions, type LuaEngine, type ScriptKind } from '@kv/lua';
import type { Pending } from '../links/types';
import type { OwnerSet } from './plan';
import { CallScratch } from './script-calls';
import { scriptMayPublish } from './script-keys';

const SCRIPTSTORE = commandNamed('SCRIPTSTORE');
const SCRIPTDUMP = commandNamed('SCRIPTDUMP');
/** A worker keeps at most this many EVAL scripts whatever its peers' SCRIPTSTOREs said (they may race). */
const LOCAL_EVAL_LIMIT = 2 * EVAL_SCRIPTS_LIMIT;

/** The workers a script is shared with, as Scripts sees them. */
export type SharePeers = Pick<OwnerSet, 'self' | 'isUp' | 'request'>;

/**
 * A script sent to every other worker (SCRIPTSTORE), done once each has answered: then every
 * worker that was up has it, and `everywhere` says whether all said OK.
 */
export class Share {
  private remaining: number;
  everywhere = true;
  private waiters: (() => void)[] = [];

  constructor(peers: number) {
    this.remaining = peers;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  /** Calls `then` once done (at once if it is). */
  whenDone(then: () => void): void {
    if (this.done) then();
    else this.waiters.push(then);
  }

  answered(ok: boolean): void {
    if (!ok) this.everywhere = false;
    if (--this.remaining > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const then of waiters) then();
  }
}

/**
 * A worker's scripts (@kv/lua's LuaScripts: the cache, and the engine, replaced if it fails) and
 * how every worker keeps every script. A script's first EVAL or SCRIPT LOAD on a worker compiles
 * it there, then sends it to every other worker (SCRIPTSTORE kind body [evicted...]); the reply
 * waits until each has answered, so once EVAL or SCRIPT LOAD answered, EVALSHA finds the script
 * on every worker. A body this worker shared with all and is still cached costs nothing more.
 * Eviction (Redis 7.4's: EVAL scripts past 500, least recently used first) is decided by the
 * worker bringing a script in, which names its victims in that SCRIPTSTORE: every worker evicts
 * the same ones. A worker that starts (after a crash, or added by a resize) copies a peer's
 * cache (SCRIPTDUMP) before it says it is ready.
 */
export class Scripts implements ScriptStore {
  readonly lua: LuaScripts;
  /** Scripts this worker sent to every worker and all said OK (until evicted or flushed). */
  private readonly everywhere = new Set<string>();
  /** Shares under way, by sha: a concurrent EVAL of the same body waits for the same one. */
  private readonly sharing = new Map<string, Share>();
  /** mayPublish()'s answers by sha. */
  private readonly publishing = new Map<string, boolean>();
  /** Where scripts' calls' replies are read back (one per worker: each is read at once). */
  readonly calls = new CallScratch();

  constructor(
    /** Milliseconds a script may run, from its start, before it is stopped (--lua-time-limit; CONFIG SET changes it for the next script). */
    public limitMs: number,
    options: EngineOptions = {},
    events: EngineEvents = {},
  ) {
    this.lua = new LuaScripts(options, events);
  }

  get engine(): LuaEngine | null {
    return this.lua.engine;
  }

  get ready(): Promise<LuaEngine> {
    return this.lua.ready;
  }

  has(sha: string): boolean {
    return this.lua.has(sha);
  }

  bodyOf(sha: string): string | undefined {
    return this.lua.cache.bodyOf(sha);
  }

  /** scriptMayPublish of a cached script, read off its body once (a queue's bodies are kilobytes, run thousands of times). */
  mayPublish(sha: string, workers: number): boolean {
    if (workers <= 1) return false;
    let publishes = this.publishing.get(sha);
    if (publishes === undefined) {
      const body = this.bodyOf(sha);
      if (body === undefined) return false;
      publishes = scriptMayPublish(workers, body);
      // A sha names one body for good: an entry is never stale, only kept; the bound keeps it small.
      if (this.publishing.size >= LOCAL_EVAL_LIMIT) this.publishing.clear();
      this.publishing.set(sha, publishes);
    }
    return publishes;
  }

  /**
   * Compiles and keeps a script brought in here by EVAL ('eval') or SCRIPT LOAD ('load'), and
   * (`share`) sends it to every other worker unless it is known to be everywhere already (a
   * SCRIPT LOAD always goes, to keep it for good everywhere). Needs the engine (the caller waits
   * for `ready`). Returns its sha and the share to wait for (null: nothing to wait for), or
   * Redis's compile error.
   */
  admit(body: string, kind: ScriptKind, owners: SharePeers, workers: number, share: boolean): { sha: string; share: Share | null } | { error: string } {
    const added = this.lua.add(body, kind);
    if ('error' in added) return added;
    const sha = added.sha;
    const victims = added.added ? this.lua.cache.victims(sha) : [];
    this.evict(victims);
    if (!share || (kind === 'eval' && this.everywhere.has(sha))) return { sha, share: null };
    const pending = this.sharing.get(sha);
    if (pending !== undefined && kind === 'eval') return { sha, share: pending };
    return { sha, share: this.send(sha, kind, body, victims, owners, workers) };
  }

  /**
   * SCRIPTSTORE from a peer (or a copy of a peer's cache): compiles and keeps it (with the next
   * engine, if this one is being replaced), and evicts what the peer named.
   */
  store(kind: string, body: string, victims: readonly string[]): string | null {
    const error = this.lua.keep(body, kind === 'load' ? 'load' : 'eval');
    if (error !== null) return error;
    this.evict(victims);
    // Only when peers' SCRIPTSTOREs raced each other far past the bound (they name victims as if alone).
    if (this.lua.cache.evalCount > LOCAL_EVAL_LIMIT) this.evict(this.lua.cache.victims());
    return null;
  }

  /** SCRIPTDUMP: every script, as kind and body pairs, loaded ones first, then EVAL ones least recently used first. */
  dump(): string[] {
    const out: string[] = [];
    for (const { kind, body } of this.lua.cache.list()) out.push(kind, body);
    return out;
  }

  /** SCRIPT FLUSH (here, or from a peer). */
  flush(): void {
    this.lua.flush();
    this.everywhere.clear();
  }

  /**
   * Copies the scripts of the first other worker that is up (SCRIPTDUMP): a worker that starts
   * empty (restarted after a crash, or added by a resize) gets them before it says it is ready.
   * Resolves with how many it kept, or null when no peer answered.
   */
  copyFromPeer(owners: SharePeers, workers: number): Promise<number | null> {
    let peer = -1;
    for (let w = 0; w < workers && peer < 0; w++) if (w !== owners.self && owners.isUp(w)) peer = w;
    if (peer < 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      owners.request(peer, SCRIPTDUMP.opcode, argsOf([SCRIPTDUMP.name]), {
        client: { failed: () => resolve(null) },
        mode: ReplyMode.FORM,
        settle: (kind, _payload, items) => {
          if (kind !== ReplyKind.ARRAY || items === undefined) return resolve(null);
          let kept = 0;
          for (let i = 0; i + 1 < items.length; i += 2) if (items[i + 1] !== undefined && this.store(items[i] ?? 'eval', items[i + 1]!, []) === null) kept++;
          resolve(kept);
        },
      });
    });
  }

  /** What INFO reports. */
  get figures(): { count: number; bytes: number; vmBytes: number; evicted: number } {
    const cache = this.lua.cache;
    return { count: cache.size, bytes: cache.bytes, vmBytes: this.lua.vmBytes(), evicted: cache.evicted };
  }

  private evict(victims: readonly string[]): void {
    if (victims.length === 0) return;
    this.lua.evict(victims);
    for (const sha of victims) this.everywhere.delete(sha);
  }

  /** SCRIPTSTORE to every other worker that is up; the share is done once all answered. */
  private send(sha: string, kind: ScriptKind, body: string, victims: readonly string[], owners: SharePeers, workers: number): Share {
    const peers: number[] = [];
    for (let w = 0; w < workers; w++) if (w !== owners.self && owners.isUp(w)) peers.push(w);
    const share = new Share(peers.length);
    if (peers.length === 0) {
      this.everywhere.add(sha);
      return share;
    }
    this.sharing.set(sha, share);
    share.whenDone(() => {
      if (this.sharing.get(sha) === share) this.sharing.delete(sha);
      if (share.everywhere && this.lua.has(sha)) this.everywhere.add(sha);
    });
    const args = argsOf([SCRIPTSTORE.name, kind, body, ...victims]);
    const slot: Pending = {
      client: { failed: () => share.answered(false) },
      mode: ReplyMode.FORM,
      settle: (replyKind) => share.answered(replyKind !== ReplyKind.ERROR),
    };
    for (const w of peers) owners.request(w, SCRIPTSTORE.opcode, args, slot);
    return share;
  }
}
