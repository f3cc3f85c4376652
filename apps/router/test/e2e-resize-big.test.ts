import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { shardOfString } from '@kv/wire';
import { keysPerShard, resizeLive, respClientOn, startCluster, type RespClient } from './harness';

/**
 * Big values of every kind (past half a chunk, so each goes in parts over several hand-over
 * chunks) on every shard, through two live resizes: each arrives whole and equal, its TTL kept,
 * and the server answers for it at once after.
 */
const t = suite('e2e: big values in a live resize');

const KINDS = ['string', 'list', 'hash', 'set', 'zset', 'stream'] as const;
/** Each value's items: 700 of 1,500 bytes, about 1 MB. */
const ITEMS = 700;
const item = (key: string, i: number) => `${key}:${i}:`.padEnd(1500, String.fromCharCode(97 + (i % 26)));

async function write(client: RespClient, key: string, kind: (typeof KINDS)[number]): Promise<void> {
  for (let from = 0; from < ITEMS; from += 100) {
    const items = Array.from({ length: 100 }, (_, j) => item(key, from + j));
    if (kind === 'string') await client.call('APPEND', key, items.join(''));
    else if (kind === 'list') await client.call('RPUSH', key, ...items);
    else if (kind === 'hash') await client.call('HSET', key, ...items.flatMap((v, j) => [`f${from + j}`, v]));
    else if (kind === 'set') await client.call('SADD', key, ...items);
    else if (kind === 'zset') await client.call('ZADD', key, ...items.flatMap((v, j) => [String((from + j) / 7), v]));
    else for (const [j, v] of items.entries()) await client.call('XADD', key, `${from + j + 1}-0`, 'f', v);
  }
}

/** A digest of what the server answers for the key, with its kind and TTL. */
async function digest(client: RespClient, key: string, kind: (typeof KINDS)[number]): Promise<string> {
  const reads: Record<string, string[]> = {
    string: ['GET', key],
    list: ['LRANGE', key, '0', '-1'],
    hash: ['HGETALL', key],
    set: ['SMEMBERS', key],
    zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
    stream: ['XRANGE', key, '-', '+'],
  };
  let value = await client.call(...reads[kind]);
  if (kind === 'set') value = (value as string[]).sort();
  // The TTL as kept or not: a resize under a loaded machine may take a minute off it.
  const ttl = (await client.call('TTL', key)) as number;
  const kept = ttl === -1 ? 'no ttl' : ttl > 900 && ttl <= 1000 ? 'ttl kept' : `ttl ${ttl}`;
  return `${await client.call('TYPE', key)} ${kept} ${createHash('sha1').update(JSON.stringify(value)).digest('hex')}`;
}

t('a big value of every kind on every shard arrives whole through a resize up and one down', async () => {
  const cluster = await startCluster({ workers: 1, args: ['--admin-port', '0', '--maxmemory', '512mb'] });
  // On worker 0, which every worker count keeps.
  const client = await respClientOn(cluster.port, 0);
  try {
    const keys = keysPerShard('big-', shardOfString);
    // Two shards a kind, next to each other: each kind has a shard that moves in each resize.
    const kindOf = (i: number) => KINDS[Math.floor(i / 2) % KINDS.length];
    const before: string[] = [];
    for (const [i, key] of keys.entries()) {
      await write(client, key, kindOf(i));
      if (i % 4 === 0) await client.call('EXPIRE', key, '1000');
      before.push(await digest(client, key, kindOf(i)));
    }
    for (const count of [3, 2]) {
      const report = await resizeLive(cluster, count);
      assert.ok(report.moves.length > 0, `a resize to ${count} moved shards`);
      for (const [i, key] of keys.entries()) {
        const after = await digest(client, key, kindOf(i));
        assert.is(after, before[i], `${key} (${kindOf(i)}) after the resize to ${count}`);
      }
    }
    assert.is(await client.call('DBSIZE'), keys.length);
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
