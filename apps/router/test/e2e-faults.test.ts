import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { shardOfString } from '@kv/wire';
import { keysPerShard, processAlive, RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';

const WORKERS = 3;
const VICTIM = 1;
const ownerOf = (key: string) => shardOfString(key) % WORKERS;

/**
 * A client that loops PUT/GET on its own keys until stopped, reconnecting when its connection is
 * closed under it. Records the slowest reply, the slowest ERROR (a command for the dead worker),
 * and any ERROR for a key of another worker, which must never happen.
 */
async function runLoad(port: number, id: number, stop: { now: boolean }) {
  const result = { requests: 0, errors: 0, reconnects: 0, slowestMs: 0, slowestErrorMs: 0, otherErrors: 0, failure: '' };
  let client: TextClient | null = null;
  let i = 0;
  while (!stop.now) {
    const key = `load-${id}-${i++ % 50}`;
    const started = Date.now();
    try {
      client ??= await TextClient.connect(port);
      const [put, get] = await client.request([`PUT ${key} v${i}`, `GET ${key}`]);
      result.requests += 2;
      const errors = (put === 'ERROR' ? 1 : 0) + (get === 'ERROR' ? 1 : 0);
      if (get !== 'ERROR' && put === 'OK' && get !== `v${i}`) throw new Error(`crossed reply: ${key} -> ${get}`);
      if (errors > 0) {
        result.errors += errors;
        result.slowestErrorMs = Math.max(result.slowestErrorMs, Date.now() - started);
        if (ownerOf(key) !== VICTIM) result.otherErrors += errors;
      }
    } catch (err) {
      if (client === null || !client.closed) {
        result.failure = `client ${id}: ${(err as Error).message}`;
        stop.now = true;
        break;
      }
      result.reconnects++;
      client = null;
    }
    result.slowestMs = Math.max(result.slowestMs, Date.now() - started);
  }
  client?.close();
  return result;
}

/**
 * A RESP client looping MSET and MGET over keys on all 16 shards (transactions holding every
 * worker), so the kill lands in the middle of some: none may leave a worker held for good.
 */
async function runTransactions(port: number, id: number, stop: { now: boolean }) {
  const result = { requests: 0, errors: 0, reconnects: 0, slowestMs: 0, slowestErrorMs: 0, otherErrors: 0, failure: '' };
  const keys = keysPerShard(`tx${id}-`, shardOfString);
  let client: RespClient | null = null;
  for (let i = 0; !stop.now; i++) {
    const started = Date.now();
    try {
      client ??= await RespClient.connect(port);
      const [set, values] = await client.pipeline([['MSET', ...keys.flatMap((k) => [k, `v${i}`])], ['MGET', ...keys]]);
      result.requests += 2;
      const errors = (typeof set === 'object' && set !== null && 'error' in set ? 1 : 0) + (Array.isArray(values) ? 0 : 1);
      result.errors += errors;
      if (errors > 0) result.slowestErrorMs = Math.max(result.slowestErrorMs, Date.now() - started);
      if (set === 'OK' && Array.isArray(values) && new Set(values).size !== 1) throw new Error(`torn MGET after MSET: ${values.join(',')}`);
    } catch (err) {
      if (client === null || !client.text.closed) {
        result.failure = `transaction client ${id}: ${(err as Error).message}`;
        stop.now = true;
        break;
      }
      result.reconnects++;
      client = null;
    }
    result.slowestMs = Math.max(result.slowestMs, Date.now() - started);
  }
  client?.close();
  return result;
}

const t = suite('e2e: kill -9 of a worker while clients run');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS });
});
t.after(async () => {
  await cluster.stop();
});

