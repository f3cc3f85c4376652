import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { eventTranscript, rawReply as raw, sameSequences } from './differential';
import { startCluster } from './harness';

/**
 * SORT and SORT_RO against redis-server: seeded random data (lists, sets of both encodings,
 * sorted sets, weights as strings and hash fields under the key's hash tag) and random SORTs with
 * every option, errors among them, STORE to a key of the same and of other shards (run gathered),
 * replies compared byte for byte in RESP2 and RESP3 on 2 and 3 workers; then keyspace events and
 * WATCH around STORE, a script's SORT, and the patterns refused as Redis Cluster refuses them.
 * A set's own order (BY nosort without STORE) is not Redis's hashtable order: only an intset's is asked for.
 */
const noRedis = missingTool('redis-server');
const NAME = 'e2e: SORT answered as redis-server answers it';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

const NUMERIC = ['1', '2', '10', '-3', '3.5', '1e2', '0x10', 'inf', '-inf', ' 7', '007', '0', '', '-0.5'];
// ASCII: redis-server's ALPHA without STORE is strcoll's order (C.UTF-8 here: the bytes'), which ends at a NUL.
const WORDS = ['a', 'b', 'ab', 'B', 'zz', 'a1', '10', '9', 'hello', 'Z', 'a b', '~'];
/** Keys of shards other than {s}'s: STORE there runs gathered. */
// Shards 9, 11, 9, 9, 0, 1, 2, 4 ({s}: 3; a shard's worker is shard % workers): of {s}'s worker and of others, on 2 and 3 workers.
const ELSEWHERE = ['dst', 'other', 'x1', 'y2', 'd3', 'd10', 'd43', 'd2'].filter((k) => shardOfString(k) !== shardOfString('{s}'));

