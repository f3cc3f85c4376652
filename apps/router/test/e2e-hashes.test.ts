import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { keysPerShard, resizeLive, RespClient, respClientOn, sleep, startCluster, stats, TextClient, type Cluster } from './harness';
import { clientsOn, everyWorker } from './on-workers';

/**
 * Hashes end to end on 2 workers over RESP: every hash command, on keys owned by either worker
 * (so answered here and forwarded), WRONGTYPE both ways, the text protocol's GET of a hash, a hash
 * surviving a live resize, hash tags in both protocols, and the same commands sent to
 * redis-server answered the same, byte for byte (reported skipped without redis-server).
 */

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };

/** One key per worker of a 2-worker cluster (shard s lives on worker s % 2), with a prefix. */
function onEachWorker(prefix: string): [string, string] {
  const keys = keysPerShard(prefix, shardOfString);
  return [keys[0], keys[1]];
}

const t = suite('e2e: hashes on 2 workers');
let cluster: Cluster;
let c: RespClient;

t.before(async () => {
  cluster = await startCluster({ workers: 2 });
  c = await RespClient.connect(cluster.port);
});
t.after(async () => {
  c?.close();
  assert.is(await cluster?.stop(), 0);
});

t('every hash command, on a key of each worker', async () => {
  for (const k of onEachWorker('hc-')) {
    assert.equal(await c.call('HSET', k, 'a', '1', 'b', '2', 'c', '3'), 3, k);
    assert.equal(await c.call('HSET', k, 'a', '10', 'd', '4', 'd', '44'), 1);
    assert.equal(await c.call('HSETNX', k, 'a', 'x'), 0);
    assert.equal(await c.call('HSETNX', k, 'e', '5'), 1);
    assert.equal(await c.call('HMSET', k, 'f', '6'), 'OK');
    assert.equal(await c.call('HGET', k, 'a'), '10');
    assert.equal(await c.call('HGET', k, 'zz'), null);
    assert.equal(await c.call('HMGET', k, 'a', 'zz', 'd'), ['10', null, '44']);
    assert.equal(await c.call('HGETALL', k), ['a', '10', 'b', '2', 'c', '3', 'd', '44', 'e', '5', 'f', '6']);
    assert.equal(await c.call('HKEYS', k), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(await c.call('HVALS', k), ['10', '2', '3', '44', '5', '6']);
    assert.equal(await c.call('HLEN', k), 6);
    assert.equal(await c.call('HEXISTS', k, 'b'), 1);
    assert.equal(await c.call('HEXISTS', k, 'zz'), 0);
    assert.equal(await c.call('HSTRLEN', k, 'd'), 2);
    assert.equal(await c.call('HDEL', k, 'b', 'zz'), 1);
    assert.equal(await c.call('HINCRBY', k, 'c', '7'), 10);
    assert.equal(await c.call('HINCRBY', k, 'c', 'x'), { error: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('HINCRBYFLOAT', k, 'c', '0.5'), '10.5');
    assert.equal(await c.call('HINCRBYFLOAT', k, 'a', '+inf'), { error: 'ERR value is NaN or Infinity' });
    const one = (await c.call('HRANDFIELD', k)) as string;
    assert.ok(['a', 'c', 'd', 'e', 'f'].includes(one), one);
    assert.equal(await c.call('HRANDFIELD', k, '10', 'WITHVALUES'), ['a', '10', 'c', '10.5', 'd', '44', 'e', '5', 'f', '6']);
    assert.is(new Set((await c.call('HRANDFIELD', k, '3')) as string[]).size, 3);
    assert.is(((await c.call('HRANDFIELD', k, '-7')) as string[]).length, 7);
    assert.equal(await c.call('HSCAN', k, '0'), ['0', ['a', '10', 'c', '10.5', 'd', '44', 'e', '5', 'f', '6']]);
    assert.equal(await c.call('HSCAN', k, '0', 'MATCH', '[ac]'), ['0', ['a', '10', 'c', '10.5']]);
    assert.equal(await c.call('TYPE', k), 'hash');
    assert.equal(await c.call('HDEL', k, 'a', 'c', 'd', 'e', 'f'), 5);
    assert.equal(await c.call('EXISTS', k), 0, 'the last field took the key with it');
  }
  assert.equal(await c.call('HSET', 'x', 'a'), { error: "ERR wrong number of arguments for 'hset' command" });
  assert.equal(await c.call('HSET', 'x', 'a', '1', 'b'), { error: "ERR wrong number of arguments for 'hset' command" });
});

t('HSCAN walks a big hash by cursor, forwarded or not: every field present throughout, once', async () => {
  for (const k of onEachWorker('hs-')) {
    const fields = Array.from({ length: 500 }, (_, i) => `field-${i}`);
    assert.equal(await c.call('HSET', k, ...fields.flatMap((f) => [f, 'v'])), 500);
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await c.call('HSCAN', k, cursor, 'COUNT', '40')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.push(items[i]);
      await c.call('HSET', k, `extra-${calls}`, 'x');
      await c.call('HDEL', k, `extra-${calls - 1}`);
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 1000);
    assert.ok(calls >= 12, `${calls} calls`);
    const walked = seen.filter((f) => f.startsWith('field-'));
    assert.is(walked.length, 500);
    assert.is(new Set(walked).size, 500);
    assert.equal(await c.call('DEL', k), 1);
  }
});

t('WRONGTYPE both ways; SET overwrites a hash, MGET answers nil, key commands work on any type', async () => {
  const [h, h2] = onEachWorker('wt-h-');
  const [s] = onEachWorker('wt-s-');
  await c.call('HSET', h, 'f', 'v');
  await c.call('HSET', h2, 'f', 'v');
  await c.call('SET', s, 'str');
  for (const argv of [['GET', h], ['GETSET', h, 'x'], ['GETDEL', h], ['GETEX', h, 'EX', '10'], ['APPEND', h, 'x'], ['STRLEN', h], ['INCR', h], ['DECRBY', h, '2'], ['INCRBYFLOAT', h, '1'], ['SET', h, 'x', 'GET']]) {
    assert.equal(await c.call(...argv), WRONGTYPE, argv.join(' '));
  }
  for (const argv of [['HSET', s, 'f', 'v'], ['HGET', s, 'f'], ['HGETALL', s], ['HDEL', s, 'f'], ['HLEN', s], ['HSCAN', s, '0'], ['HRANDFIELD', s], ['HINCRBY', s, 'f', '1']]) {
    assert.equal(await c.call(...argv), WRONGTYPE, argv.join(' '));
  }
  assert.equal(await c.call('SETNX', h, 'x'), 0);
  assert.equal(await c.call('MGET', h, s, h2, 'nokey'), [null, 'str', null, null], 'MGET over both workers');
  assert.equal(await c.call('EXISTS', h, s, h2), 3);
  assert.equal(await c.call('EXPIRE', h, '100'), 1);
  assert.equal(await c.call('TTL', h), 100);
  assert.equal(await c.call('PERSIST', h), 1);
  assert.equal(await c.call('TOUCH', h, h2), 2);
  assert.equal(await c.call('TYPE', h), 'hash');
  assert.equal(await c.call('TYPE', s), 'string');
  assert.ok(((await c.call('KEYS', 'wt-*')) as string[]).includes(h));
  const hashes: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await c.call('SCAN', cursor, 'TYPE', 'hash', 'MATCH', 'wt-*', 'COUNT', '1000')) as [string, string[]];
    hashes.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  assert.equal(hashes.sort(), [h, h2].sort(), 'SCAN TYPE hash');
  assert.equal(await c.call('MSET', h, 'now a string', s, 'still'), 'OK');
  assert.equal(await c.call('TYPE', h), 'string');
  assert.equal(await c.call('SET', h2, 'x'), 'OK');
  assert.equal(await c.call('GET', h2), 'x');
  assert.equal(await c.call('DEL', h, h2, s), 3);
});

