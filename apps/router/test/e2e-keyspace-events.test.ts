import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, startCluster, type Cluster } from './harness';
import { Resp3Client, type R3 } from './resp3-client';
import { clientsOn, everyWorker, workerOfId } from './on-workers';

/**
 * Keyspace notifications over the real cluster (2 workers): each event is fired by the worker
 * that owns the key and reaches subscribers on every worker, in RESP2 and RESP3, in the order the
 * owner fired them; keys evicted under --maxmemory and keys expired (actively, or found expired by
 * a read) are announced. What each command fires, class by class, is compared with redis-server by
 * test/keyspace-compat.test.ts.
 */
const WORKERS = 2;

/** One client on each worker (on-workers.ts). */
function onEveryWorker(port: number): Promise<Resp3Client[]> {
  return clientsOn(everyWorker(WORKERS), () => Resp3Client.connect(port), async (c) => workerOfId((await c.call('CLIENT', 'ID')).value as number));
}

function fields(value: R3): R3[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object' && 'push' in value) return value.push;
  throw new Error(`not a message: ${JSON.stringify(value)}`);
}

const t = suite('e2e keyspace events: 2 workers');
let cluster: Cluster;
t.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--notify-keyspace-events', 'KEA', '--maxmemory', '4mb', '--admin-port', '-1'] });
});
t.after(async () => {
  await cluster.stop();
});

t('a subscriber on every worker, RESP2 and RESP3, gets the events of keys on every worker, each owner\'s in order', async () => {
  const subs = [...(await onEveryWorker(cluster.port)), ...(await onEveryWorker(cluster.port))];
  for (const [i, sub] of subs.entries()) {
    if (i >= WORKERS) await sub.call('HELLO', '3');
    assert.equal(fields((await sub.call('SUBSCRIBE', '__keyevent@0__:set', '__keyevent@0__:del')).value), ['subscribe', '__keyevent@0__:set', 1]);
    await sub.read();
  }
  const keys = keysPerShard('ev:', shardOfString);
  const writer = await RespClient.connect(cluster.port);
  await writer.pipeline([...keys.map((k) => ['SET', k, 'v']), ...keys.map((k) => ['DEL', k])]);
  for (const sub of subs) {
    const got: string[][] = [[], []];
    for (let n = 0; n < 2 * keys.length; n++) {
      const [kind, channel, key] = fields((await sub.read()).value) as string[];
      assert.is(kind, 'message');
      got[shardOfString(key) % WORKERS].push(`${channel.slice('__keyevent@0__:'.length)} ${key}`);
    }
    // Each owner's events in the order it ran the commands: its keys' sets, then their dels.
    for (let w = 0; w < WORKERS; w++) {
      const mine = keys.filter((k) => shardOfString(k) % WORKERS === w);
      assert.equal(got[w], [...mine.map((k) => `set ${k}`), ...mine.map((k) => `del ${k}`)], `worker ${w}'s keys`);
    }
  }
  for (const c of [...subs, writer]) c.close();
});

t('expired (by the active cycle and by a read) and evicted keys are announced, each once', async () => {
  const [sub] = await onEveryWorker(cluster.port);
  await sub.call('PSUBSCRIBE', '__keyevent@0__:e*');
  const c = await RespClient.connect(cluster.port);
  // One key left to the active cycle, one read after its time (the read finds it expired first).
  await c.pipeline([['SET', 'active', 'v', 'PX', '50'], ['SET', 'lazy', 'v', 'PX', '1']]);
  // The two keys may be on different workers: their events come in either order.
  const expires = [fields((await sub.read()).value), fields((await sub.read()).value)].map((f) => f.join(' ')).sort();
  assert.equal(expires, ['pmessage __keyevent@0__:e* __keyevent@0__:expire active', 'pmessage __keyevent@0__:e* __keyevent@0__:expire lazy']);
  await new Promise((r) => setTimeout(r, 5));
  assert.is(await c.call('GET', 'lazy'), null);
  const expired = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const [, , channel, key] = fields((await sub.read()).value) as string[];
    assert.is(channel, '__keyevent@0__:expired');
    expired.add(key);
  }
  assert.equal([...expired].sort(), ['active', 'lazy']);
  // 4 MB over 2 workers: 16 MB of 4 KB values evicts; every eviction is announced, none twice.
  const value = 'x'.repeat(4096);
  for (let i = 0; i < 4096; i += 256) await c.pipeline(Array.from({ length: 256 }, (_, j) => ['SET', `big:${i + j}`, value]));
  const info = String(await c.call('INFO', 'stats'));
  const evictedKeys = Number(/evicted_keys:(\d+)/.exec(info)?.[1]);
  assert.ok(evictedKeys > 1000, `evicted ${evictedKeys}`);
  const announced = new Set<string>();
  while (announced.size < evictedKeys) {
    const [, , channel, key] = fields((await sub.read()).value) as string[];
    assert.is(channel, '__keyevent@0__:evicted');
    assert.not.ok(announced.has(key), `${key} announced once`);
    announced.add(key);
  }
  const sample = [...announced].slice(0, 50);
  assert.equal(await c.call('EXISTS', ...sample), 0, 'an announced key is gone');
  assert.equal((await sub.call('PING')).value, ['pong', ''], 'nothing more was announced');
  sub.close();
  c.close();
});

t.run();
