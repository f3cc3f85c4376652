import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, startCluster, type Cluster, type Resp } from './harness';

const sha1 = (s: string) => createHash('sha1').update(s, 'latin1').digest('hex');

/**
 * Every worker keeps every script, from the moment EVAL or SCRIPT LOAD answers: on each path a
 * script can take (run on the client's worker, sent whole to the one owner of its keys, run under
 * holds of two workers, queued in MULTI, SCRIPT LOAD), EVALSHA sent on a connection of each
 * worker right after the reply finds it, also while another worker is held by a script (the copy
 * waits behind that hold, and so does the reply). The cache is bounded as Redis 7.4's (EVAL
 * scripts past 500 evicted least recently used first, SCRIPT LOAD ones kept), every worker
 * evicting the same; INFO counts it. A worker restarted after a crash copies the cache before it
 * serves. 3 workers: shard s is on worker s mod 3.
 */
const t = suite('e2e: the script cache on every worker');
let cluster: Cluster;
const clients: RespClient[] = [];
/** Connections by the worker serving them. */
const byWorker: RespClient[][] = [[], [], []];
const keys = keysPerShard('sc:', shardOfString);
const [k0, k1, k2] = [keys[0], keys[1], keys[2]];
const ROUNDS = 40;

/** A connection to `worker` (the primary hands connections out in turn; CLIENT ID names the worker). */
async function on(worker: number): Promise<RespClient> {
  for (let tries = 0; tries < 50; tries++) {
    const c = await RespClient.connect(cluster.port);
    clients.push(c);
    const w = (((await c.call('CLIENT', 'ID')) as number) - 1) % 16;
    byWorker[w]?.push(c);
    if (w === worker) return c;
  }
  throw new Error(`no connection reached worker ${worker}`);
}

/** EVALSHA of `sha` at once on a connection of each worker: their replies. */
function everywhere(sha: string, numkeys: string[]): Promise<Resp[]> {
  return Promise.all(byWorker.map((conns) => conns[0].call('EVALSHA', sha, ...numkeys)));
}

t.before(async () => {
  cluster = await startCluster({ workers: 3 });
  for (let w = 0; w < 3; w++) await on(w);
});
t.after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

const PATHS: { name: string; numkeys: () => string[] }[] = [
  { name: "run on the client's worker", numkeys: () => ['1', k0] },
  { name: 'sent whole to the owner (EVALHERE)', numkeys: () => ['1', k1] },
  { name: 'under holds of two workers', numkeys: () => ['2', k0, k1] },
];

for (const [p, path] of PATHS.entries()) {
  t(`EVAL ${path.name}: EVALSHA on every worker finds it as soon as EVAL answered`, async () => {
    const c = byWorker[0][0];
    for (let r = 0; r < ROUNDS; r++) {
      const body = `return 'path ${p} round ${r} ' .. #KEYS -- ${Date.now()}`;
      const numkeys = path.numkeys();
      const expected = `path ${p} round ${r} ${numkeys[0]}`;
      assert.is(await c.call('EVAL', body, ...numkeys), expected);
      assert.equal(await everywhere(sha1(body), numkeys), [expected, expected, expected], `round ${r}`);
    }
  });
}

t("while a script holds another worker, EVAL's reply waits until that worker has the body too", async () => {
  // From worker 2, over keys of workers 1 and 2: holds worker 1, runs (spinning) on worker 2.
  const spinning = byWorker[2][0].call('EVAL', "local s = os.clock() while os.clock() - s < 0.5 do end return redis.call('SET', KEYS[1], 'spun')", '2', k1, k2);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const body = `return 'while held' -- ${Date.now()}`;
  assert.is(await byWorker[0][0].call('EVAL', body, '1', k0), 'while held');
  assert.equal(await everywhere(sha1(body), ['0']), ['while held', 'while held', 'while held']);
  assert.is(await spinning, 'OK');
});

t('EVAL queued in MULTI: once EXEC answered, EVALSHA on every worker finds it', async () => {
  const c = byWorker[1][0];
  for (let r = 0; r < ROUNDS / 2; r++) {
    const body = `return 'queued ${r}' -- ${Date.now()}`;
    assert.is(await c.call('MULTI'), 'OK');
    assert.is(await c.call('EVAL', body, '2', k0, k1), 'QUEUED');
    assert.is(await c.call('SET', k1, 'x'), 'QUEUED');
    assert.equal(await c.call('EXEC'), [`queued ${r}`, 'OK']);
    assert.equal(await everywhere(sha1(body), ['0']), [`queued ${r}`, `queued ${r}`, `queued ${r}`]);
  }
});

