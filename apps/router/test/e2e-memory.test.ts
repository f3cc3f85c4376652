import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, startCluster, TextClient, type Cluster } from './harness';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const VALUE = 'v'.repeat(200);

/** Writes keys of one shard until a write is refused or `limit` keys are in. */
async function fillShard(c: RespClient, prefix: string, shard: number, limit: number): Promise<{ written: string[]; refused: unknown }> {
  const written: string[] = [];
  for (let i = 0; written.length < limit; i++) {
    const key = `${prefix}${i}`;
    if (shardOfString(key) !== shard) continue;
    const reply = await c.call('SET', key, VALUE);
    if (reply !== 'OK') return { written, refused: reply };
    written.push(key);
  }
  return { written, refused: null };
}

const noeviction = suite('e2e: maxmemory-policy noeviction');
let cluster: Cluster;

noeviction.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
});
noeviction.after(async () => {
  await cluster.stop();
});

noeviction('refuses writes past the limit with Redis\'s OOM error (ERROR in text), keeps every key, still serves reads', async () => {
  const c = await RespClient.connect(cluster.port);
  // 1mb is 512 KiB for each of 2 workers (a 16th per shard it owns), whatever shard the keys are
  // in: about 2,000 entries of 200-byte values (a 224-byte block and 40 bytes of overhead each).
  const { written, refused } = await fillShard(c, 'no-', 3, 10_000);
  assert.equal(refused, { error: OOM });
  assert.ok(written.length > 1500 && written.length < 2500, `${written.length} fit`);
  assert.equal(await c.call('MGET', ...written.slice(0, 5)), written.slice(0, 5).map(() => VALUE), 'nothing was evicted');
  assert.is(await c.call('CONFIG', 'GET', 'maxmemory-policy').then((r) => (r as string[])[1]), 'noeviction');
  const text = await TextClient.connect(cluster.port);
  const key = written.length ? `no-text-${written.length}` : 'x';
  let textKey = key;
  for (let i = 0; shardOfString(textKey) !== 3; i++) textKey = `${key}-${i}`;
  assert.equal(await text.request([`PUT ${textKey} ${VALUE}`, `GET ${written[0]}`]), ['ERROR', VALUE]);
  // An MSET that cannot fit whole is refused whole.
  const spread = keysPerShard('spread-', shardOfString);
  assert.equal(await c.call('MSET', ...spread.flatMap((k) => [k, VALUE])), { error: OOM });
  assert.equal(await c.call('MGET', ...spread), spread.map(() => null), 'no part of it was written');
  assert.is(await c.call('DEL', written[0]), 1, 'deleting frees room');
  assert.is(await c.call('SET', written[0], VALUE), 'OK');
  text.close();
  c.close();
});

noeviction.run();

const volatile = suite('e2e: maxmemory-policy volatile-lru');

volatile.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'volatile-lru'] });
});
volatile.after(async () => {
  await cluster.stop();
});

volatile('evicts only keys with a TTL, then refuses', async () => {
  const c = await RespClient.connect(cluster.port);
  // The worker's 512 KiB hold about 2,000 of these entries, all in one shard if need be.
  const plain: string[] = [];
  for (let i = 0; plain.length < 40; i++) {
    const key = `plain-${i}`;
    if (shardOfString(key) === 5) {
      assert.is(await c.call('SET', key, VALUE), 'OK');
      plain.push(key);
    }
  }
  let withTtl = 0;
  for (let i = 0; withTtl < 60; i++) {
    const key = `ttl-${i}`;
    if (shardOfString(key) === 5) {
      assert.is(await c.call('SET', key, VALUE, 'EX', '1000'), 'OK');
      withTtl++;
    }
  }
  const { written, refused } = await fillShard(c, 'more-', 5, 10_000);
  assert.equal(refused, { error: OOM }, 'refused once only keys without TTL are left');
  assert.ok(written.length >= 60, `the TTL keys made room for ${written.length} writes`);
  assert.equal(await c.call('MGET', ...plain), plain.map(() => VALUE), 'no key without a TTL was evicted');
  // An MSET that cannot be made room for is refused whole, not answered OK and dropped.
  const spread = keysPerShard('vspread-', shardOfString);
  assert.equal(await c.call('MSET', ...spread.flatMap((k) => [k, VALUE])), { error: OOM });
  assert.equal(await c.call('MGET', ...spread), spread.map(() => null));
  const info = (await c.call('INFO', 'stats')) as string;
  assert.match(info, /evicted_keys:(\d+)/);
  assert.ok(Number(/evicted_keys:(\d+)/.exec(info)![1]) >= 55);
  c.close();
});

volatile.run();

const allkeys = suite('e2e: maxmemory-policy allkeys-lru (default)');

allkeys.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb'] });
});
allkeys.after(async () => {
  await cluster.stop();
});

allkeys('keeps taking writes, evicting the least recently used, and stays within its share', async () => {
  const c = await RespClient.connect(cluster.port);
  const { written, refused } = await fillShard(c, 'all-', 7, 6000);
  assert.is(refused, null, 'never refused');
  assert.is(await c.call('GET', written[0]), null, 'the oldest went');
  assert.is(await c.call('GET', written[written.length - 1]), VALUE, 'the newest stayed');
  c.close();
});

allkeys.run();
