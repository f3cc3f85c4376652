import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, RawConn, type Node, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, resizeLive, respClientOn, startCluster } from './harness';

/**
 * Hashes in both forms against redis-server: seeded random sequences of every hash command sent
 * to this server and to redis-server with the same small thresholds (hash-max-listpack-entries 4,
 * -value 8), so hashes cross from packed to big both ways Redis does (a fifth field, a long field
 * or value), replies compared byte for byte in RESP2 and RESP3, but for what Redis leaves
 * unordered (a big hash's listing: compared as sorted pairs) or random (HRANDFIELD: its shape).
 * Then hashes of both forms through a live resize.
 */
const noRedis = missingTool('redis-server');
const NAME = 'e2e: hashes packed and big, answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;
const SMALL = ['--hash-max-listpack-entries', '4', '--hash-max-listpack-value', '8'];

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

type Compare = 'exact' | 'pairs' | 'sorted' | 'shape';

function commandsFor(next: () => number, keys: string[], str: string): [string[], Compare][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const field = () => (next() < 0.04 ? 'f'.repeat(9 + Math.floor(next() * 5)) : pick(['a', 'b', 'c', 'd', 'e', 'f', '', 'n', 'x']));
  const value = () => (next() < 0.05 ? 'v'.repeat(9) : pick(['1', '2', '-3', '1.5', 'abc', '', '9223372036854775807', 'x']));
  const out: [string[], Compare][] = [];
  for (let i = 0; i < 300; i++) {
    const k = next() < 0.05 ? str : pick(keys);
    const r = next();
    if (r < 0.3) out.push([['HSET', k, ...Array.from({ length: 1 + Math.floor(next() * 3) }, () => [field(), value()]).flat()], 'exact']);
    else if (r < 0.36) out.push([['HSETNX', k, field(), value()], 'exact']);
    else if (r < 0.48) out.push([['HDEL', k, ...Array.from({ length: 1 + Math.floor(next() * 3) }, field)], 'exact']);
    else if (r < 0.56) out.push([['HGET', k, field()], 'exact']);
    else if (r < 0.6) out.push([['HMGET', k, field(), field()], 'exact']);
    else if (r < 0.66) out.push([['HGETALL', k], 'pairs']);
    else if (r < 0.69) out.push([[pick(['HKEYS', 'HVALS']), k], 'sorted']);
    else if (r < 0.73) out.push([[pick(['HLEN', 'HEXISTS', 'HSTRLEN']), k, field()].slice(0, r < 0.7 ? 2 : 3), 'exact']);
    else if (r < 0.8) out.push([['HINCRBY', k, field(), pick(['1', '-2', '100', 'x', '9223372036854775807'])], 'exact']);
    else if (r < 0.84) out.push([['HINCRBYFLOAT', k, field(), pick(['1.5', '-2', '1e3', 'x'])], 'exact']);
    else if (r < 0.88) out.push(next() < 0.5 ? [['HRANDFIELD', k], 'shape'] : [['HRANDFIELD', k, pick(['100', '-3', '2']), ...(next() < 0.5 ? ['WITHVALUES'] : [])], 'shape']);
    else if (r < 0.9) out.push([['HSCAN', k, '0', 'COUNT', '100'], 'pairs']);
    else if (r < 0.93) out.push([['TYPE', k], 'exact']);
    else if (r < 0.95) out.push([['SET', str, 'v'], 'exact']);
    else out.push([pick([['DEL', k], ['HSET', k], ['HGET', k], ['HDEL', k]]), 'exact']);
  }
  return out;
}

/** A listing's items as field-value pairs sorted (an HSCAN reply: its cursor kept, its pairs sorted). */
function normalized(reply: Reply, how: Compare): string {
  if (!('raw' in reply)) return reply.failed;
  const node = reply.node;
  if (how === 'exact' || !('items' in node) || node.items === null) return how === 'shape' && node.t === '$' && node.v !== null ? '$field' : reply.raw;
  if (how === 'shape') return `${node.t}${node.items.length}`;
  const text = (n: Node) => ('v' in n ? String(n.v) : encode(n));
  if (node.t === '*' && node.items.length === 2 && 'items' in node.items[1]) {
    const [cursor, inner] = node.items as [Node, Node & { items: Node[] }];
    return `${text(cursor)} ${normalized({ raw: '', node: inner }, how)}`;
  }
  if (how === 'sorted') return node.items.map(text).sort().join('|');
  const pairs: string[] = [];
  for (let i = 0; i + 1 < node.items.length; i += 2) pairs.push(`${text(node.items[i])}=${text(node.items[i + 1])}`);
  return `${node.t}${pairs.sort().join('|')}`;
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster = await startCluster({ workers, args: SMALL });
  try {
    const keys = keysPerShard('hf-', shardOfString).slice(0, 2 * workers);
    const thresholds = (theirs: RawConn) => theirs.command(['CONFIG', 'SET', 'hash-max-listpack-entries', '4', 'hash-max-listpack-value', '8']);
    await eachProtocol(
      cluster.port,
      redis!.port,
      async (pair) => {
        for (const seed of seeds) {
          await flushBoth(pair);
          await sameReplies(pair, `${workers} workers, seed ${seed}`, commandsFor(prng(seed * 10 + pair.resp), keys, 'a-string'), normalized);
        }
      },
      thresholds,
    );
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random hash commands across both forms, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: random hash commands across both forms, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [4]);
});

t('hashes of both forms on every shard move whole in a live resize, fields in order, with their TTLs', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '0', ...SMALL] });
  const client = await respClientOn(cluster.port, 0);
  try {
    const hashes = keysPerShard('rh-', shardOfString);
    const fieldsOf = (i: number) => Array.from({ length: i % 2 === 0 ? 3 : 30 }, (_, j) => [`f${j}`, `v${i}-${j}`]).flat();
    for (let i = 0; i < 16; i++) {
      await client.call('HSET', hashes[i], ...fieldsOf(i));
      if (i % 3 === 0) await client.call('EXPIRE', hashes[i], '1000');
    }
    assert.ok((await resizeLive(cluster, 3)).moves.length > 0);
    await resizeLive(cluster, 1);
    for (let i = 0; i < 16; i++) {
      const got = (await client.call('HGETALL', hashes[i])) as string[];
      assert.equal(got, fieldsOf(i), `${hashes[i]}: every field, in order`);
      const ttl = (await client.call('TTL', hashes[i])) as number;
      if (i % 3 === 0) assert.ok(ttl > 900 && ttl <= 1000, `${hashes[i]} kept its TTL: ${ttl}`);
      else assert.is(ttl, -1);
    }
    assert.is(await client.call('HSET', hashes[0], 'f9', 'grown'), 1);
    assert.is(await client.call('HGET', hashes[0], 'f9'), 'grown');
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
