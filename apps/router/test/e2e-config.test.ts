import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { Contention } from '../../../test-support/contention';
import { keysPerShard, RespClient, sleep, startCluster, type Cluster } from './harness';
import { clientsOn, everyWorker, workerOfId } from './on-workers';
import { Resp3Client } from './resp3-client';

/**
 * CONFIG end to end on 2 workers, RESP2 and RESP3: SET of several parameters at once, all or
 * nothing, seen by clients of every worker and by the command sent right after it; a lowered
 * maxmemory evicting; RESETSTAT over every worker; REWRITE to the --config file; the file's reload
 * (SIGUSR2) applying its settings, and a worker a resize adds starting with the settings as they
 * stand. e2e-config-redis compares the replies with redis-server's.
 */

/** A client on each worker (on-workers.ts). */
function clientPerWorker(port: number, workers: number): Promise<RespClient[]> {
  return clientsOn(everyWorker(workers), () => RespClient.connect(port), async (c) => workerOfId((await c.call('CLIENT', 'ID')) as number));
}

/** A field of INFO (which runs on every worker and merges their figures). */
async function infoField(c: RespClient, section: string, field: string): Promise<string> {
  const text = (await c.call('INFO', section)) as string;
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`no ${field} in INFO ${section}`);
  return line.slice(field.length + 1);
}

const t = suite('e2e: CONFIG on 2 workers');
let cluster: Cluster;
let clients: RespClient[] = [];

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '64mb'] });
  clients = await clientPerWorker(cluster.port, 2);
});
t.after(async () => {
  for (const c of clients) c.close();
  assert.is(await cluster?.stop(), 0);
});

t('CONFIG SET of several parameters: OK, and every worker answers CONFIG GET with them', async () => {
  assert.equal(await clients[0].call('CONFIG', 'SET', 'maxmemory', '32mb', 'maxmemory-policy', 'volatile-lru', 'timeout', '300', 'hash-max-ziplist-entries', '16'), 'OK');
  for (const c of clients) {
    assert.equal(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '33554432']);
    assert.equal(await c.call('CONFIG', 'GET', 'maxmemory-policy', 'timeout'), ['maxmemory-policy', 'volatile-lru', 'timeout', '300']);
    // An alias is listed beside its name by a pattern; a name set through the alias shows under both.
    assert.equal(await c.call('CONFIG', 'GET', 'hash-max-*-entries'), ['hash-max-listpack-entries', '16', 'hash-max-ziplist-entries', '16']);
    assert.is(await infoField(c, 'memory', 'maxmemory_policy'), 'volatile-lru');
    assert.is(await infoField(c, 'memory', 'maxmemory'), '33554432');
  }
  assert.equal(await clients[1].call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'hash-max-listpack-entries', '128'), 'OK');
});

t('CONFIG SET is all or nothing: a bad value anywhere changes none', async () => {
  const [c0, c1] = clients;
  assert.equal(await c0.call('CONFIG', 'SET', 'timeout', '100', 'maxmemory', '1x'), {
    error: "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
  });
  assert.equal(await c0.call('CONFIG', 'SET', 'timeout', '100', 'port', '1'), { error: "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config" });
  assert.equal(await c0.call('CONFIG', 'SET', 'timeout', '100', 'nosuch', '1'), { error: "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'" });
  assert.equal(await c0.call('CONFIG', 'SET', 'timeout', '100', 'TIMEOUT', '200'), { error: "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter" });
  for (const c of [c0, c1]) assert.equal(await c.call('CONFIG', 'GET', 'timeout'), ['timeout', '300']);
});

t('each command runs under the settings it was sent under, on either worker', async () => {
  const [c0] = clients;
  // Shard s is worker s % 2's: keys of shards 0 and 2 are c0's worker's, 1 and 3 the other's.
  const keys = keysPerShard('cfg-oom-', shardOfString).slice(0, 4);
  const replies = await c0.pipeline([
    ['SET', keys[2], 'before'],
    ['SET', keys[3], 'before'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory-policy', 'noeviction'],
    ['SET', keys[0], 'v'],
    ['SET', keys[1], 'v'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['SET', keys[0], 'v'],
    ['SET', keys[1], 'v'],
  ]);
  const oom = { error: "OOM command not allowed when used memory > 'maxmemory'." };
  assert.equal(replies, ['OK', 'OK', 'OK', oom, oom, 'OK', 'OK', 'OK']);
  assert.equal(await c0.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '0']);
  assert.is(await infoField(c0, 'memory', 'maxmemory'), '0');
  assert.equal(await c0.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'maxmemory', '32mb'), 'OK');
});