t("the text protocol's GET of a hash answers ERROR; PUT overwrites it", async () => {
  const [h, far] = onEachWorker('txt-');
  await c.call('HSET', h, 'f', 'v');
  await c.call('HSET', far, 'f', 'v');
  const text = await TextClient.connect(cluster.port);
  assert.equal(await text.request([`GET ${h}`, `GET ${far}`, `PUT ${far} plain`, `GET ${far}`]), ['ERROR', 'ERROR', 'OK', 'plain']);
  text.close();
  assert.equal(await c.call('TYPE', far), 'string');
  await c.call('DEL', h, far);
});

t('hash tags: {user1}.a and {user1}.b share a shard in both protocols; an MSET of tagged keys stays on one worker', async () => {
  assert.is(await c.call('FLUSHALL'), 'OK');
  assert.is(shardOfString('{user1}.a'), shardOfString('{user1}.b'));
  assert.is(shardOfString('{user1}.a'), shardOfString('user1'));
  // Written over the text protocol, all ten land on the worker owning the tag's shard.
  const writer = await TextClient.connect(cluster.port);
  const tagged = Array.from({ length: 10 }, (_, i) => `{user1}.${i}`);
  assert.equal(await writer.request(tagged.map((k) => `PUT ${k} v${k}`)), tagged.map(() => 'OK'));
  const owner = shardOfString('user1') % 2;
  const perWorker = new Map<number, number>();
  writer.close();
  for (const client of await clientsOn(everyWorker(2), () => TextClient.connect(cluster.port), async (c) => Number((await stats(c)).get('worker')))) {
    const figures = await stats(client);
    perWorker.set(Number(figures.get('worker')), Number(figures.get('keys')));
    client.close();
  }
  assert.is(perWorker.get(owner), 10, `worker ${owner} owns shard ${shardOfString('user1')}: ${JSON.stringify([...perWorker])}`);
  assert.is(perWorker.get(1 - owner), 0);
  // Read back over RESP, and as a hash with a tag.
  assert.equal(await c.call('MGET', '{user1}.0', '{user1}.9'), ['v{user1}.0', 'v{user1}.9']);
  assert.equal(await c.call('HSET', '{user1}.profile', 'name', 'Ada'), 1);
  assert.equal(await c.call('HGET', '{user1}.profile', 'name'), 'Ada');

  // MSET and MGET of keys with one tag involve one worker: nothing more goes between workers
  // than for no command at all, while untagged keys on both workers do cross.
  const forwarded = async () => Number(/kv_commands_forwarded:(\d+)/.exec((await c.call('INFO', 'stats')) as string)![1]);
  const crossed = async (argv: string[] | null) => {
    const before = await forwarded();
    if (argv !== null) await c.call(...argv);
    return (await forwarded()) - before;
  };
  const idle = await crossed(null);
  // Pick a tag owned by this connection's worker: the one whose MSET crosses no more than nothing.
  // Tags on shards of both parities (15, 3, 14, 2, 7, 6): some are on this connection's worker.
  const tags = ['{a}', '{b}', '{ta}', '{tb}', '{c}', '{tc}'];
  const deltas: number[] = [];
  for (const tag of tags) deltas.push((await crossed(['MSET', `${tag}x`, '1', `${tag}y`, '2', `${tag}z`, '3'])) - idle);
  const mine = tags.filter((_, i) => deltas[i] === 0);
  assert.ok(mine.length > 0, `an MSET of one tag on this worker crosses nothing: ${deltas}`);
  for (let i = 0; i < tags.length; i++) assert.ok(deltas[i] <= 2, `one tag, one worker: a prepare and its commit at most (${tags[i]}: ${deltas[i]})`);
  const spread = onEachWorker('spread-');
  assert.ok((await crossed(['MSET', spread[0], '1', spread[1], '2'])) - idle >= 1, 'untagged keys on both workers cross');
  assert.equal(await c.call('MGET', `${mine[0]}x`, `${mine[0]}z`), ['1', '3']);
  assert.is((await crossed(['MGET', `${mine[0]}x`, `${mine[0]}y`, `${mine[0]}z`])) - idle, 0, 'an MGET of one tag on this worker crosses nothing');
});