export function dataFor(next: () => number): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const some = <T>(items: readonly T[]): T[] => items.filter(() => next() < 0.6);
  const shuffled = <T>(items: readonly T[]): T[] => items.map((x) => [next(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  const out: string[][] = [];
  const all = [...NUMERIC, ...WORDS];
  out.push(['RPUSH', '{s}nums', ...shuffled(some(NUMERIC)), pick(NUMERIC)]);
  out.push(['RPUSH', '{s}words', ...shuffled(some(WORDS)), pick(WORDS)]);
  out.push(['RPUSH', '{s}mixed', ...shuffled(some(all))]);
  out.push(['SADD', '{s}iset', ...shuffled(['5', '3', '-2', '40', '17', '0', '8']).slice(0, 3 + Math.floor(next() * 4))]);
  out.push(['SADD', '{s}wset', ...shuffled(some(WORDS)), 'a']);
  out.push(['SADD', '{s}nset', ...shuffled(some(NUMERIC)), '1']);
  const z = shuffled(some(all));
  out.push(['ZADD', '{s}z', ...z.flatMap((m, i) => [String(Math.floor(next() * 5) + i / 10), m]), '3', 'tie-a', '3', 'tie-b']);
  // Distinct weights: ALPHA BY of equal weights is qsort's order, no one's to compare.
  const weights = shuffled(all.map((_, i) => String(i * 3 - 7)));
  const alphaWeights = shuffled(all.map((_, i) => `w${String.fromCharCode(65 + i)}`));
  for (const [i, e] of [...all, 'tie-a', 'tie-b'].entries()) {
    out.push(['SET', `{s}w_${e}`, weights[i % weights.length] + (i >= all.length ? '.5' : '')]);
    out.push(['SET', `{s}a_${e}`, alphaWeights[i % alphaWeights.length] + (i >= all.length ? 'x' : '')]);
    if (next() < 0.6) out.push(['SET', `{s}v_${e}`, pick(['1', '2', '-1', '2.5', '1e3'])]);
    out.push(['HSET', `{s}h_${e}`, 'f', weights[(i + 5) % weights.length], 'g', pick(['x', 'yy', '', '1'])]);
  }
  out.push(['SET', '{s}str', 'v'], ['HSET', '{s}hash', 'f', 'v'], ['SET', '{s}bad_1', 'notanumber'], ['SET', '{s}dst', 'was a string']);
  out.push(['RPUSH', ELSEWHERE[0], 'old'], ['SET', ELSEWHERE[1], 'old']);
  return out;
}

export function sortsFor(next: () => number): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const limit = () => ['LIMIT', pick(['0', '1', '2', '-1', '5', '100', '0', 'x']), pick(['-1', '0', '1', '3', '100', '-5', '1.5'])];
  const out: string[][] = [];
  for (let i = 0; i < 220; i++) {
    const r = next();
    const ro = next() < 0.2;
    // What may be sorted how: numbers numerically, words ALPHA, an intset's own order.
    let [key, options]: [string, string[]] = ['{s}nums', []];
    if (r < 0.2) [key, options] = [pick(['{s}nums', '{s}nset', '{s}iset', '{s}mixed', '{s}z', '{s}missing']), []];
    else if (r < 0.4) [key, options] = [pick(['{s}words', '{s}wset', '{s}mixed', '{s}z', '{s}nums']), ['ALPHA']];
    else if (r < 0.55) [key, options] = [pick(['{s}words', '{s}wset', '{s}mixed', '{s}z', '{s}nums']), ['BY', pick(['{s}w_*', '{s}v_*', '{s}h_*->f', '{s}h_*->g', '{s}h_*->', '{s}w_*x'])]];
    else if (r < 0.65) [key, options] = [pick(['{s}words', '{s}wset', '{s}mixed', '{s}z']), ['BY', '{s}a_*', 'ALPHA']];
    else if (r < 0.8) [key, options] = [pick(['{s}words', '{s}nums', '{s}z', '{s}iset', '{s}missing']), ['BY', pick(['nosort', 'NOSORT', 'k'])]];
    else if (r < 0.86) [key, options] = [pick(['{s}str', '{s}hash']), []];
    else [key, options] = [pick(['{s}words', '{s}mixed']), ['ALPHA']];
    if (next() < 0.4) options.push(...limit());
    if (next() < 0.35) options.push(pick(['DESC', 'ASC', 'desc']));
    for (let g = next() < 0.4 ? Math.floor(next() * 3) + 1 : 0; g > 0; g--) options.push('GET', pick(['#', '{s}w_*', '{s}h_*->g', '{s}h_*->f', '{s}v_*', 'fixed', '{s}nope_*']));
    if (next() < 0.05) options.push(pick(['FOO', 'LIMIT', 'GET', 'BY']));
    if (next() < 0.05 && !options.includes('ALPHA')) options.splice(0, 0, 'BY', '{s}bad_*');
    const sorted = options.includes('ALPHA') || (options.includes('BY') && !options.some((o) => o.includes('*')));
    if (!ro && next() < 0.35) {
      // Stored: a set without order is sorted ALPHA, as Redis; read back whole.
      // Into the sorted key itself only its own elements (GET's values would make ALPHA BY ties).
      const destination = pick(['{s}dst', '{s}out', ...ELSEWHERE, ...(options.includes('GET') ? [] : [key])]);
      out.push(['SORT', key, ...options, 'STORE', destination], ['LRANGE', destination, '0', '-1'], ['TYPE', destination]);
      continue;
    }
    // A set's own order is asked only of an intset.
    if (!sorted && key === '{s}wset' && !options.includes('BY')) options.push('ALPHA');
    if (options[0] === 'BY' && !(options[1] ?? '*').includes('*') && (key === '{s}wset' || key === '{s}nset')) continue;
    out.push([ro ? pick(['SORT_RO', 'sort_ro']) : pick(['SORT', 'sort']), key, ...options]);
    if (ro && next() < 0.1) out.push(['SORT_RO', key, 'STORE', '{s}dst']);
  }
  return out;
}

const compare = (workers: number, seeds: number[]) => sameSequences(workers, redis!.port, seeds, (next) => [...dataFor(next), ...sortsFor(next)]);

skips.test(t, '2 workers: random SORT and SORT_RO, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: likewise', noRedis, async () => {
  await compare(3, [4, 5]);
});

skips.test(t, 'STORE fires sortstore (del for an empty result), wakes WATCH; a script sorts as Redis', noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const transcript = (port: number) =>
      eventTranscript(port, '__key*@0__:*', async (step, a, b) => {
        await step(a, ['RPUSH', '{s}l', '3', '1', '2']);
        for (const [destination, source] of [['{s}d', '{s}l'], [ELSEWHERE[0], '{s}l'], ['{s}d', '{s}empty'], [ELSEWHERE[0], '{s}empty'], ['{s}d', '{s}empty']]) {
          await step(a, ['WATCH', destination]);
          await step(b, ['SORT', source, 'DESC', 'STORE', destination]);
          await step(a, ['MULTI']);
          await step(a, ['LRANGE', destination, '0', '-1']);
          await step(a, ['EXEC']);
        }
        // In MULTI/EXEC and a script, STORE to a key of another shard (another worker's too) runs gathered as well.
        for (const argv of [['MULTI'], ['SORT', '{s}l', 'LIMIT', '1', '5', 'STORE', ELSEWHERE[2]], ['LRANGE', ELSEWHERE[2], '0', '-1'], ['EXEC']]) await step(a, argv);
        await step(a, ['EVAL', "redis.call('sort', KEYS[1], 'desc', 'store', KEYS[2]); return redis.call('lrange', KEYS[2], 0, -1)", '2', '{s}l', ELSEWHERE[3]]);
        await step(a, ['SORT_RO', '{s}nokey']);
        // Each BY and GET key missing is a `keymiss`, in Redis's order (the weights' in the key's order, then the values' in the reply's).
        await step(a, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAm']);
        await step(a, ['SET', '{s}w_1', '5']);
        await step(a, ['SORT', '{s}l', 'BY', '{s}w_*', 'GET', '#', 'GET', '{s}h_*->f', 'STORE', '{s}m']);
        await step(a, ['SORT_RO', '{s}l', 'BY', 'nosort', 'DESC', 'GET', '{s}w_*']);
        await step(a, ['SORT_RO', '{s}nokey2']);
        await step(a, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
        await step(a, ['EVAL', "return redis.call('sort', KEYS[1], 'desc')", '1', '{s}l']);
        await step(a, ['EVAL', "return redis.call('sort', KEYS[1], 'limit', 0, 2, 'store', KEYS[2])", '2', '{s}l', '{s}e']);
        await step(a, ['EVAL_RO', "return redis.call('sort_ro', KEYS[1], 'by', 'nosort')", '1', '{s}l']);
        // A set not sorted comes ALPHA-sorted to a script (Redis's rule; here outside scripts too, but for an intset).
        await step(a, ['SADD', '{s}set', 'b', 'aa', 'c', 'a', 'azz']);
        await step(a, ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '{s}_:*')", '1', '{s}set']);
        await step(a, ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_', 'desc', 'limit', 1, 2)", '1', '{s}set']);
      });
    const ours = await transcript(cluster.port);
    assert.equal(ours, await transcript(redis!.port));
    for (const event of ['sortstore', 'keymiss', 'del', 'pong']) assert.ok(ours.some((line) => line.startsWith('event') && line.includes(event)), event);
  } finally {
    assert.is(await cluster.stop(), 0);
  }
});

t('a BY or GET pattern whose keys may be on another shard is refused as Redis Cluster refuses it; one under the key\'s hash tag is not', async () => {
  const cluster = await startCluster({ workers: 2 });
  const conn = await RawConn.connect(cluster.port);
  try {
    await conn.command(['RPUSH', '{s}l', 'b', 'a']);
    await conn.command(['SET', '{s}w_a', '2']);
    await conn.command(['SET', '{s}w_b', '1']);
    const other = ['x', 'y', 'z', 'q'].find((tag) => shardOfString(tag) !== shardOfString('s'))!;
    const byError = '-ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n';
    const getError = '-ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n';
    for (const pattern of ['w_*', '*{s}', `{${other}}w_*`, '{}w_*', '{*}', '{s\\}*', 's_?{s}*']) {
      assert.is(raw(await conn.command(['SORT', '{s}l', 'BY', pattern])), byError, pattern);
      assert.is(raw(await conn.command(['SORT_RO', '{s}l', 'GET', pattern])), getError, pattern);
    }
    assert.is(raw(await conn.command(['SORT', '{s}l', 'BY', '{s}w_*'])), '*2\r\n$1\r\nb\r\n$1\r\na\r\n');
    assert.is(raw(await conn.command(['SORT', '{s}l', 'BY', 'nosort', 'GET', '#', 'GET', 'nostar', 'GET', '{s}w_*'])), '*6\r\n$1\r\nb\r\n$-1\r\n$1\r\n1\r\n$1\r\na\r\n$-1\r\n$1\r\n2\r\n');
    // Redis's order of checks: the option's error before the key's type.
    await conn.command(['SET', '{s}str', 'v']);
    assert.is(raw(await conn.command(['SORT', '{s}str', 'GET', 'w_*'])), getError);
  } finally {
    conn.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