t('inside MULTI, the commands after CONFIG SET see it: keys of its own worker only, and of both', async () => {
  const [c0] = clients;
  const keys = keysPerShard('cfg-multi-', shardOfString).slice(0, 4);
  for (const [own, timeout] of [[[keys[0], keys[2]], '41'], [[keys[0], keys[1]], '42']] as const) {
    const replies = await c0.pipeline([['MULTI'], ['SET', own[0], 'v'], ['CONFIG', 'SET', 'timeout', timeout], ['CONFIG', 'GET', 'timeout'], ['SET', own[1], 'v'], ['EXEC']]);
    assert.equal(replies[5], ['OK', 'OK', ['timeout', timeout], 'OK'], own.join(' '));
  }
  for (const c of clients) assert.equal(await c.call('CONFIG', 'GET', 'timeout'), ['timeout', '42']);
  assert.equal(await c0.call('CONFIG', 'SET', 'timeout', '300'), 'OK');
});

t('a lowered maxmemory evicts down to it (allkeys-lru), on every worker', async () => {
  const [c0] = clients;
  const value = 'x'.repeat(1000);
  for (let batch = 0; batch < 10; batch++) {
    await c0.pipeline(Array.from({ length: 500 }, (_, i) => ['SET', `cfg-fill-${batch}-${i}`, value]));
  }
  const before = (await c0.call('DBSIZE')) as number;
  assert.ok(before >= 5000, `${before} keys`);
  assert.equal(await c0.call('CONFIG', 'SET', 'maxmemory', '2mb'), 'OK');
  // Evicted a slice at a time: wait for it, bounded by what the machine gives this test.
  const contention = new Contention().start();
  const until = Date.now() + contention.bound(5000);
  let used = Infinity;
  while (Date.now() < until) {
    used = Number(await infoField(c0, 'memory', 'used_memory'));
    if (used <= 2 * 1024 * 1024) break;
    await sleep(20);
  }
  contention.stop();
  assert.ok(used <= 2 * 1024 * 1024, `used_memory ${used} after lowering maxmemory to 2mb`);
  const after = (await c0.call('DBSIZE')) as number;
  assert.ok(after > 0 && after < before / 2, `${before} keys, then ${after}`);
  assert.equal(await c0.call('CONFIG', 'SET', 'maxmemory', '64mb'), 'OK');
  assert.equal(await c0.call('FLUSHALL'), 'OK');
});

t('CONFIG RESETSTAT zeroes every worker\'s counters', async () => {
  const [c0, c1] = clients;
  const keys = keysPerShard('cfg-stat-', shardOfString).slice(0, 2);
  for (const k of keys) await c1.call('GET', k);
  assert.ok(Number(await infoField(c0, 'stats', 'keyspace_misses')) >= 2);
  assert.equal(await c0.call('CONFIG', 'RESETSTAT'), 'OK');
  assert.is(await infoField(c0, 'stats', 'keyspace_misses'), '0');
  assert.is(await infoField(c0, 'stats', 'keyspace_hits'), '0');
  // The INFOs asked since are the only commands counted (the workers' counts merged).
  assert.is(await infoField(c1, 'stats', 'total_commands_processed'), '3');
  const rows = ((await c1.call('INFO', 'commandstats')) as string).split('\r\n').filter((l) => l.startsWith('cmdstat_'));
  assert.is(rows.length, 1, rows.join(' '));
  assert.match(rows[0], /^cmdstat_info:calls=4,/);
});

