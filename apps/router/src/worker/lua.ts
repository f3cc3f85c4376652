import type { EngineOptions } from '@kv/lua';
import { Scripts } from '../coord/scripts';
import { log } from '../log';

/** A worker's scripts and Lua engine, whose failures and replacements it logs. */
export function workerScripts(self: number, luaTimeLimit: number, restarts: number): Scripts {
  return new Scripts(luaTimeLimit, luaTestHooks(process.env, restarts), {
    failed: (failure) => log('error', 'Lua engine failed; replacing it before it runs another script', { worker: self, error: failure.message }),
    replaced: (scripts, dropped) => log('warn', 'Lua engine replaced', { worker: self, scripts, dropped }),
    replaceFailed: (err) => log('error', 'Lua engine could not be replaced; trying again in 1 s', { worker: self, error: err.message }),
  });
}

/**
 * Test only (e2e-lua-engine.test.ts), off unless set: KV_TEST_LUA_FAULTS=1 gives scripts
 * redis.__kv_fault('panic' | 'trap'), which breaks the engine as a bug in it would;
 * KV_TEST_LUA_START_FAILURES=n makes the engine fail to start in a worker's first n starts.
 */
function luaTestHooks(env: NodeJS.ProcessEnv, restarts: number): EngineOptions {
  return { testFaults: env.KV_TEST_LUA_FAULTS === '1', failStart: restarts < Number(env.KV_TEST_LUA_START_FAILURES ?? 0) };
}