t('100 clients: no error for other workers\' keys, in-flight commands error fast, the dead shards serve again empty', async () => {
  const keys = Array.from({ length: 600 }, (_, i) => `keep-${i}`);
  const setup = await TextClient.connect(cluster.port);
  assert.equal(await setup.request(keys.map((k) => `PUT ${k} ${k}-value`)), keys.map(() => 'OK'));
  setup.close();

  const stop = { now: false };
  const loads = [
    ...Array.from({ length: 96 }, (_, id) => runLoad(cluster.port, id, stop)),
    ...Array.from({ length: 4 }, (_, id) => runTransactions(cluster.port, id, stop)),
  ];
  await sleep(300);

  const victim = cluster.workerPid(VICTIM);
  const others = [0, 2].map((w) => cluster.workerPid(w));
  const contention = new Contention().start();
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');

  // Its shards serve again (empty) soon after: poll a key it owned until a write is accepted.
  const probeKey = keys.find((k) => ownerOf(k) === VICTIM)!;
  let probe = await TextClient.connect(cluster.port);
  let servedAgainMs = -1;
  while (Date.now() - killedAt < 10_000) {
    let reply: string;
    try {
      [reply] = await probe.request([`GET ${probeKey}`]);
    } catch (err) {
      // Connected at the instant of the kill, it may have been handed to the dying worker: that
      // connection is closed, never left hanging; connect again.
      if (!probe.closed) throw err;
      probe = await TextClient.connect(cluster.port);
      continue;
    }
    if (reply === 'NOTFOUND') {
      servedAgainMs = Date.now() - killedAt;
      break;
    }
    assert.ok(reply === 'ERROR' || reply === `${probeKey}-value`, `unexpected reply ${reply}`);
    await sleep(20);
  }
  await sleep(300);
  stop.now = true;
  const results = await Promise.all(loads);
  contention.stop();
  assert.equal(results.map((r) => r.failure).filter(Boolean), [], 'load clients saw no failure');

  assert.ok(servedAgainMs >= 0, 'the dead worker\'s shards serve again');
  assert.ok(!processAlive(victim), 'the killed worker is gone');
  assert.ok(others.every(processAlive), 'the other workers were untouched');
  assert.ok(processAlive(cluster.pid), 'the primary lives on');

  const slowest = Math.max(...results.map((r) => r.slowestMs));
  const slowestError = Math.max(...results.map((r) => r.slowestErrorMs));
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const otherErrors = results.reduce((n, r) => n + r.otherErrors, 0);
  const reconnects = results.reduce((n, r) => n + r.reconnects, 0);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  console.log(
    `    kill -9 under ${loads.length} clients: shards served again after ${servedAgainMs} ms; ${requests} requests, ${errors} ERROR replies ` +
      `(${otherErrors} for other workers' keys), slowest ERROR ${slowestError} ms, slowest reply ${slowest} ms, ${reconnects} reconnects`,
  );
  assert.is(otherErrors, 0, 'commands for the other workers\' keys never got ERROR');
  assert.ok(errors > 0, 'commands for the dead worker got ERROR');
  // The promise is 1 s and 2 s (twice that here, the 100 clients of this test sharing the machine),
  // on a machine that runs it: scaled by the CPU contention other runs put on it meanwhile.
  assert.ok(slowestError < contention.bound(2000), contention.says('an in-flight command waited for its ERROR', slowestError, 2000));
  assert.ok(servedAgainMs < contention.bound(4000), contention.says('the dead worker\'s shards served again', servedAgainMs, 4000));
  assert.ok(slowest < contention.bound(2000), contention.says('no request hung: the slowest', slowest, 2000));

  const check = await TextClient.connect(cluster.port);
  const replies = await check.request(keys.map((k) => `GET ${k}`));
  check.close();
  keys.forEach((k, i) => {
    const expected = ownerOf(k) === VICTIM ? 'NOTFOUND' : `${k}-value`;
    if (replies[i] !== expected) assert.unreachable(`${k} (worker ${ownerOf(k)}): got ${replies[i]}, expected ${expected}`);
  });

  const again = await TextClient.connect(cluster.port);
  assert.equal(await again.request([`PUT ${probeKey} back`, `GET ${probeKey}`]), ['OK', 'back']);
  again.close();
});

t.run();