t('CONFIG SET of the options of lists, sets, Pub/Sub and keyspace notifications: applied on every worker', async () => {
  const [c0, c1] = clients;
  assert.equal(await c0.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA', 'list-max-ziplist-size', '4', 'set-max-intset-entries', '16', 'client-output-buffer-limit', 'pubsub 1mb 512kb 10'), 'OK');
  for (const c of clients) {
    assert.equal(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
    assert.equal(await c.call('CONFIG', 'GET', 'list-max-listpack-size', 'set-max-intset-entries'), ['list-max-listpack-size', '4', 'set-max-intset-entries', '16']);
    assert.equal(await c.call('CONFIG', 'GET', 'client-output-buffer-limit'), ['client-output-buffer-limit', `normal ${await c.call('CONFIG', 'GET', 'client-output-limit').then((r) => (r as string[])[1])} 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10`]);
  }
  // A subscriber (on either worker) sees the events of keys written on both workers.
  const sub = await RespClient.connect(cluster.port);
  try {
    assert.equal(await sub.call('PSUBSCRIBE', '__keyevent@0__:*'), ['psubscribe', '__keyevent@0__:*', 1]);
    const keys = keysPerShard('cfg-ev:', shardOfString).slice(0, 2);
    for (const key of keys) assert.equal(await c1.call('RPUSH', key, 'x'), 1);
    const seen: string[] = [];
    for (let i = 0; i < keys.length; i++) seen.push(((await sub.read()) as string[]).slice(2).join(' '));
    // A is every class but n (new keys) and m, as Redis's.
    assert.equal(seen.sort(), keys.map((k) => `__keyevent@0__:rpush ${k}`).sort());
  } finally {
    sub.close();
  }
  assert.equal(await c0.call('CONFIG', 'SET', 'notify-keyspace-events', ''), 'OK');
  assert.equal(await c1.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', '']);
});

t('RESP3: CONFIG GET is a map, CONFIG SET and HELP as in RESP2', async () => {
  const c = await Resp3Client.connect(cluster.port);
  await c.call('HELLO', '3');
  const got = await c.call('CONFIG', 'GET', 'maxmemory', 'save');
  assert.equal(got.value, { map: [['maxmemory', '67108864'], ['save', '']] });
  assert.is(got.raw, '%2\r\n$9\r\nmaxmemory\r\n$8\r\n67108864\r\n$4\r\nsave\r\n$0\r\n\r\n');
  assert.equal((await c.call('CONFIG', 'SET', 'timeout', '0')).value, { simple: 'OK' });
  const help = (await c.call('CONFIG', 'HELP')).value as { simple: string }[];
  assert.is(help[0].simple, 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  c.text.close();
});

t.run();

// ---- the config file: REWRITE, the reload, workers started later -------------------------------

const f = suite('e2e: CONFIG REWRITE and the config file\'s reload');

f('CONFIG REWRITE writes the settings to --config; SIGUSR2 applies the file\'s, and a worker the reload adds starts with them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-config-'));
  const file = path.join(dir, 'kv.json');
  fs.writeFileSync(file, JSON.stringify({ workers: 2, maxmemory: '64mb', 'admin-port': -1 }));
  const server = await startCluster({ workers: 0, args: ['--config', file] });
  const opened: RespClient[] = [];
  try {
    const c = await RespClient.connect(server.port);
    opened.push(c);
    assert.equal(await c.call('CONFIG', 'SET', 'maxclients', '500', 'timeout', '70'), 'OK');
    assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    // What the file held stays; what CONFIG SET changed is added.
    assert.equal({ ...written, 'log-level': undefined }, { workers: 2, maxmemory: 67108864, 'admin-port': -1, maxclients: 500, timeout: 70, 'log-level': undefined });

    // SLOWLOG and LATENCY on: a worker the resize adds keeps and answers its part too.
    assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'latency-monitor-threshold', '1'), 'OK');
    assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');

    // The operator edits the file: one more worker, a new maxmemory. timeout, which the file
    // does not change from the last load, keeps what CONFIG SET made it.
    fs.writeFileSync(file, JSON.stringify({ workers: 3, maxmemory: '48mb', maxclients: 600, 'admin-port': -1 }));
    process.kill(server.pid, 'SIGUSR2');
    await server.waitForLog((l) => l.message === 'resize done' && l.to === 3, 20_000);
    const each = await clientPerWorker(server.port, 3);
    opened.push(...each.filter(Boolean));
    for (const w of each) assert.equal(await w.call('CONFIG', 'GET', 'maxmemory', 'maxclients', 'timeout'), ['maxmemory', '50331648', 'maxclients', '600', 'timeout', '70']);
    for (const w of each) assert.equal(await w.call('PING'), 'PONG');
    // A slow log entry's id is count * 16 + its worker: every worker's PING is in the merged log.
    const entries = (await c.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
    const pingedOn = new Set(entries.filter((e) => e[3][0] === 'PING').map((e) => e[0] % 16));
    assert.equal([...pingedOn].sort(), [0, 1, 2], 'PINGs logged on every worker, the added one too');
    assert.ok(Array.isArray(await c.call('LATENCY', 'LATEST')), 'LATENCY LATEST answers over the 3 workers');
    assert.equal(await c.call('CONFIG', 'GET', 'slowlog-log-slower-than'), ['slowlog-log-slower-than', '0'], 'a setting the file leaves alone survives the reload');

    // The file cannot be written: Redis's error, with the reason.
    fs.rmSync(dir, { recursive: true, force: true });
    const failed = (await c.call('CONFIG', 'REWRITE')) as { error: string };
    assert.match(failed.error, /^ERR Rewriting config file: ENOENT/);
  } finally {
    for (const c of opened) c.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.is(await server.stop(), 0);
  }
});

f.run();