t.run();

// ---------------------------------------------------------------------------------------------

const scale = suite('e2e: hashes across a live resize');
let scaling: Cluster;

scale.before(async () => {
  scaling = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
});
scale.after(async () => {
  assert.is(await scaling?.stop(), 0);
});

scale('hashes on every shard move whole with their TTLs; an HSCAN cursor taken before goes on after', async () => {
  // On worker 0, which every resize keeps (client ids are k * 16 + worker + 1).
  const client = await respClientOn(scaling.port, 0);
  const keys = keysPerShard('rh-', shardOfString);
  for (const [i, k] of keys.entries()) {
    assert.equal(await client.call('HSET', k, 'shard', String(i), 'n', String(i * 10), 'tail', 'x'), 3);
    if (i % 3 === 0) assert.equal(await client.call('EXPIRE', k, '1000'), 1);
  }
  const big = keys[2];
  const fields = Array.from({ length: 400 }, (_, i) => `f${i}`);
  await client.call('HSET', big, ...fields.flatMap((f) => [f, f.toUpperCase()]));
  const seen: string[] = [];
  let cursor = '0';
  const step = async () => {
    const [next, items] = (await client.call('HSCAN', big, cursor, 'COUNT', '50')) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) seen.push(items[i]);
    cursor = next;
  };
  await step();
  await step();
  const report = await resizeLive(scaling!, 3);
  assert.ok(report.moves.some((m) => m.shard === 2), 'the big hash moved');
  await step();
  await resizeLive(scaling!, 1);
  while (cursor !== '0') await step();
  client.close();
  const after = await RespClient.connect(scaling.port);
  for (const [i, k] of keys.entries()) {
    assert.equal(await after.call('TYPE', k), 'hash', k);
    assert.equal(await after.call('HMGET', k, 'shard', 'n', 'tail'), [String(i), String(i * 10), 'x']);
    const ttl = (await after.call('TTL', k)) as number;
    if (i % 3 === 0) assert.ok(ttl > 900 && ttl <= 1000, `${k} kept its TTL: ${ttl}`);
    else assert.is(ttl, -1);
  }
  assert.is(await after.call('HLEN', big), 403);
  after.close();
  const walked = seen.filter((f) => /^f\d+$/.test(f));
  assert.is(walked.length, 400, 'every field once, across two resizes');
  assert.is(new Set(walked).size, 400);
});

