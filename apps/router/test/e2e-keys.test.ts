import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { Contention } from '../../../test-support/contention';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, RawConn, type Node, type Reply } from '../../../test/compat/resp-raw';
import { sleep, startRedis, type Target } from '../../../test/clients/target';
import { RawListener } from '../../../test/compat/listener';
import { encodeCommand } from '../../../test/compat/resp-raw';
import { eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, RespClient, startCluster } from './harness';

/**
 * RENAME, RENAMENX and COPY against redis-server: seeded random sequences over keys sharing a
 * hash tag, of every type and form (strings, lists, sets, sorted sets and hashes, packed and past
 * their limits: this server packs only up to 4 elements), with TTLs, options and errors, and
 * changes to a copy after it was made (a copy is its own); replies compared byte for byte in RESP2
 * and RESP3 (a set's members sorted), with keys of one shard, of two shards of one worker and of
 * two workers. Then what redis-server cannot show: across workers a rename is atomic (a reader
 * never sees both keys or neither) in MULTI/EXEC and scripts too, WATCH sees it, and OOM under
 * noeviction changes nothing.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: RENAME, RENAMENX and COPY answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

type Compare = 'exact' | 'sorted';
const LIMITS = ['--list-max-listpack-size', '4', '--set-max-intset-entries', '3', '--set-max-listpack-entries', '4', '--zset-max-listpack-entries', '4'];

function commandsFor(next: () => number, keys: string[]): [string[], Compare][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const some = <T>(make: (i: number) => T): T[] => Array.from({ length: next() < 0.3 ? 8 : 1 + Math.floor(next() * 3) }, (_, i) => make(i));
  const out: [string[], Compare][] = [];
  for (let i = 0; i < 300; i++) {
    const [a, b] = [pick(keys), pick(keys)];
    const r = next();
    if (r < 0.06) out.push([['SET', a, pick(['v', '12', 'x'.repeat(70)])], 'exact']);
    else if (r < 0.12) out.push([['RPUSH', a, ...some((j) => `e${j}`)], 'exact']);
    else if (r < 0.18) out.push([['SADD', a, ...some((j) => (next() < 0.5 ? String(j * 3) : `m${j}`))], 'exact']);
    else if (r < 0.24) out.push([['ZADD', a, ...some((j) => [String(j % 3), `z${j}`]).flat()], 'exact']);
    else if (r < 0.29) out.push([['HSET', a, ...some((j) => [`f${j}`, `${j}`]).flat()], 'exact']);
    else if (r < 0.33) out.push([['EXPIRE', a, pick(['1000', '2000'])], 'exact']);
    else if (r < 0.45) out.push([['RENAME', a, b], 'exact']);
    else if (r < 0.52) out.push([['RENAMENX', a, b], 'exact']);
    else if (r < 0.66) out.push([['COPY', a, b, ...pick([[], ['REPLACE'], ['DB', '0'], ['DB', '0', 'REPLACE'], ['replace', 'db', '0']])], 'exact']);
    else if (r < 0.69) out.push([pick([['COPY', a, b, 'DB'], ['COPY', a, b, 'DB', 'x'], ['COPY', a, b, 'FOO'], ['COPY', a, a], ['RENAME', a, a], ['RENAMENX', a, a], ['COPY', a, b, 'DB', '99999999999'], ['RENAME', a], ['COPY', a]]), 'exact']);
    else if (r < 0.73) out.push([['TYPE', a], 'exact']);
    else if (r < 0.77) out.push([['TTL', a], 'exact']);
    else if (r < 0.81) out.push([['GET', a], 'exact']);
    else if (r < 0.85) out.push([['LRANGE', a, '0', '-1'], 'exact']);
    else if (r < 0.89) out.push([['SMEMBERS', a], 'sorted']);
    else if (r < 0.93) out.push([['ZRANGE', a, '0', '-1', 'WITHSCORES'], 'exact']);
    else if (r < 0.97) out.push([['HGETALL', a], 'exact']);
    else out.push([['DEL', a], 'exact']);
  }
  return out;
}

function normalized(reply: Reply, how: Compare): string {
  if (!('raw' in reply)) return reply.failed;
  if (how === 'exact' || !('items' in reply.node) || reply.node.items === null) return reply.raw;
  const items = [...reply.node.items].sort((x, y) => ((x as { v: string }).v < (y as { v: string }).v ? -1 : 1));
  return encode({ t: reply.node.t, items } as Node);
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster = await startCluster({ workers, args: LIMITS });
  try {
    // Two keys of one shard, and keys of other shards: of this worker and of the others.
    const keys = ['{k}a', '{k}b', ...keysPerShard('mv-', shardOfString).slice(0, workers + 1)];
    await eachProtocol(cluster.port, redis!.port, async (pair) => {
      for (const seed of seeds) {
        await flushBoth(pair);
        await sameReplies(pair, `${workers} workers, seed ${seed}`, commandsFor(prng(seed * 10 + pair.resp), keys), normalized);
      }
    });
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random RENAME, RENAMENX and COPY over every type, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: likewise', noRedis, async () => {
  await compare(3, [4]);
});

t('across workers: atomic (a reader never sees both keys or neither), WATCH sees it, in MULTI/EXEC and scripts too', async () => {
  const cluster = await startCluster({ workers: 2 });
  const [c, reader, watcher] = [await RespClient.connect(cluster.port), await RespClient.connect(cluster.port), await RespClient.connect(cluster.port)];
  try {
    // Shards 0 and 1: workers 0 and 1.
    const [a, b, a2] = keysPerShard('mv-', shardOfString);
    await c.call('SET', a, 'v');
    let moves = 0;
    let reads = 0;
    const mover = (async () => {
      for (let i = 0; i < 150; i++, moves++) assert.is(await c.call('RENAME', i % 2 === 0 ? a : b, i % 2 === 0 ? b : a), 'OK');
    })();
    for (; moves < 150; reads++) {
      const [x, y] = (await reader.call('MGET', a, b)) as (string | null)[];
      assert.ok((x === null) !== (y === null), `exactly one of the two: ${x} ${y}`);
    }
    await mover;
    assert.ok(reads > 0);
    assert.equal(await c.call('MGET', a, b), ['v', null]);
    // Within MULTI/EXEC and a script, over two workers and over two shards of one.
    await c.call('MULTI');
    await c.call('RENAME', a, b);
    await c.call('COPY', b, a2);
    assert.equal(await c.call('EXEC'), ['OK', 1]);
    assert.is(await c.call('EVAL', "return redis.call('RENAME', KEYS[1], KEYS[2])", '2', b, a), 'OK');
    assert.equal(await c.call('MGET', a, b, a2), ['v', null, 'v']);

    // A client blocked on the destination wakes, as Redis's (the key is made ready), within a shard and across workers.
    await c.call('DEL', a, b, a2);
    for (const [from, to] of [['{bl}a', '{bl}b'], [a, b]]) {
      const blocked = watcher.call('BLPOP', to, '5');
      await sleep(100);
      await c.call('RPUSH', from, 'x', 'y');
      assert.is(await c.call('RENAME', from, to), 'OK');
      assert.equal(await blocked, [to, 'x']);
      assert.equal(await c.call('LRANGE', to, '0', '-1'), ['y']);
      await c.call('DEL', to);
    }

    // WATCH on a rename's destination, on its source, and on a copy's destination, across workers.
    for (const [watched, write] of [[b, ['RENAME', a, b]], [a, ['RENAME', a, b]], [b, ['COPY', a, b]]]) {
      await c.call('SET', a, '1');
      await watcher.call('WATCH', watched as string);
      assert.is(await c.call(...(write as string[])), write[0] === 'COPY' ? 1 : 'OK');
      await watcher.call('MULTI');
      await watcher.call('GET', watched as string);
      assert.is(await watcher.call('EXEC'), null, `WATCH ${watched} saw ${(write as string[]).join(' ')}`);
      await c.call('DEL', a, b);
    }
  } finally {
    for (const conn of [c, reader, watcher]) conn.close();
    assert.is(await cluster.stop(), 0);
  }
});

t('across workers the events fire on each key: new and rename_to (copy_to) on the destination, rename_from on the source', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--notify-keyspace-events', 'KEA$mn'] });
  const [c, sub] = [await RespClient.connect(cluster.port), await RawListener.connect(cluster.port)];
  try {
    const [a, b, a2] = keysPerShard('ev-', shardOfString);
    await c.call('SET', a, 'v');
    sub.socket.write(encodeCommand(['PSUBSCRIBE', '__keyevent@0__:*']));
    await sub.waitFor(1);
    // The SET's own event may still be on its way from the other worker: let it come and drop it.
    const contention = new Contention().start();
    const settle = () => sleep(Math.min(600, contention.bound(150)));
    await settle();
    sub.take();
    const events = async (argv: string[]): Promise<string[]> => {
      await c.call(...argv);
      await settle();
      return sub
        .takeNodes()
        .map((node) => (node as { items: { v: string }[] }).items.slice(2).map((x) => x.v).join(' '))
        .sort();
    };
    assert.equal(await events(['RENAME', a, b]), [`__keyevent@0__:new ${b}`, `__keyevent@0__:rename_from ${a}`, `__keyevent@0__:rename_to ${b}`]);
    assert.equal(await events(['COPY', b, a2]), [`__keyevent@0__:copy_to ${a2}`, `__keyevent@0__:new ${a2}`]);
    assert.equal(await events(['COPY', b, a2]), [], 'nothing copied, nothing fired');
    assert.equal(await events(['RENAMENX', b, a2]), []);
    contention.stop();
  } finally {
    c.close();
    sub.socket.destroy();
    assert.is(await cluster.stop(), 0);
  }
});

t('under noeviction a COPY that does not fit answers OOM and changes nothing; a RENAME needs no more room, and across workers as much as its value', async () => {
  // 1mb: a worker's budget is 512 KiB.
  const cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const c = await RespClient.connect(cluster.port);
  const OOM = { error: "OOM command not allowed when used memory > 'maxmemory'." };
  try {
    const value = 'b'.repeat(300_000);
    assert.is(await c.call('SET', '{o}big', value), 'OK');
    await c.call('SET', '{o}dest', 'small');
    assert.equal(await c.call('COPY', '{o}big', '{o}copy'), OOM);
    assert.equal(await c.call('COPY', '{o}big', '{o}dest', 'REPLACE'), OOM);
    assert.equal(await c.call('MGET', '{o}copy', '{o}dest'), [null, 'small'], 'nothing changed');
    assert.is(await c.call('RENAME', '{o}big', '{o}renamed-to-a-longer-name'), 'OK');
    assert.is(await c.call('STRLEN', '{o}renamed-to-a-longer-name'), 300_000);
    assert.is(await c.call('EXISTS', '{o}big'), 0);
    // Across workers: the destination's worker is full.
    await c.call('FLUSHALL');
    const [a, b] = keysPerShard('oom-', shardOfString);
    assert.is(await c.call('SET', a, value), 'OK');
    assert.is(await c.call('SET', b, value), 'OK');
    const [, b2] = keysPerShard('oom2-', shardOfString);
    for (const argv of [['COPY', a, b2], ['RENAME', a, b2], ['RENAMENX', a, b2]]) assert.equal(await c.call(...argv), OOM, argv[0]);
    assert.equal(await c.call('MGET', a, b2), [value, null], 'nothing changed');
  } finally {
    c.close();
    assert.is(await cluster.stop(), 0);
  }
});

t('across workers every form moves whole: a packed and a big hash, a stream with its ids and counters', async () => {
  const cluster = await startCluster({ workers: 2 });
  const c = await RespClient.connect(cluster.port);
  try {
    // Shard 0 is worker 0's, shard 1 worker 1's.
    const keys = keysPerShard('fm-', shardOfString);
    const [from, to] = [keys[0], keys[1]];
    const big = Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat();
    for (const [fields, encoding] of [[['a', '1', 'b', '2'], 'listpack'], [big, 'hashtable']] as const) {
      await c.call('DEL', from, to);
      await c.call('HSET', from, ...fields);
      assert.is(await c.call('COPY', from, to), 1);
      assert.equal(await c.call('HGETALL', to), fields);
      assert.is(await c.call('OBJECT', 'ENCODING', to), encoding);
      await c.call('DEL', to);
      assert.is(await c.call('RENAME', from, to), 'OK');
      assert.equal(await c.call('HGETALL', to), fields);
      assert.is(await c.call('EXISTS', from), 0);
    }
    await c.call('DEL', from, to);
    for (let i = 1; i <= 300; i++) await c.call('XADD', from, `${i}-1`, 'f', `v${i}`);
    await c.call('XDEL', from, '300-1');
    assert.is(await c.call('COPY', from, to), 1);
    assert.equal(await c.call('XRANGE', to, '-', '+'), await c.call('XRANGE', from, '-', '+'));
    assert.is(await c.call('RENAME', from, `${to}:2`), 'OK');
    const info = (await c.call('XINFO', 'STREAM', to)) as (string | number)[];
    const field = (name: string) => info[info.indexOf(name) + 1];
    assert.is(field('length'), 299);
    assert.is(field('last-generated-id'), '300-1', 'the last id survives the copy');
    assert.is(field('max-deleted-entry-id'), '300-1');
    assert.is(field('entries-added'), 300);
    assert.equal(await c.call('XADD', to, '300-1', 'f', 'v'), { error: 'ERR The ID specified in XADD is equal or smaller than the target stream top item' });
  } finally {
    c.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
