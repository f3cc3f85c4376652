import type { Args } from '@kv/wire';
import { LATER, LuaScripts, type Reply, type ScriptHost } from '../src';

/**
 * A host for the engine alone that keeps keys in a Map (SET, GET, INCR), and LATER: a call
 * answered later (the run waits, resumed with 'later reply').
 */
export function mapHost(store = new Map<string, string>()): ScriptHost {
  return {
    call(args: Args): Reply | typeof LATER {
      const [name, ...a] = Array.from({ length: args.count }, (_, i) => args.latin1(i));
      switch (name.toUpperCase()) {
        case 'SET':
          store.set(a[0], a[1]);
          return { ok: 'OK' };
        case 'GET':
          return store.get(a[0]) ?? null;
        case 'INCR': {
          const n = BigInt(store.get(a[0]) ?? '0') + 1n;
          store.set(a[0], String(n));
          return n;
        }
        case 'PING':
          return a.length > 0 ? a[0] : { ok: 'PONG' };
        case 'LATER':
          return LATER;
        default:
          return { err: 'ERR Unknown Redis command called from script' };
      }
    },
  };
}

/** EVAL on the engine alone: compiles (an EVAL script), runs to the end, its result. */
export function evalOn(scripts: LuaScripts, host: ScriptHost, body: string, keys: string[] = [], argv: string[] = [], limitMs = 1000): Reply {
  const added = scripts.add(body, 'eval');
  if ('error' in added) return { err: added.error };
  const run = scripts.start(added.sha, keys, argv, host, limitMs);
  let step = run.resume();
  while (!step.done) step = run.resume('later reply');
  return step.result;
}
