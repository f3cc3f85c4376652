import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';

// INFO's fields that monitoring tools read, end to end on 2 workers: used_memory is what eviction
// compares with maxmemory (RSS apart), the peak, the fragmentation ratio, maxclients, the
// instantaneous ops rate, bytes in and out, error replies (their count compared with
// redis-server's for the same commands) and avg_ttl.

const WORKERS = 2;
const MAXMEMORY = 4 * 1024 * 1024;

let cluster: Cluster;
let client: RespClient;

const fieldsOf = (text: string) => new Map(text.split('\r\n').filter((l) => l.includes(':') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
async function info(c: RespClient = client, section = 'everything'): Promise<Map<string, string>> {
  return fieldsOf((await c.call('INFO', section)) as string);
}
const num = (fields: Map<string, string>, name: string) => {
  assert.ok(fields.has(name), `INFO has ${name}`);
  return Number(fields.get(name));
};

const t = suite('e2e: INFO fields monitoring tools read');
const skips = new Skips('e2e: INFO fields monitoring tools read');
const noRedis = missingTool('redis-server');

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--maxmemory', String(MAXMEMORY), '--maxclients', '123', '--admin-port', '-1'] });
  client = await RespClient.connect(cluster.port);
});
t.after(async () => {
  client?.close();
  await cluster?.stop();
  await redis?.stop();
});

t('maxclients is the configured total', async () => {
  const fields = await info(client, 'clients');
  assert.is(fields.get('maxclients'), '123');
});

t('used_memory is the bytes charged, at most maxmemory under eviction; RSS apart; the peak stays; the ratio is rss / used_memory', async () => {
  const value = 'v'.repeat(400);
  for (let batch = 0; batch < 20; batch++) {
    const sets = Array.from({ length: 1000 }, (_, i) => ['SET', `mem:${batch}:${i}`, value]);
    await client.pipeline(sets);
  }
  const full = await info();
  const used = num(full, 'used_memory');
  assert.ok(num(full, 'evicted_keys') > 0, 'writes past maxmemory evicted keys');
  assert.ok(used <= MAXMEMORY, `used_memory ${used} <= maxmemory ${MAXMEMORY}`);
  assert.ok(used > MAXMEMORY * 0.8, `used_memory ${used} near maxmemory: a full cache`);
  assert.is(num(full, 'maxmemory'), MAXMEMORY);
  assert.is(num(full, 'used_memory_dataset'), used);
  assert.is(full.get('used_memory_human'), `${(used / 1048576).toFixed(2)}M`);
  const rss = num(full, 'used_memory_rss');
  assert.ok(rss > used, `RSS ${rss} is the worker processes, more than the data`);
  assert.is(full.get('mem_fragmentation_ratio'), (rss / used).toFixed(2));
  assert.ok(num(full, 'used_memory_peak') >= used, 'the peak is at least what is used now');
  assert.ok(num(full, 'kv_heap_memory') > 0, 'the V8 heap is reported under its own name');

  assert.equal(await client.call('FLUSHALL'), 'OK');
  const empty = await info(client, 'memory');
  assert.is(num(empty, 'used_memory'), 0);
  assert.ok(num(empty, 'used_memory_peak') >= used, `the peak ${num(empty, 'used_memory_peak')} stays after FLUSHALL`);
  assert.is(empty.get('mem_fragmentation_ratio'), '0.00', 'nothing to divide by');
});

t('instantaneous_ops_per_sec follows the load and falls to 0 when it stops', async () => {
  const before = num(await info(client, 'stats'), 'total_commands_processed');
  const started = Date.now();
  const pings = Array.from({ length: 100 }, () => ['PING']);
  while (Date.now() - started < 1700) {
    await client.pipeline(pings);
    await sleep(20);
  }
  const busy = await info(client, 'stats');
  const measured = ((num(busy, 'total_commands_processed') - before) * 1000) / (Date.now() - started);
  const instant = num(busy, 'instantaneous_ops_per_sec');
  assert.ok(instant > measured / 2 && instant < measured * 2, `instantaneous ${instant} near the measured ${Math.round(measured)}/s`);
  await sleep(2000);
  assert.ok(num(await info(client, 'stats'), 'instantaneous_ops_per_sec') <= 2, 'idle: about 0 (the INFO calls themselves)');
});

t('total_net_input_bytes and total_net_output_bytes count exactly the bytes read from and written to clients', async () => {
  const text = await TextClient.connect(cluster.port);
  try {
    const commands = Array.from({ length: 10 }, (_, i) => `PUT net:${i} ${'x'.repeat(100 + i)}`);
    const infoCall = RespClient.encode('INFO', 'stats');
    const beforeText = (await client.call('INFO', 'stats')) as string;
    const before = fieldsOf(beforeText);
    // That INFO's reply was written after its figures were taken: it counts in the next one.
    const firstReplyBytes = `$${beforeText.length}\r\n${beforeText}\r\n`.length;
    assert.equal(await text.request(commands), commands.map(() => 'OK'));
    const after = await info(client, 'stats');
    const input = commands.reduce((n, c) => n + c.length + 1, 0) + infoCall.length;
    assert.is(num(after, 'total_net_input_bytes') - num(before, 'total_net_input_bytes'), input, 'the PUT lines and the second INFO');
    assert.is(num(after, 'total_net_output_bytes') - num(before, 'total_net_output_bytes'), 10 * 'OK\n'.length + firstReplyBytes, 'the OKs and the first INFO reply');
  } finally {
    text.close();
  }
});

// ---- total_error_replies, compared with redis-server -----------------------------------------