scale.run();

// ---------------------------------------------------------------------------------------------

const diff = suite('e2e: hashes, WRONGTYPE and error strings answered as redis-server answers');
const diffSkips = new Skips('e2e: hashes, WRONGTYPE and error strings answered as redis-server answers');
const noRedis = missingTool('redis-server');
let kv: Cluster;
let redis: ChildProcess | null = null;
let redisPort = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

diff.before(async () => {
  if (noRedis !== null) return;
  kv = await startCluster({ workers: 2 });
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await RespClient.connect(redisPort);
      const pong = await probe.call('PING');
      probe.close();
      if (pong === 'PONG') return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error('redis-server did not start');
});
diff.after(async () => {
  redis?.kill('SIGKILL');
  if (kv !== undefined) assert.is(await kv.stop(), 0);
});

/**
 * Commands whose replies are deterministic in Redis (hashes small enough for its listpack
 * encoding, so orders are insertion orders; no timing; HRANDFIELD only as the whole hash), run
 * once for a key on each worker (`$h`, `$s` a hash's and a string's key, `$n` a missing one).
 */
const SCRIPT: string[][] = [
  ['HSET', '$h', 'a', '1', 'b', '2', 'c', '3'],
  ['HSET', '$h', 'a', '10', 'd', '4', 'd', '44'],
  ['HSET', '$h', 'x'],
  ['HSET', '$h', 'x', '1', 'y'],
  ['HMSET', '$h', 'e', '5'],
  ['HSETNX', '$h', 'a', '0'],
  ['HSETNX', '$h', 'f', '6'],
  ['HGET', '$h', 'a'],
  ['HGET', '$h', 'zz'],
  ['HGET', '$n', 'a'],
  ['HMGET', '$h', 'a', 'zz', 'd'],
  ['HMGET', '$n', 'a'],
  ['HGETALL', '$h'],
  ['HGETALL', '$n'],
  ['HKEYS', '$h'],
  ['HVALS', '$h'],
  ['HLEN', '$h'],
  ['HLEN', '$n'],
  ['HEXISTS', '$h', 'a'],
  ['HEXISTS', '$h', 'zz'],
  ['HSTRLEN', '$h', 'd'],
  ['HSTRLEN', '$n', 'd'],
  ['HDEL', '$h', 'b', 'zz', 'b'],
  ['HDEL', '$n', 'a'],
  ['HGETALL', '$h'],
  ['HINCRBY', '$h', 'c', '5'],
  ['HINCRBY', '$h', 'c', '-50'],
  ['HINCRBY', '$h', 'new', '3'],
  ['HINCRBY', '$h', 'c', 'x'],
  ['HINCRBY', '$h', 'c', '9223372036854775808'],
  ['HINCRBY', '$h', 'new', '9223372036854775807'],
  ['HSET', '$h', 'str', 'hello', 'fl', '1.5'],
  ['HINCRBY', '$h', 'str', '1'],
  ['HINCRBY', '$h', 'fl', '1'],
  ['HINCRBYFLOAT', '$h', 'fl', '0.25'],
  ['HINCRBYFLOAT', '$h', 'nf', '0.1'],
  ['HINCRBYFLOAT', '$h', 'nf', '0.2'],
  ['HINCRBYFLOAT', '$h', 'str', '1'],
  ['HINCRBYFLOAT', '$h', 'fl', 'abc'],
  ['HINCRBYFLOAT', '$h', 'fl', '+inf'],
  ['HINCRBYFLOAT', '$h', 'fl', 'nan'],
  ['HINCRBYFLOAT', '$n2', 'f', '2.5'],
  ['HRANDFIELD', '$n'],
  ['HRANDFIELD', '$n', '5'],
  ['HRANDFIELD', '$n', '5', 'WITHVALUES'],
  ['HRANDFIELD', '$h', '0'],
  ['HRANDFIELD', '$h', '100'],
  ['HRANDFIELD', '$h', '100', 'WITHVALUES'],
  ['HRANDFIELD', '$h', '1', 'withvalue'],
  ['HRANDFIELD', '$h', '1', 'WITHVALUES', 'x'],
  ['HRANDFIELD', '$h', 'abc'],
  ['HRANDFIELD', '$h', '-9223372036854770000', 'WITHVALUES'],
  ['HRANDFIELD', '$h', '-9223372036854775808'],
  ['HRANDFIELD', '$n', '-9223372036854775808'],
  ['HSCAN', '$h', '0'],
  ['HSCAN', '$h', '0', 'COUNT', '1'],
  ['HSCAN', '$h', '0', 'MATCH', '*e*'],
  ['HSCAN', '$h', '7', 'MATCH', '[a-d]', 'COUNT', '2'],
  ['HSCAN', '$h', '0', 'COUNT', '0'],
  ['HSCAN', '$h', '0', 'COUNT', 'x'],
  ['HSCAN', '$h', '0', 'TYPE', 'string'],
  ['HSCAN', '$h', '0', 'COUNT'],
  ['HSCAN', '$h', 'abc'],
  ['HSCAN', '$h', '-1'],
  ['HSCAN', '$n', '0'],
  ['HSCAN', '$n', '0', 'COUNT', '0'],
  ['HSCAN', '$n', 'abc'],
  ['SET', '$s', 'v'],
  ['HSET', '$s', 'a', '1'],
  ['HSETNX', '$s', 'a', '1'],
  ['HGET', '$s', 'a'],
  ['HMGET', '$s', 'a'],
  ['HGETALL', '$s'],
  ['HKEYS', '$s'],
  ['HVALS', '$s'],
  ['HDEL', '$s', 'a'],
  ['HLEN', '$s'],
  ['HEXISTS', '$s', 'a'],
  ['HSTRLEN', '$s', 'a'],
  ['HINCRBY', '$s', 'a', '1'],
  ['HINCRBY', '$s', 'a', 'x'],
  ['HINCRBYFLOAT', '$s', 'a', '1'],
  ['HRANDFIELD', '$s'],
  ['HRANDFIELD', '$s', '2'],
  ['HRANDFIELD', '$s', 'x'],
  ['HSCAN', '$s', '0'],
  ['HSCAN', '$s', 'x'],
  ['TYPE', '$h'],
  ['TYPE', '$s'],
  ['TYPE', '$n'],
  ['GET', '$h'],
  ['GETSET', '$h', 'x'],
  ['GETDEL', '$h'],
  ['GETEX', '$h'],
  ['GETEX', '$h', 'EX', '10'],
  ['GETEX', '$h', 'EX', 'abc'],
  ['GETEX', '$h', 'bogus'],
  ['APPEND', '$h', 'x'],
  ['STRLEN', '$h'],
  ['INCR', '$h'],
  ['DECR', '$h'],
  ['INCRBY', '$h', '1'],
  ['INCRBY', '$h', 'x'],
  ['DECRBY', '$h', '1'],
  ['INCRBYFLOAT', '$h', '1'],
  ['INCRBYFLOAT', '$h', 'x'],
  ['SETNX', '$h', 'x'],
  ['SET', '$h', 'x', 'GET'],
  ['SET', '$h', 'x', 'NX', 'GET'],
  ['SET', '$h', 'x', 'NX'],
  ['MGET', '$h', '$s', '$n'],
  ['EXISTS', '$h', '$s', '$n'],
  ['EXPIRE', '$h', '100'],
  ['PERSIST', '$h'],
  ['TTL', '$h'],
  ['TOUCH', '$h'],
  ['SET', '$h', 'x', 'XX'],
  ['TYPE', '$h'],
  ['HSET', '$h', 'again', '1'],
  ['DEL', '$h'],
  ['HSET', '$h', 'again', '1'],
  ['MSET', '$h', 'v'],
  ['TYPE', '$h'],
  // The four error strings Redis 7.0's tests check (expire.tcl, type/incr.tcl), and their kin.
  ['SET', '$s', 'bar', 'EX', '10000000000000000'],
  ['SET', '$s', 'bar', 'EX', '-9999999999999999'],
  ['SET', '$s', 'bar', 'PX', '9223372036854770000'],
  ['SET', '$s', 'bar', 'EXAT', '9223372036854770000'],
  ['SET', '$s', 'bar', 'EX', '-0'],
  ['SET', '$s', 'bar', 'EX', 'abc', 'NOPE'],
  ['SET', '$s', 'bar', 'EX', '10', 'PX', '10'],
  ['GETEX', '$s', 'EX', '10000000000000000'],
  ['GETEX', '$s', 'EX', '-9999999999999999'],
  ['GETEX', '$n', 'EX', 'abc'],
  ['SETEX', '$s', '10000000000000000', 'v'],
  ['PSETEX', '$s', '9223372036854770000', 'v'],
  ['EXPIRE', '$s', '9223370399119966'],
  ['EXPIRE', '$s', '9223372036854776'],
  ['EXPIRE', '$s', '10000000000000000'],
  ['EXPIRE', '$s', '18446744073709561'],
  ['EXPIRE', '$s', '-9223372036854776'],
  ['EXPIRE', '$s', '-9999999999999999'],
  ['EXPIRE', '$n', '10000000000000000'],
  ['EXPIRE', '$s', 'abc', 'AB'],
  ['PEXPIRE', '$s', '9223372036854770000'],
  ['EXPIREAT', '$s', '9223372036854770000'],
  ['TTL', '$s'],
  ['PEXPIREAT', '$s', '9223372036854770000'],
  ['PEXPIREAT', '$s', '-9223372036854770000'],
  ['TTL', '$s'],
  ['SET', '$s', '0'],
  ['INCRBYFLOAT', '$s', '+inf'],
  ['INCRBYFLOAT', '$s', 'inf'],
  ['INCRBYFLOAT', '$s', '-Infinity'],
  ['INCRBYFLOAT', '$s', 'nan'],
  ['INCRBYFLOAT', '$s', '1.5'],
  ['DEL', '$h', '$s', '$n', '$n2'],
];

