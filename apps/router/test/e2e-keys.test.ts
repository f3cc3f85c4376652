import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, RawConn, type Node, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, RespClient, startCluster } from './harness';

/**
 * RENAME, RENAMENX and COPY against redis-server: seeded random sequences over keys sharing a
 * hash tag, of every type and form (strings, lists, sets, sorted sets and hashes, packed and past
 * their limits: this server packs only up to 4 elements), with TTLs, options and errors, and
 * changes to a copy after it was made (a copy is its own); replies compared byte for byte in RESP2
 * and RESP3 (a set's members sorted). Then what redis-server cannot show: keys of two shards
 * (CROSSSLOT, nothing changed), WATCH seeing a rename and a copy, and OOM under noeviction.
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
    const keys = ['{k}a', '{k}b', '{k}c', '{k}d'];
    for (const resp of [2, 3]) {
      const ours = await RawConn.connect(cluster.port);
      const theirs = await RawConn.connect(redis!.port);
      try {
        if (resp === 3) for (const conn of [ours, theirs]) await conn.command(['HELLO', '3']);
        for (const seed of seeds) {
          for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
          const next = prng(seed * 10 + resp);
          let n = 0;
          for (const [argv, how] of commandsFor(next, keys)) {
            const [got, want] = [normalized(await ours.command(argv), how), normalized(await theirs.command(argv), how)];
            assert.is(got, want, `${workers} workers, RESP${resp}, seed ${seed}, command ${n}: ${argv.join(' ')}`);
            n++;
          }
        }
      } finally {
        ours.close();
        theirs.close();
      }
    }
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

t('keys of two shards answer CROSSSLOT and change nothing; WATCH sees a rename and a copy', async () => {
  const cluster = await startCluster({ workers: 2 });
  const [c, watcher] = [await RespClient.connect(cluster.port), await RespClient.connect(cluster.port)];
  try {
    const [a, b] = keysPerShard('mv-', shardOfString);
    await c.call('SET', a, 'v');
    for (const argv of [['RENAME', a, b], ['RENAMENX', a, b], ['COPY', a, b], ['COPY', a, b, 'REPLACE']]) {
      const reply = (await c.call(...argv)) as { error: string };
      assert.match(reply.error, /^CROSSSLOT /, argv.join(' '));
    }
    assert.equal(await c.call('MGET', a, b), ['v', null]);

    // WATCH on a rename's destination, on its source, and on a copy's destination.
    for (const [watched, write] of [['{w}b', ['RENAME', '{w}a', '{w}b']], ['{w}a', ['RENAME', '{w}a', '{w}b']], ['{w}c', ['COPY', '{w}a', '{w}c']]] as const) {
      await c.call('SET', '{w}a', '1');
      await watcher.call('WATCH', watched);
      assert.is(await c.call(...write), write[0] === 'COPY' ? 1 : 'OK');
      await watcher.call('MULTI');
      await watcher.call('GET', watched);
      assert.is(await watcher.call('EXEC'), null, `WATCH ${watched} saw ${write.join(' ')}`);
      await c.call('DEL', '{w}a', '{w}b', '{w}c');
    }
  } finally {
    c.close();
    watcher.close();
    assert.is(await cluster.stop(), 0);
  }
});

t('under noeviction a COPY that does not fit answers OOM and changes nothing; a RENAME needs no more room', async () => {
  // 1mb: a worker's budget is 512 KiB.
  const cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const c = await RespClient.connect(cluster.port);
  try {
    const value = 'b'.repeat(300_000);
    assert.is(await c.call('SET', '{o}big', value), 'OK');
    await c.call('SET', '{o}dest', 'small');
    assert.equal(await c.call('COPY', '{o}big', '{o}copy'), { error: "OOM command not allowed when used memory > 'maxmemory'." });
    assert.equal(await c.call('COPY', '{o}big', '{o}dest', 'REPLACE'), { error: "OOM command not allowed when used memory > 'maxmemory'." });
    assert.equal(await c.call('MGET', '{o}copy', '{o}dest'), [null, 'small'], 'nothing changed');
    assert.is(await c.call('RENAME', '{o}big', '{o}renamed-to-a-longer-name'), 'OK');
    assert.is(await c.call('STRLEN', '{o}renamed-to-a-longer-name'), 300_000);
    assert.is(await c.call('EXISTS', '{o}big'), 0);
  } finally {
    c.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
