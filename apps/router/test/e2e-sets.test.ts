import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, RawConn, type Node, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, resizeLive, RespClient, respClientOn, startCluster, type Cluster } from './harness';

/**
 * Sets against redis-server: seeded random sequences of every set command (integers and strings,
 * duplicates, WRONGTYPE, bad counts and cursors, moves and the set algebra over keys sharing a
 * hash tag) sent to this server and to redis-server, replies compared byte for byte in RESP2 and
 * RESP3, but for what Redis leaves unordered or random: a whole set's members are compared sorted
 * (Redis's hashtable order is its own), random picks by their count. SSCAN is compared by what a
 * whole walk returns. This server packs sets only up to 3 integers or 4 strings
 * (--set-max-intset-entries, --set-max-listpack-entries), so sequences cross every conversion.
 * Then lists and sets of every form through two live resizes.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: sets answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

/** How a reply is compared: as sent, its members sorted, or only its shape (a random pick). */
type Compare = 'exact' | 'sorted' | 'shape';

function commandsFor(next: () => number, keys: string[], tagged: string[], str: string): [string[], Compare][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const member = () => (next() < 0.5 ? String(Math.floor(next() * 30) - 5) : next() < 0.03 ? 'w'.repeat(80) : pick(['a', 'b', 'c', '', '01', '-0', ' 1', '9223372036854775807', '-9223372036854775808', '99999999999999999999']));
  const members = () => Array.from({ length: 1 + Math.floor(next() * 4) }, member);
  const out: [string[], Compare][] = [];
  for (let i = 0; i < 400; i++) {
    const k = next() < 0.05 ? str : pick(keys);
    const some = () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(tagged));
    const r = next();
    if (r < 0.3) out.push([['SADD', next() < 0.4 ? pick(tagged) : k, ...members()], 'exact']);
    else if (r < 0.42) out.push([['SREM', next() < 0.3 ? pick(tagged) : k, ...members()], 'exact']);
    else if (r < 0.48) out.push([['SMEMBERS', k], 'sorted']);
    else if (r < 0.53) out.push([['SISMEMBER', k, member()], 'exact']);
    else if (r < 0.57) out.push([['SMISMEMBER', k, ...members()], 'exact']);
    else if (r < 0.61) out.push([['SCARD', k], 'exact']);
    else if (r < 0.65) out.push(next() < 0.5 ? [['SRANDMEMBER', k, pick(['1000', '0', '9223372036854775807'])], 'sorted'] : [['SRANDMEMBER', k, pick(['-3', '-1', '2', '1'])], 'shape']);
    else if (r < 0.67) out.push([['SRANDMEMBER', k], 'shape']);
    else if (r < 0.7) out.push([['SPOP', k, pick(['1000', '0'])], 'sorted']);
    else if (r < 0.78) out.push([['SMOVE', pick(tagged), pick(tagged), member()], 'exact']);
    else if (r < 0.86) out.push([[pick(['SINTER', 'SUNION', 'SDIFF']), ...some()], 'sorted']);
    else if (r < 0.92) out.push([[pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(tagged), ...some()], 'exact']);
    else if (r < 0.93) {
      const counted = some();
      out.push([['SINTERCARD', next() < 0.1 ? pick(['0', '-1', '9', 'x']) : String(counted.length), ...counted, ...(next() < 0.5 ? [] : ['LIMIT', pick(['0', '1', '2', '-1', 'x'])])], 'exact']);
    }
    else if (r < 0.94) out.push([['TYPE', k], 'exact']);
    else if (r < 0.96) out.push([['SET', str, 'v'], 'exact']);
    else out.push([pick([['SPOP', k, '-1'], ['SPOP', k, '1', '2'], ['SRANDMEMBER', k, 'x'], ['SRANDMEMBER', k, '-9223372036854775808'], ['SSCAN', k, 'abc'], ['SSCAN', k, '0', 'COUNT', '0'], ['SADD', k], ['DEL', k]]), 'exact']);
  }
  return out;
}

function normalized(reply: Reply, how: Compare): string {
  if (!('raw' in reply)) return reply.failed;
  if (how === 'exact' || !('items' in reply.node) || reply.node.items === null) {
    return how === 'shape' && reply.node.t === '$' && reply.node.v !== null ? '$member' : reply.raw;
  }
  if (how === 'shape') return `${reply.node.t}${reply.node.items.length}`;
  const items = [...reply.node.items].sort((x, y) => ((x as { v: string }).v < (y as { v: string }).v ? -1 : 1));
  return encode({ t: reply.node.t, items } as Node);
}

