import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, type Node, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { eachProtocol, flushBoth, sameReplies, type Pair } from './differential';
import { keysPerShard, startCluster } from './harness';

/**
 * Multi-key commands over keys of several shards (and workers), gathered (coord/gathered.ts)
 * against redis-server: seeded random sequences of SMOVE, LMOVE, RPOPLPUSH, the set and sorted set
 * algebra and their STORE forms, SINTERCARD, ZINTERCARD, ZRANGESTORE, LMPOP, ZMPOP, BITOP, LCS and
 * XREAD over keys without hash tags (one per shard: they spread over the workers), of every type
 * (so WRONGTYPE and missing keys come up), some inside MULTI/EXEC (the blocking forms there too), sent to both; replies compared
 * byte for byte in RESP2 and RESP3 (a set's members sorted: Redis's hash order is its own), then
 * every key's type and whole value, on 1, 2 and 3 workers.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: commands over keys of several shards answered as redis-server answers them';
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

function commandsFor(next: () => number, keys: string[]): [string[], Compare][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const some = (min = 1) => Array.from({ length: min + Math.floor(next() * 3) }, () => pick(keys));
  const member = () => pick(['a', 'b', 'c', 'd', '1', '2', '3']);
  const side = () => pick(['LEFT', 'RIGHT']);
  const out: [string[], Compare][] = [];
  let id = 1;
  for (let i = 0; i < 300; i++) {
    const k = pick(keys);
    const r = next();
    if (r < 0.08) out.push([['SADD', k, member(), member()], 'exact']);
    else if (r < 0.15) out.push([['RPUSH', k, member(), member()], 'exact']);
    else if (r < 0.22) out.push([['ZADD', k, pick(['1', '2', '-inf', '3.5']), member(), '2', member()], 'exact']);
    else if (r < 0.24) out.push([['SET', k, pick(['abc', 'abd', 'x', '\u00ff\u0001'])], 'exact']);
    else if (r < 0.26) out.push([['XADD', k, `${id++}-1`, 'f', member()], 'exact']);
    else if (r < 0.28) out.push([['DEL', k], 'exact']);
    else if (r < 0.33) out.push([['SMOVE', pick(keys), pick(keys), member()], 'exact']);
    else if (r < 0.38) out.push([['LMOVE', pick(keys), pick(keys), side(), side()], 'exact']);
    else if (r < 0.4) out.push([['RPOPLPUSH', pick(keys), pick(keys)], 'exact']);
    else if (r < 0.45) out.push([[pick(['SINTER', 'SUNION', 'SDIFF']), ...some()], 'sorted']);
    else if (r < 0.5) out.push([[pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(keys), ...some()], 'exact']);
    else if (r < 0.52) {
      const counted = some();
      out.push([['SINTERCARD', String(counted.length), ...counted, ...(next() < 0.5 ? [] : ['LIMIT', pick(['0', '1', '2'])])], 'exact']);
    } else if (r < 0.57) {
      const counted = some();
      const options = next() < 0.3 ? ['WEIGHTS', ...counted.map(() => pick(['1', '2', '-1']))] : next() < 0.5 ? ['AGGREGATE', pick(['MIN', 'MAX', 'SUM'])] : [];
      const cmd = pick(['ZUNION', 'ZINTER', 'ZDIFF']);
      out.push([[cmd, String(counted.length), ...counted, ...(cmd === 'ZDIFF' ? [] : options), ...(next() < 0.5 ? ['WITHSCORES'] : [])], 'exact']);
    } else if (r < 0.62) {
      const counted = some();
      const cmd = pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
      out.push([[cmd, pick(keys), String(counted.length), ...counted, ...(cmd !== 'ZDIFFSTORE' && next() < 0.4 ? ['AGGREGATE', 'MAX'] : [])], 'exact']);
    } else if (r < 0.64) {
      const counted = some();
      out.push([['ZINTERCARD', String(counted.length), ...counted], 'exact']);
    } else if (r < 0.67) out.push([['ZRANGESTORE', pick(keys), pick(keys), '0', pick(['-1', '1'])], 'exact']);
    else if (r < 0.71) {
      const counted = some();
      out.push([['LMPOP', String(counted.length), ...counted, side(), ...(next() < 0.5 ? ['COUNT', pick(['1', '3'])] : [])], 'exact']);
    } else if (r < 0.75) {
      const counted = some();
      out.push([['ZMPOP', String(counted.length), ...counted, pick(['MIN', 'MAX']), ...(next() < 0.5 ? ['COUNT', pick(['1', '3'])] : [])], 'exact']);
    } else if (r < 0.78) out.push([['BITOP', pick(['AND', 'OR', 'XOR']), pick(keys), ...some()], 'exact']);
    else if (r < 0.79) out.push([['BITOP', 'NOT', pick(keys), pick(keys)], 'exact']);
    else if (r < 0.82) out.push([['LCS', pick(keys), pick(keys), ...(next() < 0.5 ? [] : [pick(['LEN', 'IDX'])])], 'exact']);
    else if (r < 0.86) {
      const streams = some();
      out.push([['XREAD', 'COUNT', pick(['1', '5']), 'STREAMS', ...streams, ...streams.map(() => pick(['0', '1-1', '$']))], 'exact']);
    } else if (r < 0.9) {
      // Inside MULTI/EXEC (its hold covers every worker of the gathered keys).
      out.push([['MULTI'], 'exact']);
      out.push([['SMOVE', pick(keys), pick(keys), member()], 'exact']);
      out.push([['LMOVE', pick(keys), pick(keys), side(), side()], 'exact']);
      const counted = some(2);
      out.push([['ZUNIONSTORE', pick(keys), String(counted.length), ...counted], 'exact']);
      // Blocking forms in MULTI do not wait: their non-blocking form, gathered.
      out.push([['BLMOVE', pick(keys), pick(keys), side(), side(), '0'], 'exact']);
      out.push([['BLMPOP', '0', String(counted.length), ...counted, side()], 'exact']);
      out.push([['BZMPOP', '0', String(counted.length), ...counted, 'MIN'], 'exact']);
      out.push([['BRPOPLPUSH', pick(keys), pick(keys), '0'], 'exact']);
      out.push([['XREAD', 'BLOCK', '0', 'STREAMS', ...counted, ...counted.map(() => '0')], 'exact']);
      out.push([['EXEC'], 'exact']);
    } else out.push([[pick(['TYPE', 'EXISTS']), k], 'exact']);
  }
  return out;
}

function normalized(reply: Reply, how: Compare): string {
  if (!('raw' in reply)) return reply.failed;
  if (how === 'exact' || !('items' in reply.node) || reply.node.items === null) return reply.raw;
  const items = [...reply.node.items].sort((x, y) => ((x as { v: string }).v < (y as { v: string }).v ? -1 : 1));
  return encode({ t: reply.node.t, items } as Node);
}

/** Every key's type and whole value on both servers (a set's members sorted). */
async function sameState(pair: Pair, keys: string[], label: string): Promise<void> {
  const read: Record<string, [string[], Compare]> = {
    string: [['GET'], 'exact'],
    list: [['LRANGE', '', '0', '-1'], 'exact'],
    set: [['SMEMBERS'], 'sorted'],
    zset: [['ZRANGE', '', '0', '-1', 'WITHSCORES'], 'exact'],
    stream: [['XRANGE', '', '-', '+'], 'exact'],
  };
  for (const key of keys) {
    const [ours, theirs] = [await pair.ours.command(['TYPE', key]), await pair.theirs.command(['TYPE', key])];
    assert.is(normalized(ours, 'exact'), normalized(theirs, 'exact'), `${label}: TYPE ${key}`);
    const type = 'raw' in theirs && 'v' in theirs.node ? theirs.node.v ?? 'none' : 'none';
    const how = read[type];
    if (how === undefined) continue;
    const argv = [how[0][0], key, ...how[0].slice(2)];
    assert.is(normalized(await pair.ours.command(argv), how[1]), normalized(await pair.theirs.command(argv), how[1]), `${label}: ${argv.join(' ')}`);
  }
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster = await startCluster({ workers });
  try {
    // One key per shard, of the first 5 shards: on 2 and 3 workers of several workers, on 1 of several shards.
    const keys = keysPerShard('xs-', shardOfString).slice(0, 5);
    await eachProtocol(cluster.port, redis!.port, async (pair) => {
      for (const seed of seeds) {
        await flushBoth(pair);
        const label = `${workers} workers, seed ${seed}`;
        await sameReplies(pair, label, commandsFor(prng(seed * 10 + pair.resp), keys), normalized);
        await sameState(pair, keys, `${label}, RESP${pair.resp}`);
      }
    });
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '1 worker (keys of several shards): random commands, RESP2 and RESP3', noRedis, async () => {
  await compare(1, [1, 2]);
});

skips.test(t, '2 workers: random commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [3, 4]);
});

skips.test(t, '3 workers: random commands, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [5, 6]);
});

t.run();
