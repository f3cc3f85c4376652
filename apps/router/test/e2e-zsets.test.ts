import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { encode, RawConn, type Node, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { all, eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, resizeLive, RespClient, respClientOn, startCluster, type Cluster } from './harness';

/**
 * Sorted sets against redis-server: seeded random sequences of every one-key sorted set command
 * (ZADD's options and their conflicts, INCR to NaN, inf scores, parsing edge cases, empty and
 * reversed ranges, negative and huge ranks, exclusive bounds, LIMIT with negative offsets and
 * counts, lex ranges, pops, WRONGTYPE) sent to this server and to redis-server, replies compared
 * byte for byte in RESP2 and RESP3. Lex commands go to keys whose scores are all 0 (Redis leaves
 * lex ranges over mixed scores unspecified). Then the commands over several keys of one hash tag
 * (ZRANGESTORE, ZMPOP, ZUNION/ZINTER/ZDIFF and STORE forms with WEIGHTS and AGGREGATE, a set as
 * an input, ZINTERCARD; ZRANDMEMBER by its size or, for a whole set, sorted); keys of several
 * shards are gathered (e2e-cross-shard, e2e-cross-shard-blocking). ZSCAN is compared by what a whole walk returns
 * (Redis's big form answers in its hash order). This server packs sorted sets only up to 4
 * members of up to 8 bytes (--zset-max-listpack-entries, -value; redis-server is set alike, as a listpack reads -0 back
 * as 0 and a skiplist keeps it), so sequences cross the conversion both ways it can happen. Then sorted sets of both forms through two live resizes.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: sorted sets answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

const SCORES = ['0', '1', '2', '-1', '1.5', '-2.25', '3.0000000000000004', '0.1', '1e3', '-0', '+inf', '-inf', 'inf', '7', '100', '.5', '1e-320'];
const BAD_SCORES = ['x', 'nan', ' 1', '1 ', '1e400', '', '(1', '0x10'];
const RANKS = ['0', '-1', '1', '2', '-2', '3', '-100', '100', '9223372036854775807', '-9223372036854775808'];
const BOUNDS = ['-inf', '+inf', 'inf', '0', '1', '(1', '(0', '1.5', '(1.5', '-1', '(-inf', '(+inf', '2', '(2', '100', ' 1', '(', '-0'];
const LEX = ['-', '+', '[a', '(a', '[b', '(b', '[c', '(cc', '[', '(', '[zz', '(0'];
const BAD = ['x', 'nan', '1 ', '[a', '1e'];
const BAD_LEX = ['a', '+x', '-a', ''];

function commandsFor(next: () => number, keys: string[], lexKeys: string[], str: string): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const member = () => (next() < 0.03 ? 'w'.repeat(12) : pick(['a', 'b', 'c', 'd', 'e', 'f', '', 'aa', 'b0', 'cc', '1', '-1']));
  const score = () => (next() < 0.04 ? pick(BAD_SCORES) : pick(SCORES));
  const bound = () => (next() < 0.04 ? pick(BAD) : pick(BOUNDS));
  const lex = () => (next() < 0.04 ? pick(BAD_LEX) : pick(LEX));
  const rank = () => (next() < 0.03 ? 'x' : pick(RANKS));
  const limit = (): string[] => (next() < 0.6 ? [] : ['LIMIT', pick(['0', '1', '2', '-1', '5', 'x']), pick(['0', '1', '2', '-1', '3'])]);
  const scores = (): string[] => (next() < 0.3 ? ['WITHSCORES'] : []);
  const out: string[][] = [];
  for (let i = 0; i < 400; i++) {
    const r = next();
    if (r < 0.5) {
      // On a key of mixed scores.
      const k = next() < 0.04 ? str : pick(keys);
      const q = next();
      if (q < 0.26) {
        const options = [pick(['', 'NX', 'XX', '']), pick(['', 'GT', 'LT', '', '']), pick(['', 'CH']), next() < 0.12 ? 'INCR' : ''].filter((o) => o !== '');
        const pairs = Array.from({ length: 1 + Math.floor(next() * (options.includes('INCR') ? 1.2 : 4)) }, () => [score(), member()]).flat();
        out.push(['ZADD', k, ...options, ...pairs]);
      } else if (q < 0.32) out.push(['ZINCRBY', k, score(), member()]);
      else if (q < 0.4) out.push(['ZREM', k, member(), ...(next() < 0.5 ? [member()] : [])]);
      else if (q < 0.44) out.push([pick(['ZCARD', 'TYPE']), k]);
      else if (q < 0.5) out.push(next() < 0.5 ? ['ZSCORE', k, member()] : ['ZMSCORE', k, member(), member()]);
      else if (q < 0.55) out.push([pick(['ZRANK', 'ZREVRANK']), k, member()]);
      else if (q < 0.59) out.push(['ZCOUNT', k, bound(), bound()]);
      else if (q < 0.68) out.push([pick(['ZRANGE', 'ZREVRANGE']), k, rank(), rank(), ...scores()]);
      else if (q < 0.78) out.push([pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), k, bound(), bound(), ...(next() < 0.5 ? [...scores(), ...limit()] : [...limit(), ...scores()])]);
      else if (q < 0.86) {
        const byScore = next() < 0.6;
        const options = [byScore ? 'BYSCORE' : '', next() < 0.4 ? 'REV' : '', ...limit(), ...scores()].filter((o) => o !== '').sort(() => next() - 0.5);
        out.push(['ZRANGE', k, byScore ? bound() : rank(), byScore ? bound() : rank(), ...options]);
      } else if (q < 0.91) out.push([pick(['ZPOPMIN', 'ZPOPMAX']), k, ...(next() < 0.5 ? [] : [pick(['1', '2', '0', '10', '-1', 'x'])])]);
      else if (q < 0.94) out.push(['ZREMRANGEBYRANK', k, rank(), rank()]);
      else if (q < 0.97) out.push(['ZREMRANGEBYSCORE', k, bound(), bound()]);
      else out.push(pick([['SET', str, 'v'], ['DEL', k], ['ZADD', k], ['ZADD', k, '1'], ['ZPOPMIN', k, '1', '2'], ['ZSCAN', k, 'x']]));
    } else {
      // On a key whose scores are all 0.
      const k = pick(lexKeys);
      const q = next();
      if (q < 0.3) out.push(['ZADD', k, ...(next() < 0.3 ? [pick(['NX', 'XX', 'CH'])] : []), ...Array.from({ length: 1 + Math.floor(next() * 3) }, () => ['0', member()]).flat()]);
      else if (q < 0.38) out.push(['ZREM', k, member()]);
      else if (q < 0.46) out.push(['ZLEXCOUNT', k, lex(), lex()]);
      else if (q < 0.62) out.push([pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), k, lex(), lex(), ...limit(), ...(next() < 0.05 ? ['WITHSCORES'] : [])]);
      else if (q < 0.78) {
        const options = ['BYLEX', next() < 0.4 ? 'REV' : '', ...limit(), ...(next() < 0.05 ? ['WITHSCORES'] : [])].filter((o) => o !== '').sort(() => next() - 0.5);
        out.push(['ZRANGE', k, lex(), lex(), ...options]);
      } else if (q < 0.86) out.push(['ZREMRANGEBYLEX', k, lex(), lex()]);
      else if (q < 0.92) out.push([pick(['ZPOPMIN', 'ZPOPMAX']), k, pick(['1', '3'])]);
      else out.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
    }
  }
  return out;
}

function raw(reply: Reply): string {
  return 'raw' in reply ? reply.raw : reply.failed;
}

/** How a reply is compared: as sent, its items sorted (a whole set in an order of its own), or only its size (random picks). */
type Compare = 'exact' | 'sorted' | 'shape';

function normalized(reply: Reply, how: Compare): string {
  if (how === 'exact' || !('raw' in reply) || !('items' in reply.node) || reply.node.items === null) return raw(reply);
  if (how === 'shape') return `${reply.node.t}${reply.node.items.length}`;
  const items = [...reply.node.items].sort((x, y) => ((x as { v: string }).v < (y as { v: string }).v ? -1 : 1));
  return encode({ t: reply.node.t, items } as Node);
}

/** Commands over several keys of one hash tag (sorted sets and a set), and random picks. */
function multiFor(next: () => number, tagged: string[]): [string[], Compare][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const member = () => pick(['a', 'b', 'c', 'd', 'e', 'f', 'g', '1', '2']);
  const score = () => pick(['0', '1', '2', '-1', '3', '0.5', 'inf', '-inf', '-0', '10']);
  const some = (): string[] => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(tagged));
  const out: [string[], Compare][] = [];
  for (let i = 0; i < 300; i++) {
    const r = next();
    const keys = some();
    const numkeys = next() < 0.05 ? pick(['0', '-1', 'x', '9']) : String(keys.length);
    if (r < 0.3) out.push([['ZADD', pick(tagged.slice(0, 3)), ...Array.from({ length: 1 + Math.floor(next() * 3) }, () => [score(), member()]).flat()], 'exact']);
    else if (r < 0.34) out.push([['SADD', tagged[3], member()], 'exact']);
    else if (r < 0.52) {
      const op = pick(['ZUNION', 'ZINTER', 'ZDIFF']);
      const options: string[] = [];
      if (next() < 0.3) options.push('WEIGHTS', ...keys.map(() => (next() < 0.05 ? 'x' : pick(['1', '2', '-1', '0', '0.5', 'inf']))));
      if (next() < 0.3) options.push('AGGREGATE', next() < 0.05 ? 'avg' : pick(['SUM', 'MIN', 'MAX']));
      if (next() < 0.5) options.push('WITHSCORES');
      out.push([[op, numkeys, ...keys, ...options], 'exact']);
    } else if (r < 0.64) {
      const op = pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
      const options: string[] = [];
      if (next() < 0.3) options.push('WEIGHTS', ...keys.map(() => pick(['1', '2', '-1', '0'])));
      if (next() < 0.3) options.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
      out.push([[op, pick(tagged.slice(0, 3)), numkeys, ...keys, ...options], 'exact']);
    } else if (r < 0.7) out.push([['ZINTERCARD', numkeys, ...keys, ...(next() < 0.5 ? [] : ['LIMIT', pick(['0', '1', '2', '-1'])])], 'exact']);
    else if (r < 0.8) {
      const byScore = next() < 0.5;
      const range = byScore ? [pick(['-inf', '0', '(1', '2']), pick(['+inf', '1', '(3', '10'])] : [pick(['0', '1', '-2']), pick(['-1', '2', '0'])];
      const options = [byScore ? 'BYSCORE' : '', next() < 0.3 ? 'REV' : '', ...(byScore && next() < 0.3 ? ['LIMIT', pick(['0', '1']), pick(['1', '-1'])] : []), next() < 0.03 ? 'WITHSCORES' : ''].filter((o) => o !== '');
      if (next() < 0.5 && options.includes('REV') && byScore) range.reverse();
      out.push([['ZRANGESTORE', pick(tagged.slice(0, 3)), pick(tagged), ...range, ...options], 'exact']);
    } else if (r < 0.88) out.push([['ZMPOP', numkeys, ...keys, next() < 0.05 ? 'MID' : pick(['MIN', 'MAX']), ...(next() < 0.5 ? [] : ['COUNT', pick(['1', '2', '5', '0'])])], 'exact']);
    else if (r < 0.92) out.push([['ZRANDMEMBER', pick(tagged.slice(0, 3)), '1000'], 'sorted']);
    else if (r < 0.96) out.push([['ZRANDMEMBER', pick(tagged.slice(0, 3)), pick(['1', '2', '-5', '0']), ...(next() < 0.5 ? ['WITHSCORES'] : [])], 'shape']);
    else out.push([pick([['ZRANDMEMBER', tagged[0], 'x'], ['ZRANDMEMBER', tagged[0], '1', 'foo'], ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', tagged[0], '-9223372036854775808']]), 'exact']);
  }
  return out;
}

/** Every member and score a ZSCAN walk returns, sorted (each at least once: duplicates are allowed). */
async function scanned(conn: RawConn, key: string): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  for (let calls = 0; calls < 1000; calls++) {
    const reply = await conn.command(['ZSCAN', key, cursor, 'COUNT', '3']);
    if (!('raw' in reply) || !('items' in reply.node) || reply.node.items === null) throw new Error(`ZSCAN ${key}: ${JSON.stringify(reply)}`);
    const [next, items] = reply.node.items as unknown as [{ v: string }, { items: { v: string }[] }];
    for (let i = 0; i < items.items.length; i += 2) seen.add(`${items.items[i].v}=${items.items[i + 1].v}`);
    cursor = next.v;
    if (cursor === '0') break;
  }
  return [...seen].sort();
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster: Cluster = await startCluster({ workers, args: ['--zset-max-listpack-entries', '4', '--zset-max-listpack-value', '8'] });
  try {
    const keys = keysPerShard('zset-', shardOfString).slice(0, 2 * workers);
    const lexKeys = keysPerShard('zlex-', shardOfString).slice(0, workers);
    const tagged = ['{z}a', '{z}b', '{z}c', '{z}set'];
    // The same limits there: a listpack keeps -0 as 0, a skiplist as -0, so the forms show.
    const limits = (theirs: RawConn) => theirs.command(['CONFIG', 'SET', 'zset-max-listpack-entries', '4', 'zset-max-listpack-value', '8']);
    await eachProtocol(
      cluster.port,
      redis!.port,
      async (pair) => {
        for (const seed of seeds) {
          const label = `${workers} workers, seed ${seed}`;
          const next = prng(seed * 10 + pair.resp);
          await flushBoth(pair);
          await sameReplies(pair, label, all(commandsFor(next, keys, lexKeys, 'a-string'), null), raw);
          for (const key of [...keys, ...lexKeys]) assert.equal(await scanned(pair.ours, key), await scanned(pair.theirs, key), `ZSCAN ${key}, seed ${seed}`);
          await flushBoth(pair);
          await sameReplies(pair, `${label}, multi-key`, multiFor(next, tagged), normalized);
          await sameReplies(pair, `${label}, after`, all(tagged.map((key) => ['ZRANGE', key, '0', '-1', 'WITHSCORES']), null), raw);
        }
      },
      limits,
    );
    // Keys of several shards: gathered (compared with redis-server in e2e-cross-shard); a blocking pop that finds nothing times out.
    const conn = await RawConn.connect(cluster.port);
    try {
      const [a, b] = keys;
      await conn.command(['ZADD', a, '1', 'x']);
      await conn.command(['DEL', b]);
      assert.is(raw(await conn.command(['ZINTERCARD', '2', b, a])), ':0\r\n');
      assert.is(raw(await conn.command(['ZUNIONSTORE', b, '1', a])), ':1\r\n');
      assert.is(raw(await conn.command(['ZDIFFSTORE', b, '2', b, a])), ':0\r\n');
      assert.is(raw(await conn.command(['BZMPOP', '0.01', '2', b, 'missing', 'MIN'])), '*-1\r\n');
      assert.is(raw(await conn.command(['ZRANGE', a, '0', '-1', 'WITHSCORES'])), '*2\r\n$1\r\nx\r\n$1\r\n1\r\n');
      assert.is(raw(await conn.command(['EXISTS', b])), ':0\r\n');
    } finally {
      conn.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random sorted set commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2]);
});

skips.test(t, '3 workers: random sorted set commands, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [4]);
});

t('sorted sets on every shard move whole in a live resize, in both forms, with their TTLs; a ZSCAN cursor goes on after', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '0', '--zset-max-listpack-entries', '4'] });
  // On worker 0, which the resize down to 1 keeps (a retired worker closes its clients).
  const client = await respClientOn(cluster.port, 0);
  const scoreOf = (i: number, j: number): string => (j % 7 === 0 ? 'inf' : j % 5 === 0 ? '-0.1' : String(j * i - 20));
  try {
    const zsets = keysPerShard('rz-', shardOfString);
    for (let i = 0; i < 16; i++) {
      // Packed on even shards, past the limit on odd ones.
      const n = i % 2 === 0 ? 3 : 40;
      await client.call('ZADD', zsets[i], ...Array.from({ length: n }, (_, j) => [scoreOf(i, j), `m${j}`]).flat());
      if (i % 3 === 0) await client.call('EXPIRE', zsets[i], '1000');
    }
    const expected: string[][] = [];
    for (let i = 0; i < 16; i++) expected.push((await client.call('ZRANGE', zsets[i], '0', '-1', 'WITHSCORES')) as string[]);
    const big = zsets[3];
    const seen: string[] = [];
    let cursor = '0';
    const step = async () => {
      const [next, items] = (await client.call('ZSCAN', big, cursor, 'COUNT', '10')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.push(items[i]);
      cursor = next;
    };
    await step();
    const report = await resizeLive(cluster, 3);
    assert.ok(report.moves.length > 0);
    await step();
    await resizeLive(cluster, 1);
    while (cursor !== '0') await step();
    for (let i = 0; i < 16; i++) {
      assert.equal(await client.call('ZRANGE', zsets[i], '0', '-1', 'WITHSCORES'), expected[i], zsets[i]);
      assert.is(await client.call('ZRANK', zsets[i], 'm1'), (expected[i].indexOf('m1') / 2) | 0, zsets[i]);
      const ttl = (await client.call('TTL', zsets[i])) as number;
      if (i % 3 === 0) assert.ok(ttl > 900 && ttl <= 1000, `${zsets[i]} kept its TTL: ${ttl}`);
      else assert.is(ttl, -1, zsets[i]);
    }
    assert.is(new Set(seen).size, 40, 'every member of the big set, across two resizes');
    assert.is(await client.call('ZADD', zsets[1], '5', 'after'), 1);
    assert.equal(await client.call('ZPOPMAX', zsets[1]), expected[1].slice(-2));
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

t('zset-max-listpack-entries and -value are CONFIG parameters (and their ziplist names), applied on every worker', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  const client = await RespClient.connect(cluster.port);
  try {
    // Which form a new set takes shows: a packed set reads -0 back as 0, a big one keeps -0.
    const keys = keysPerShard('cz-', shardOfString);
    assert.equal(await client.call('CONFIG', 'GET', 'zset-max-listpack-*'), ['zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64']);
    assert.is(await client.call('CONFIG', 'SET', 'zset-max-ziplist-entries', '0'), 'OK');
    assert.equal(await client.call('CONFIG', 'GET', 'zset-max-listpack-entries'), ['zset-max-listpack-entries', '0']);
    for (const key of keys) await client.call('ZADD', key, '-0', 'm');
    for (const key of keys) assert.is(await client.call('ZSCORE', key, 'm'), '-0', key);
    assert.is(await client.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '3'), 'OK');
    for (const key of keys) await client.call('ZADD', `${key}:v`, '-0', 'long', '-0', 'm');
    for (const key of keys) assert.equal(await client.call('ZMSCORE', `${key}:v`, 'long', 'm'), ['-0', '-0'], key);
    assert.is(await client.call('CONFIG', 'SET', 'zset-max-listpack-value', '64'), 'OK');
    for (const key of keys) await client.call('ZADD', `${key}:p`, '-0', 'm');
    for (const key of keys) assert.is(await client.call('ZSCORE', `${key}:p`, 'm'), '0', key);
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