/** Every member an SSCAN walk returns, sorted (each at least once: duplicates are allowed). */
async function scanned(conn: RawConn, key: string): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  for (let calls = 0; calls < 1000; calls++) {
    const reply = await conn.command(['SSCAN', key, cursor, 'COUNT', '3']);
    if (!('raw' in reply) || !('items' in reply.node) || reply.node.items === null) throw new Error(`SSCAN ${key}: ${JSON.stringify(reply)}`);
    const [next, members] = reply.node.items as unknown as [{ v: string }, { items: { v: string }[] }];
    for (const m of members.items) seen.add(m.v);
    cursor = next.v;
    if (cursor === '0') break;
  }
  return [...seen].sort();
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster: Cluster = await startCluster({ workers, args: ['--set-max-intset-entries', '3', '--set-max-listpack-entries', '4'] });
  try {
    const keys = keysPerShard('set-', shardOfString).slice(0, 2 * workers);
    const tagged = ['{s}a', '{s}b', '{s}c'];
    await eachProtocol(cluster.port, redis!.port, async (pair) => {
      for (const seed of seeds) {
        await flushBoth(pair);
        await sameReplies(pair, `${workers} workers, seed ${seed}`, commandsFor(prng(seed * 10 + pair.resp), keys, tagged, 'a-string'), normalized);
        for (const key of [...keys, ...tagged]) assert.equal(await scanned(pair.ours, key), await scanned(pair.theirs, key), `SSCAN ${key}, seed ${seed}`);
      }
    });
    // Keys of several shards: gathered (compared with redis-server in e2e-cross-shard).
    const conn = await RawConn.connect(cluster.port);
    try {
      const [a, b] = keys;
      await conn.command(['DEL', a, b]);
      await conn.command(['SADD', a, 'x']);
      assert.is(((await conn.command(['SMOVE', a, b, 'x'])) as { raw: string }).raw, ':1\r\n');
      assert.is(((await conn.command(['SUNIONSTORE', a, a, b])) as { raw: string }).raw, ':1\r\n');
      assert.is(((await conn.command(['SINTERCARD', '2', b, a])) as { raw: string }).raw, ':1\r\n');
      await conn.command(['DEL', b]);
      assert.is(((await conn.command(['SMEMBERS', a])) as { raw: string }).raw, '*1\r\n$1\r\nx\r\n');
      // SPOP with a count below the size: distinct members, gone from the set.
      await conn.command(['SADD', b, ...Array.from({ length: 20 }, (_, i) => `m${i}`)]);
      const popped = ((await conn.command(['SPOP', b, '5'])) as { node: { items: { v: string }[] } }).node.items.map((x) => x.v);
      assert.is(new Set(popped).size, 5);
      assert.is(((await conn.command(['SCARD', b])) as { raw: string }).raw, ':15\r\n');
      for (const m of popped) assert.is(((await conn.command(['SISMEMBER', b, m])) as { raw: string }).raw, ':0\r\n');
    } finally {
      conn.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random set commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: random set commands, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [4]);
});

t('lists and sets on every shard move whole in a live resize, in every form, with their TTLs; an SSCAN cursor goes on after', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '0', '--list-max-listpack-size', '4', '--set-max-intset-entries', '4', '--set-max-listpack-entries', '4'] });
  // On worker 0, which the resize down to 1 keeps (a retired worker closes its clients).
  const client = await respClientOn(cluster.port, 0);
  try {
    const lists = keysPerShard('rl-', shardOfString);
    const sets = keysPerShard('rs-', shardOfString);
    for (let i = 0; i < 16; i++) {
      // Packed on even shards, past the limits on odd ones; integers or strings.
      const n = i % 2 === 0 ? 3 : 40;
      await client.call('RPUSH', lists[i], ...Array.from({ length: n }, (_, j) => `e${i}-${j}`));
      await client.call('SADD', sets[i], ...Array.from({ length: n }, (_, j) => (i % 4 < 2 ? String(j * i) : `m${j}`)));
      if (i % 3 === 0) {
        await client.call('EXPIRE', lists[i], '1000');
        await client.call('EXPIRE', sets[i], '1000');
      }
    }
    const big = sets[3];
    const seen: string[] = [];
    let cursor = '0';
    const step = async () => {
      const [next, items] = (await client.call('SSCAN', big, cursor, 'COUNT', '10')) as [string, string[]];
      seen.push(...items);
      cursor = next;
    };
    await step();
    const report = await resizeLive(cluster, 3);
    assert.ok(report.moves.length > 0);
    await step();
    await resizeLive(cluster, 1);
    while (cursor !== '0') await step();
    for (let i = 0; i < 16; i++) {
      const n = i % 2 === 0 ? 3 : 40;
      assert.equal(await client.call('LRANGE', lists[i], '0', '-1'), Array.from({ length: n }, (_, j) => `e${i}-${j}`), lists[i]);
      const members = ((await client.call('SMEMBERS', sets[i])) as string[]).sort();
      assert.equal(members, [...new Set(Array.from({ length: n }, (_, j) => (i % 4 < 2 ? String(j * i) : `m${j}`)))].sort(), sets[i]);
      for (const key of [lists[i], sets[i]]) {
        const ttl = (await client.call('TTL', key)) as number;
        if (i % 3 === 0) assert.ok(ttl > 900 && ttl <= 1000, `${key} kept its TTL: ${ttl}`);
        else assert.is(ttl, -1, key);
      }
    }
    assert.is(new Set(seen).size, 40, 'every member of the big set, across two resizes');
    await client.call('RPUSH', lists[1], 'after');
    assert.equal(await client.call('RPOP', lists[1]), 'after');
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
