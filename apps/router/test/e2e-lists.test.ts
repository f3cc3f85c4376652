import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, startCluster, type Cluster } from './harness';

/**
 * Lists against redis-server: seeded random sequences of every list command (empty ranges,
 * negative and huge indexes and counts, LPOS options, WRONGTYPE, bad arguments, rotations and
 * moves between keys sharing a hash tag) sent to this server and to redis-server, each reply
 * compared byte for byte in RESP2 and RESP3, on 2 and 3 workers. This server packs lists only up
 * to 3 elements (--list-max-listpack-size 3), so every sequence crosses the conversion; Redis 7.0
 * shows no encoding for lists (always quicklist), so the replies alone must agree.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: lists answered as redis-server answers them, byte for byte';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

const HUGE = ['9223372036854775807', '-9223372036854775808', '99999999999999999999', '1.5', 'x', ''];

function commandsFor(next: () => number, keys: string[], tagged: string[], str: string): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const int = (lo: number, hi: number) => String(lo + Math.floor(next() * (hi - lo + 1)));
  const index = () => (next() < 0.08 ? pick(HUGE) : int(-8, 8));
  const element = () => (next() < 0.05 ? 'z'.repeat(300 + Math.floor(next() * 3000)) : next() < 0.3 ? int(-3, 12) : pick(['a', 'b', 'c', 'd', '', 'é', 'a b']));
  const elements = () => Array.from({ length: 1 + Math.floor(next() * 4) }, element);
  const side = () => pick(['LEFT', 'RIGHT', 'left', 'Right', 'up']);
  const out: string[][] = [];
  for (let i = 0; i < 400; i++) {
    const k = next() < 0.06 ? str : pick(keys);
    const r = next();
    if (r < 0.2) out.push([pick(['LPUSH', 'RPUSH', 'lpush']), k, ...elements()]);
    else if (r < 0.25) out.push([pick(['LPUSHX', 'RPUSHX']), k, ...elements()]);
    else if (r < 0.37) out.push(next() < 0.5 ? [pick(['LPOP', 'RPOP']), k] : [pick(['LPOP', 'RPOP']), k, next() < 0.1 ? pick(HUGE) : int(-1, 5)]);
    else if (r < 0.47) out.push(['LRANGE', k, index(), index()]);
    else if (r < 0.52) out.push(['LLEN', k]);
    else if (r < 0.57) out.push(['LINDEX', k, index()]);
    else if (r < 0.61) out.push(['LSET', k, index(), element()]);
    else if (r < 0.65) out.push(['LINSERT', k, pick(['BEFORE', 'AFTER', 'after', 'middle']), element(), element()]);
    else if (r < 0.69) out.push(['LREM', k, next() < 0.1 ? pick(HUGE) : int(-3, 3), element()]);
    else if (r < 0.73) out.push(['LTRIM', k, index(), index()]);
    else if (r < 0.8) {
      const options: string[] = [];
      for (const option of ['RANK', 'COUNT', 'MAXLEN']) if (next() < 0.4) options.push(option, next() < 0.1 ? pick(HUGE) : int(option === 'RANK' ? -3 : -1, 3));
      if (next() < 0.05) options.push('BOGUS');
      out.push(['LPOS', k, element(), ...options]);
    } else if (r < 0.9) {
      // Moves between keys of one shard: the same key (a rotation) or two sharing a hash tag.
      const [from, to] = next() < 0.3 ? [k, k] : [pick(tagged), pick(tagged)];
      const r2 = next();
      if (r2 < 0.4) out.push(['LMOVE', from, to, side(), side()]);
      else if (r2 < 0.7) out.push(['RPOPLPUSH', from, to]);
      else {
        // LMPOP over keys of one shard: the tagged ones, or one key (runs on its shard, whichever worker).
        const keysOf = next() < 0.5 ? tagged.slice(0, 1 + Math.floor(next() * 3)) : [k];
        const options = next() < 0.5 ? [] : ['COUNT', next() < 0.1 ? pick(HUGE) : int(-1, 4)];
        out.push(['LMPOP', next() < 0.05 ? pick(['0', '-1', '9', 'x']) : String(keysOf.length), ...keysOf, side(), ...options]);
      }
    } else if (r < 0.93) out.push(['TYPE', k]);
    else if (r < 0.95) out.push(['DEL', k]);
    else if (r < 0.97) out.push(['SET', str, 'v']);
    else out.push(pick([['LPOP', k, '1', '2'], ['LPUSH', k], ['LRANGE', k, '0'], ['LPOS', k, 'a', 'RANK', '0'], ['LSET', 'no-such-list', '0', 'x']]));
  }
  return out;
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster: Cluster = await startCluster({ workers, args: ['--list-max-listpack-size', '3'] });
  try {
    const keys = keysPerShard('list-', shardOfString).slice(0, 2 * workers);
    const tagged = ['{q}wait', '{q}active', '{q}done'];
    for (const resp of [2, 3]) {
      const ours = await RawConn.connect(cluster.port);
      const theirs = await RawConn.connect(redis!.port);
      try {
        if (resp === 3) for (const conn of [ours, theirs]) await conn.command(['HELLO', '3']);
        // Lists inside scripts and MULTI/EXEC over both workers: the nested replies cross as trees.
        const [a, b] = keys;
        for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
        for (const argv of [
          ['RPUSH', a, '1', '2', 'x', '2'],
          ['RPUSH', b, 'q'],
          ['EVAL', "return redis.call('LRANGE', KEYS[1], 0, -1)", '1', a],
          ['EVAL', "return redis.call('LPOS', KEYS[1], '2', 'COUNT', 0)", '1', a],
          ['EVAL', "return {redis.call('LRANGE', KEYS[1], 0, -1), redis.call('LPOP', KEYS[2], 2)}", '2', a, b],
          ['MULTI'],
          ['LRANGE', a, '0', '-1'],
          ['LPOS', a, '2', 'COUNT', '0'],
          ['RPUSH', b, 'r', 's'],
          ['RPOP', b, '5'],
          ['LMPOP', '2', b, b, 'LEFT'],
          ['EXEC'],
          ['RPUSH', b, 't', 'u', 'v'],
          ['EVAL', "return redis.call('LMPOP', 1, KEYS[1], 'RIGHT', 'COUNT', 2)", '1', b],
          ['EVAL', "return redis.call('LMPOP', 1, KEYS[1], 'RIGHT')", '1', a],
          ['MULTI'],
          ['LMPOP', '0', b, 'LEFT'],
          ['LMPOP', '1', b, 'UP'],
          ['LPUSH', a, 'q'],
          ['EXEC'],
        ]) {
          const [x, y] = [await ours.command(argv), await theirs.command(argv)];
          assert.is('raw' in x ? x.raw : x.failed, 'raw' in y ? y.raw : y.failed, `RESP${resp}: ${argv.join(' ')}`);
        }
        for (const seed of seeds) {
          for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
          const next = prng(seed * 10 + resp);
          let n = 0;
          for (const argv of commandsFor(next, keys, tagged, 'a-string')) {
            const [a, b] = [await ours.command(argv), await theirs.command(argv)];
            const got = 'raw' in a ? a.raw : a.failed;
            const want = 'raw' in b ? b.raw : b.failed;
            assert.is(got, want, `${workers} workers, RESP${resp}, seed ${seed}, command ${n}: ${argv.map((x) => (x.length > 20 ? `${x.slice(0, 8)}...(${x.length})` : x)).join(' ')}`);
            n++;
          }
          // Every list is whole at the end of the sequence, on both.
          for (const key of [...keys, ...tagged]) {
            const argv = ['LRANGE', key, '0', '-1'];
            assert.is(((await ours.command(argv)) as { raw: string }).raw, ((await theirs.command(argv)) as { raw: string }).raw, `${key} at the end, seed ${seed}`);
          }
        }
      } finally {
        ours.close();
        theirs.close();
      }
    }
    // Keys of two shards: moved there and back (gathered: e2e-cross-shard); a blocking move that finds nothing times out (e2e-cross-shard-blocking).
    const conn = await RawConn.connect(cluster.port);
    try {
      const [a, b] = [keys[0], keys[1]];
      await conn.command(['DEL', a, b]);
      await conn.command(['RPUSH', a, 'x']);
      assert.is(((await conn.command(['LMOVE', a, b, 'LEFT', 'LEFT'])) as { raw: string }).raw, '$1\r\nx\r\n');
      assert.is(((await conn.command(['BLMOVE', a, b, 'LEFT', 'LEFT', '0.01'])) as { raw: string }).raw, '*-1\r\n');
      assert.is(((await conn.command(['RPOPLPUSH', b, a])) as { raw: string }).raw, '$1\r\nx\r\n');
      assert.is(((await conn.command(['LRANGE', a, '0', '-1'])) as { raw: string }).raw, '*1\r\n$1\r\nx\r\n');
      assert.is(((await conn.command(['EXISTS', b])) as { raw: string }).raw, ':0\r\n');
      // WATCH sees every kind of list write, from another client, on either worker; a TTL stays with pushes and pops.
      const other = await RawConn.connect(cluster.port);
      try {
        for (const key of [a, b]) {
          for (const write of [['RPUSH', key, 'y'], ['LPOP', key], ['LSET', key, '0', 'z'], ['LTRIM', key, '0', '0'], ['LINSERT', key, 'BEFORE', 'z', 'w'], ['LREM', key, '0', 'w'], ['RPOPLPUSH', key, key]]) {
            await conn.command(['RPUSH', key, 'x', 'x']);
            await conn.command(['WATCH', key]);
            await other.command(write);
            await conn.command(['MULTI']);
            await conn.command(['LLEN', key]);
            assert.is(((await conn.command(['EXEC'])) as { raw: string }).raw, '*-1\r\n', `${write.join(' ')} under WATCH`);
          }
          await conn.command(['EXPIRE', key, '100']);
          await conn.command(['LPUSH', key, 'q']);
          await conn.command(['RPOP', key]);
          assert.is(((await conn.command(['TTL', key])) as { raw: string }).raw, ':100\r\n');
          assert.is(((await conn.command(['TYPE', key])) as { raw: string }).raw, '+list\r\n');
        }
      } finally {
        other.close();
      }
    } finally {
      conn.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random list commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: random list commands, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [4]);
});

t('under noeviction a push or an add past maxmemory answers OOM and changes nothing', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const conn = await RawConn.connect(cluster.port);
  try {
    const element = 'e'.repeat(1000);
    let last = '';
    let pushed = 0;
    for (let i = 0; i < 5000 && !last.startsWith('-'); i++) {
      last = ((await conn.command(['RPUSH', 'l', element, element])) as { raw: string }).raw;
      if (!last.startsWith('-')) pushed += 2;
    }
    assert.is(last, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.is(((await conn.command(['LLEN', 'l'])) as { raw: string }).raw, `:${pushed}\r\n`);
    // Memory is the worker's: a bigger write to a key of the same shard (its hash tag) is refused too.
    assert.match(((await conn.command(['SADD', '{l}s', element.repeat(3)])) as { raw: string }).raw, /^-OOM /);
    assert.is(((await conn.command(['EXISTS', '{l}s'])) as { raw: string }).raw, ':0\r\n');
    // Taking elements out frees room again.
    await conn.command(['LTRIM', 'l', '0', '9']);
    assert.is(((await conn.command(['RPUSH', 'l', 'x'])) as { raw: string }).raw, ':11\r\n');
  } finally {
    conn.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