diffSkips.test(diff, 'the same commands, the same reply bytes', noRedis, async () => {
  // Compared as bytes, as redis-compat does: a +OK and a bulk OK, an integer and a bulk number differ.
  const ours = await RawConn.connect(kv.port);
  const theirs = await RawConn.connect(redisPort);
  // A set of keys per worker; redis-server sees the same names.
  const sets = [0, 1].map((w) => {
    const pick = (prefix: string) => keysPerShard(`${prefix}-`, shardOfString)[w];
    return { $h: pick('dh'), $s: pick('ds'), $n: pick('dn'), $n2: pick('dm') };
  });
  const mismatches: string[] = [];
  for (const names of sets) {
    for (const template of SCRIPT) {
      const argv = template.map((arg) => (arg in names ? names[arg as keyof typeof names] : arg));
      const [mine, reference] = [bytesOf(await ours.command(argv)), bytesOf(await theirs.command(argv))];
      if (mine !== reference) mismatches.push(`${template.join(' ')}\n      redis: ${JSON.stringify(reference)}\n      kv:    ${JSON.stringify(mine)}`);
    }
  }
  ours.close();
  theirs.close();
  assert.equal(mismatches, [], `replies differ:\n    ${mismatches.join('\n    ')}`);
  assert.ok(SCRIPT.length > 150);
});

/** A reply's exact bytes (latin1), or why there were none. */
function bytesOf(reply: Reply): string {
  return 'failed' in reply ? reply.failed : reply.raw;
}

diff.run();