t('SCRIPT LOAD: compiled first (a compile error is the answer), then on every worker before the sha is', async () => {
  const c = byWorker[1][0];
  assert.equal(await c.call('SCRIPT', 'LOAD', 'return ('), { error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" });
  assert.equal(await byWorker[0][0].call('SCRIPT', 'EXISTS', sha1('return (')), [0]);
  for (let r = 0; r < ROUNDS / 2; r++) {
    const body = `return 'loaded ${r}' -- ${Date.now()}`;
    assert.is(await c.call('SCRIPT', 'LOAD', body), sha1(body));
    assert.equal(await everywhere(sha1(body), ['0']), [`loaded ${r}`, `loaded ${r}`, `loaded ${r}`]);
  }
});

/** INFO fields of the cluster. */
async function info(section: string): Promise<Map<string, string>> {
  const text = (await byWorker[0][0].call('INFO', section)) as string;
  return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':', 2) as [string, string]));
}

t('bounded as Redis 7.4: EVAL scripts past 500 evicted LRU first, the same on every worker; SCRIPT LOAD ones kept; INFO counts them', async () => {
  const [c0, c1] = [byWorker[0][0], byWorker[1][0]];
  assert.is(await c0.call('SCRIPT', 'FLUSH'), 'OK');
  const loaded = ['return 1', 'return 2', 'return 3'];
  for (const body of loaded) await c1.call('SCRIPT', 'LOAD', body);
  const bodies = Array.from({ length: 600 }, (_, i) => `return ${i + 1000}`);
  // Brought in from both workers in turn, each EVAL answered before the next goes.
  for (let i = 0; i < bodies.length; i++) assert.is(await (i % 2 === 0 ? c0 : c1).call('EVAL', bodies[i], '0'), i + 1000);
  const shas = [...loaded, ...bodies].map(sha1);
  const expected = [...loaded.map(() => 1), ...bodies.map((_, i) => (i < 100 ? 0 : 1))];
  assert.equal(await c0.call('SCRIPT', 'EXISTS', ...shas), expected, 'worker 0');
  assert.equal(await c1.call('SCRIPT', 'EXISTS', ...shas), expected, 'worker 1');
  assert.equal(await byWorker[2][0].call('SCRIPT', 'EXISTS', ...shas), expected, 'worker 2');
  const noscript = { error: 'NOSCRIPT No matching script. Please use EVAL.' };
  assert.equal(await everywhere(sha1(bodies[0]), ['0']), [noscript, noscript, noscript]);
  const memory = await info('memory');
  assert.is(memory.get('number_of_cached_scripts'), '503');
  assert.ok(Number(memory.get('used_memory_scripts_eval')) > 503 * 8, memory.get('used_memory_scripts_eval'));
  assert.ok(Number(memory.get('used_memory_vm_eval')) >= 3 * 16 * 1024 * 1024, memory.get('used_memory_vm_eval'));
  assert.is((await info('stats')).get('evicted_scripts'), '100');
  // Used again on worker 1 (EVALSHA), the oldest EVAL script outlives the next eviction there.
  assert.is(await c1.call('EVALSHA', sha1(bodies[100]), '0'), 1100);
  assert.is(await c1.call('EVAL', 'return 9999', '0'), 9999);
  assert.equal(await c1.call('SCRIPT', 'EXISTS', sha1(bodies[100]), sha1(bodies[101])), [1, 0]);
  assert.equal(await c0.call('SCRIPT', 'EXISTS', sha1(bodies[100]), sha1(bodies[101])), [1, 0], 'worker 0 evicted what worker 1 named');
});

t('a worker restarted after a crash copies every script from a peer before it serves', async () => {
  const c0 = byWorker[0][0];
  assert.is(await c0.call('SCRIPT', 'FLUSH'), 'OK');
  const bodies = ['return KEYS[1]', "return 'two'", 'return 3'];
  await c0.call('SCRIPT', 'LOAD', bodies[0]);
  await c0.call('EVAL', bodies[1], '0');
  await c0.call('EVAL', bodies[2], '1', k1);
  const old = cluster.workerPid(1);
  process.kill(old, 'SIGKILL');
  await cluster.waitForLog((l) => l.message === 'worker restarted' && l.worker === 1, 15_000);
  byWorker[1] = [];
  const fresh = await on(1);
  assert.equal(await fresh.call('SCRIPT', 'EXISTS', ...bodies.map(sha1)), [1, 1, 1]);
  assert.is(await fresh.call('EVALSHA', sha1(bodies[0]), '1', 'k'), 'k');
  assert.is(await fresh.call('EVALSHA', sha1(bodies[2]), '0'), 3);
});

t.run();