/** Commands that fail in different ways, each answered an error (a forwarded one on the other worker). */
function failing(keys: string[]): string[][] {
  const [here, there] = keys;
  return [
    ['NOSUCHCOMMAND'],
    ['GET'],
    ['SET', here, 'text'],
    ['SET', there, 'text'],
    ['INCR', here],
    ['INCR', there],
    ['HGET', there, 'field'],
    ['SELECT', '9'],
    ['MULTI'],
    ['INCR', here],
    ['SET', 'ok', 'ok'],
    ['EXEC'],
    ['EXEC'],
  ];
}

let redis: Target | null = null;

async function errorsAfter(port: number, keys: string[]): Promise<number> {
  const c = await RespClient.connect(port);
  try {
    const before = num(await info(c, 'stats'), 'total_error_replies');
    const replies = await c.pipeline(failing(keys));
    const errored = replies.flatMap((r) => (Array.isArray(r) ? r : [r])).filter((r) => r !== null && typeof r === 'object' && 'error' in r).length;
    const after = num(await info(c, 'stats'), 'total_error_replies');
    assert.is(errored, 8, 'the error replies the commands got');
    return after - before;
  } finally {
    c.close();
  }
}

t('total_error_replies: failing commands (unknown, arity, WRONGTYPE, not an integer, in EXEC, forwarded) add one each; the text protocol each ERROR', async () => {
  // Keys on worker 0 and on worker 1 (shard s is worker s % 2).
  const keys = keysPerShard('err:', shardOfString).slice(0, 2);
  const ours = await errorsAfter(cluster.port, keys);
  assert.is(ours, 8);
  const text = await TextClient.connect(cluster.port);
  try {
    const before = num(await info(client, 'stats'), 'total_error_replies');
    assert.equal(await text.request(['NOPE', 'GET err:x', 'PUT']), ['ERROR', 'NOTFOUND', 'ERROR']);
    assert.is(num(await info(client, 'stats'), 'total_error_replies') - before, 2, 'the text protocol: each ERROR');
  } finally {
    text.close();
  }
});

skips.test(t, 'total_error_replies: the same failing commands add what they add on redis-server', noRedis, async () => {
  const keys = keysPerShard('err:', shardOfString).slice(0, 2);
  const ours = await errorsAfter(cluster.port, keys);
  redis ??= await startRedis();
  const theirs = await errorsAfter(redis.port, keys);
  assert.is(theirs, 8, 'redis-server counts each error reply once');
  assert.is(ours, theirs);
});

/** After CONFIG RESETSTAT and the failing commands (and a few more): INFO errorstats whole, the rejected and failed calls of some commands, the total. */
async function errorFigures(port: number, keys: string[]): Promise<string[]> {
  const c = await RespClient.connect(port);
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
    await c.pipeline([...failing(keys), ['EVALSHA', 'f'.repeat(40), '0'], ['SET', keys[1]], ['GET', keys[1]], ['GET', keys[0]]]);
    const errorstats = (await c.call('INFO', 'errorstats')) as string;
    const commands = await info(c, 'commandstats');
    const counts = (name: string) => `${name}: ${/rejected_calls=\d+,failed_calls=\d+$/.exec(commands.get(`cmdstat_${name}`) ?? '')?.[0]}`;
    return [errorstats, ...['get', 'set', 'hget', 'select', 'exec', 'multi', 'evalsha'].map(counts), `total: ${num(await info(c, 'stats'), 'total_error_replies')}`];
  } finally {
    c.close();
  }
}

skips.test(t, 'errorstats, and each command\'s rejected_calls and failed_calls (arity, WRONGTYPE forwarded, EXEC): as redis-server\'s; CONFIG RESETSTAT clears them', noRedis, async () => {
  const keys = keysPerShard('es:', shardOfString).slice(0, 2);
  redis ??= await startRedis();
  const [ours, theirs] = [await errorFigures(cluster.port, keys), await errorFigures(redis.port, keys)];
  assert.equal(ours, theirs);
  assert.match(theirs[0], /errorstat_ERR:count=\d+\r\nerrorstat_NOSCRIPT:count=1\r\nerrorstat_WRONGTYPE:count=1/, 'the comparison covers several codes');
});

/** db0's avg_ttl after 8 keys with a TTL of 100 s and 8 of 300 s (and 8 without) were set. */
async function avgTtlAfterSets(port: number): Promise<number> {
  const c = await RespClient.connect(port);
  try {
    const sets = Array.from({ length: 24 }, (_, i) => (i < 8 ? ['SET', `ttl:${i}`, 'v', 'EX', '100'] : i < 16 ? ['SET', `ttl:${i}`, 'v', 'EX', '300'] : ['SET', `ttl:${i}`, 'v']));
    await c.pipeline(sets);
    // Both estimate every 100 ms (Redis: its active expiry cycle).
    await sleep(500);
    const db0 = (await info(c, 'keyspace')).get('db0')!;
    assert.match(db0, /expires=16,avg_ttl=\d+$/);
    return Number(/avg_ttl=(\d+)/.exec(db0)![1]);
  } finally {
    c.close();
  }
}

t('avg_ttl estimates the mean TTL (ms) of the keys with one', async () => {
  const ours = await avgTtlAfterSets(cluster.port);
  assert.ok(Math.abs(ours - 200_000) < 2_000, `avg_ttl ${ours} ms, the mean TTL set being 200 s`);
});

skips.test(t, 'avg_ttl is what redis-server estimates for the same keys', noRedis, async () => {
  const ours = await avgTtlAfterSets(cluster.port);
  redis ??= await startRedis();
  const theirs = await avgTtlAfterSets(redis.port);
  assert.ok(Math.abs(ours - theirs) < 2_000, `ours ${ours} ms, redis-server ${theirs} ms`);
});

t.run();
