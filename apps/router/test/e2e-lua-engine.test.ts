import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, respClientOn, startCluster, type Cluster } from './harness';

const sha1 = (s: string) => createHash('sha1').update(s, 'latin1').digest('hex');

/**
 * The Lua engine failing, through the test-only hooks (worker/lua.ts's luaTestHooks):
 * - KV_TEST_LUA_FAULTS=1: a script breaks its worker's engine as a bug would (an unprotected Lua
 *   error, a wasm trap). That script gets an error; the engine is replaced, every cached script
 *   compiled into the new one, before the worker runs another script (one sent meanwhile waits
 *   for it); the worker process and its keys stay; other clients' scripts keep working.
 * - KV_TEST_LUA_START_FAILURES=1: each worker's engine fails at its first start: the worker logs
 *   it and exits, the primary restarts it, and the server then serves scripts.
 */
const t = suite('e2e: a failing Lua engine');
let cluster: Cluster;
const clients: RespClient[] = [];

async function connectTo(worker: number): Promise<RespClient> {
  const c = await respClientOn(cluster.port, worker);
  clients.push(c);
  return c;
}

t.after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

t('a fault in the engine: that script fails, the engine is replaced with every script before the next runs', async () => {
  cluster = await startCluster({ workers: 2, env: { KV_TEST_LUA_FAULTS: '1' } });
  const [c0, c1] = [await connectTo(0), await connectTo(1)];
  const pids = [cluster.workerPid(0), cluster.workerPid(1)];
  const kept = "return 'kept ' .. ARGV[1]";
  assert.is(await c1.call('SCRIPT', 'LOAD', kept), sha1(kept));
  await c0.call('SET', 'engine:key', 'v');
  // Twenty faults in turn: a script pipelined behind one often meets the engine being replaced.
  const kinds = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'panic' : 'trap'));
  for (const [i, kind] of kinds.entries()) {
    // The fault, and right behind it on the same connection a script that must wait for the new engine.
    const [[faulted, after], other] = await Promise.all([
      c0.pipeline([
        ['EVAL', `redis.__kv_fault('${kind}')`, '0'],
        ['EVALSHA', sha1(kept), '0', kind],
      ]),
      c1.call('EVALSHA', sha1(kept), '0', 'elsewhere'),
    ]);
    assert.match((faulted as { error: string }).error, /^ERR script failed: /);
    assert.is(after, `kept ${kind}`);
    assert.is(other, 'kept elsewhere');
    await cluster.waitForLog((l) => l.message === 'Lua engine replaced' && l.worker === 0 && cluster.logs.filter((m) => m.message === 'Lua engine replaced').length === i + 1);
  }
  const failed = cluster.logs.filter((l) => l.message.startsWith('Lua engine failed;'));
  assert.is(failed.length, kinds.length);
  assert.match(String(failed[0].error), /unprotected error in call to Lua API/);
  assert.match(String(failed[1].error), /unreachable/);
  assert.equal([cluster.workerPid(0), cluster.workerPid(1)], pids, 'no worker restarted');
  assert.is(cluster.logs.some((l) => l.message.includes('worker died')), false);
  assert.is(await c0.call('GET', 'engine:key'), 'v');
  assert.is(await c0.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'engine:key'), 'v');
  assert.equal(await c0.call('SCRIPT', 'EXISTS', sha1(kept), sha1("redis.__kv_fault('panic')")), [1, 1]);
  await cluster.stop();
});

t('an engine that cannot start: the worker logs it and exits, the primary restarts it, scripts then run', async () => {
  cluster = await startCluster({ workers: 2, env: { KV_TEST_LUA_START_FAILURES: '1' } });
  const startFailures = cluster.logs.filter((l) => l.message.startsWith('Lua engine failed to start'));
  assert.is(startFailures.length, 2, 'each worker once');
  assert.match(String(startFailures[0].error), /failed to start/);
  assert.is(cluster.logs.filter((l) => l.message.startsWith('worker died')).length, 2);
  const c = await RespClient.connect(cluster.port);
  clients.push(c);
  assert.is(await c.call('EVAL', "return redis.call('PING')", '0'), 'PONG');
  assert.equal(cluster.stderr.join('').match(/Unhandled|unhandled/), null, 'no unhandled rejection');
  await cluster.stop();
});

t.run();
