import { argsOf, ReplyMode } from '@kv/wire';
import { commandNamed, type ScriptStore } from '@kv/node';
import { LuaEngine } from '@kv/lua';
import type { Pending } from '../links/types';
import type { Owners } from './owners';

const SCRIPTSTORE = commandNamed('SCRIPTSTORE');

/** A reply nobody waits for (a script shared with a peer after EVAL). */
const IGNORED: Pending = { client: { failed: () => {} }, mode: ReplyMode.FORM, settle: () => {} };

/**
 * A worker's Lua engine and script cache (@kv/lua), started with the worker. Every worker keeps
 * every script: SCRIPT LOAD, SCRIPT FLUSH and a new script's first EVAL reach them all
 * (SCRIPTSTORE / SCRIPTFLUSH, apps/node/src/commands/scripting.ts), so EVALSHA works on any
 * connection.
 */
export class Scripts implements ScriptStore {
  engine: LuaEngine | null = null;
  readonly ready: Promise<LuaEngine>;

  constructor(
    /** Milliseconds a script may run, from its start, before it is stopped (--lua-time-limit). */
    readonly limitMs: number,
  ) {
    this.ready = LuaEngine.create().then((engine) => (this.engine = engine));
    // A failure is answered to each script that waits for it (Script.run).
    this.ready.catch(() => {});
  }

  /** SCRIPTSTORE from a peer: compiles and keeps it (once the engine is up, if it is not yet). */
  store(body: string): string | null {
    if (this.engine === null) {
      void this.ready.then((engine) => engine.load(body));
      return null;
    }
    const loaded = this.engine.load(body);
    return 'error' in loaded ? loaded.error : null;
  }

  flush(): void {
    this.engine?.flush();
  }

  /** Gives a script compiled here to every other worker, without waiting for them (EVAL). */
  share(body: string, owners: Owners, workers: number): void {
    const args = argsOf(['SCRIPTSTORE', body]);
    for (let w = 0; w < workers; w++) {
      if (w !== owners.self && owners.peers.isUp(w)) owners.peers.request(w, SCRIPTSTORE.opcode, args, IGNORED);
    }
  }
}
