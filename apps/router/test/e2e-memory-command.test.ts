import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, startCluster, type Cluster, type Resp } from './harness';
import { Resp3Client, type R3 } from './resp3-client';

/**
 * MEMORY end to end on 2 workers: USAGE is each key's charged bytes, on either worker (they sum
 * to INFO's used_memory), without touching the key's recency or the hit counters; STATS and
 * DOCTOR over every worker, in RESP2 and RESP3; `redis-cli --memkeys` sees the sizes; errors,
 * HELP and an empty server's DOCTOR as redis-server 7.0 answers them.
 */

const NAME = 'e2e: MEMORY on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
const noRedis = missingTool('redis-server');
let cluster: Cluster;
let c: RespClient;

/** A field of INFO (merged over the workers). */
async function infoField(section: string, field: string): Promise<number> {
  const text = (await c.call('INFO', section)) as string;
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`no ${field} in INFO ${section}`);
  return Number(line.slice(field.length + 1));
}

/** A RESP2 flat array of pairs as a map. */
function pairs(reply: Resp): Map<string, Resp> {
  const items = reply as Resp[];
  const out = new Map<string, Resp>();
  for (let i = 0; i < items.length; i += 2) out.set(items[i] as string, items[i + 1]);
  return out;
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  c = await RespClient.connect(cluster.port);
});
t.after(async () => {
  c?.close();
  assert.is(await cluster?.stop(), 0);
});

t('an empty server: DOCTOR says so, STATS counts no key', async () => {
  assert.match((await c.call('MEMORY', 'DOCTOR')) as string, /^Hi Sam, this instance is empty/);
  const stats = pairs(await c.call('MEMORY', 'STATS'));
  assert.is(stats.get('keys.count'), 0);
  assert.is(stats.has('db.0'), false);
});

t("USAGE: each key's charged bytes, on either worker; together INFO's used_memory", async () => {
  const keys = keysPerShard('mem-', shardOfString).slice(0, 4);
  const big = 'x'.repeat(5000);
  await c.call('SET', keys[0], 'v');
  await c.call('SET', keys[1], big);
  await c.call('HSET', keys[2], 'f1', big, 'f2', 'v');
  await c.call('SET', keys[3], big, 'EX', '1000');
  const hits = await infoField('stats', 'keyspace_hits');
  const sizes: number[] = [];
  for (const k of keys) sizes.push((await c.call('MEMORY', 'USAGE', k)) as number);
  assert.ok(sizes[0] > 0 && sizes[0] < 200, `a small string: ${sizes[0]}`);
  assert.ok(sizes[1] >= 5000 && sizes[1] < 5000 + 200, `5000 bytes: ${sizes[1]}`);
  assert.ok(sizes[2] > 5000, `a hash: ${sizes[2]}`);
  assert.ok(sizes[3] >= sizes[1], `with a TTL: ${sizes[3]}`);
  assert.is(sizes.reduce((a, b) => a + b, 0), await infoField('memory', 'used_memory'), 'they sum to used_memory');
  // SAMPLES changes nothing (the figure is exact), and USAGE reads no key as a command would.
  assert.is(await c.call('MEMORY', 'USAGE', keys[2], 'SAMPLES', '0'), sizes[2]);
  assert.is(await c.call('MEMORY', 'usage', keys[2], 'samples', '5'), sizes[2]);
  assert.is(await c.call('MEMORY', 'USAGE', 'mem-none'), null);
  assert.is(await infoField('stats', 'keyspace_hits'), hits);
  assert.is(await infoField('stats', 'keyspace_misses'), 0);
});

t('STATS over every worker: RESP2 pairs, RESP3 a map with doubles and db.0 a map of its own', async () => {
  const stats = pairs(await c.call('MEMORY', 'STATS'));
  assert.is(stats.get('keys.count'), 4);
  assert.is(stats.get('total.allocated'), await infoField('memory', 'used_memory'));
  assert.ok((stats.get('dataset.bytes') as number) > 15_000);
  assert.equal(pairs(stats.get('db.0')!).get('overhead.hashtable.expires'), 0);
  assert.match(stats.get('dataset.percentage') as string, /^\d+(\.\d+)?$/);
  const r3 = await Resp3Client.connect(cluster.port);
  await r3.call('HELLO', '3');
  const { value } = await r3.call('MEMORY', 'STATS');
  const map = new Map((value as { map: [R3, R3][] }).map.map(([k, v]) => [k as string, v]));
  assert.is(map.get('keys.count'), 4);
  assert.ok(typeof (map.get('peak.percentage') as { double: number }).double === 'number');
  assert.ok('map' in (map.get('db.0') as object));
  assert.equal((await r3.call('MEMORY', 'DOCTOR')).value, { verbatim: (await c.call('MEMORY', 'DOCTOR')) as string, format: 'txt' });
  r3.text.close();
});

skips.test(t, 'redis-cli --memkeys reports each type with its bytes', missingTool('redis-cli'), async () => {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(cluster.port), '--memkeys'], { encoding: 'utf8', timeout: 20_000 });
  assert.is(run.status, 0, run.stderr);
  const strings = /(\d+) strings with (\d+) bytes/.exec(run.stdout);
  const hashes = /(\d+) hashs with (\d+) bytes/.exec(run.stdout);
  assert.ok(strings !== null && hashes !== null, run.stdout);
  assert.is(Number(strings![1]), 3);
  assert.ok(Number(strings![2]) > 10_000, strings![0]);
  assert.ok(Number(hashes![2]) > 5000, hashes![0]);
});

/** Answered the same by redis-server, in RESP2 (replies) and RESP3 (bytes). */
const SAME: string[][] = [
  ['MEMORY'],
  ['MEMORY', 'USAGE'],
  ['MEMORY', 'STATS', 'x'],
  ['MEMORY', 'DOCTOR', 'x'],
  ['MEMORY', 'nosuch'],
  ['MEMORY', 'USAGE', 'mem-none', 'SAMPLES'],
  ['MEMORY', 'USAGE', 'mem-none', 'SAMPLES', 'x'],
  ['MEMORY', 'USAGE', 'mem-none', 'SAMPLES', '-1'],
  ['MEMORY', 'USAGE', 'mem-none', 'nosuch', '1'],
  ['MEMORY', 'USAGE', 'mem-none', 'SAMPLES', '5'],
  ['MEMORY', 'PURGE'],
  ['MEMORY', 'HELP'],
];

skips.test(t, 'errors, HELP, a missing key and an empty server\'s DOCTOR as redis-server answers', noRedis, async () => {
  const redis: Target = await startRedis();
  const fresh = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  try {
    for (const protocol of ['2', '3']) {
      const ours = await Resp3Client.connect(fresh.port);
      const theirs = await Resp3Client.connect(redis.port);
      await ours.call('HELLO', protocol);
      await theirs.call('HELLO', protocol);
      for (const argv of [...SAME, ['MEMORY', 'DOCTOR']]) assert.is((await ours.call(...argv)).raw, (await theirs.call(...argv)).raw, `RESP${protocol}: ${argv.join(' ')}`);
      ours.text.close();
      theirs.text.close();
    }
  } finally {
    await redis.stop();
    assert.is(await fresh.stop(), 0);
  }
});

t.run();
