import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { all, eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, RespClient, startCluster } from './harness';

/**
 * GETRANGE, SUBSTR, SETRANGE, LCS, SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP against
 * redis-server: seeded random sequences over keys sharing a hash tag (bytes of every value,
 * empty strings, negative and huge ranges, BYTE and BIT units, bad arguments, a list for
 * WRONGTYPE), replies compared byte for byte in RESP2 and RESP3. Then the bounds: 512 MB, LCS's
 * table, OOM under noeviction changing nothing, keys of two shards, WATCH.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: string ranges and bits answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

function commandsFor(next: () => number, keys: string[]): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const int = (n: number) => String(Math.floor(next() * n));
  const index = () => pick(['0', '1', '-1', '-2', '3', '-100', '100', '9223372036854775807', '-9223372036854775808', 'x', int(12), String(-Math.floor(next() * 12))]);
  const value = () => pick(['', 'a', 'hello world', '\xff\x00\x81', 'foobar', '\x00\x00', 'abcdefghijklmnop', String.fromCharCode(...Array.from({ length: 6 }, () => Math.floor(next() * 256)))]);
  const unit = () => pick([[], ['BYTE'], ['BIT'], ['bit'], ['BAD']]);
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const k = next() < 0.05 ? '{s}list' : pick(keys);
    const r = next();
    if (r < 0.07) out.push(['SET', k, value()]);
    else if (r < 0.1) out.push(['APPEND', k, value()]);
    else if (r < 0.18) out.push(['SETRANGE', k, pick(['0', '1', '5', '17', '-1', 'x', int(20)]), value()]);
    else if (r < 0.26) out.push([pick(['GETRANGE', 'SUBSTR']), k, index(), index()]);
    else if (r < 0.34) out.push(['SETBIT', k, pick([int(100), '0', '7', '8', '-1', 'x', '4294967296']), pick(['0', '1', '1', '2', '-1'])]);
    else if (r < 0.4) out.push(['GETBIT', k, pick([int(100), '0', '-1', 'x'])]);
    else if (r < 0.5) out.push(['BITCOUNT', k, ...pick([[], [index()], [index(), index()], [index(), index()], [index(), index(), ...unit()]])]);
    else if (r < 0.62) out.push(['BITPOS', k, pick(['0', '1', '1', '0', '2', 'x']), ...pick([[], [index()], [index(), index()], [index(), index(), ...unit()], [index(), index(), 'BIT', 'x']])]);
    else if (r < 0.72) {
      const op = pick(['AND', 'OR', 'XOR', 'NOT', 'and', 'nope']);
      const sources = Array.from({ length: op.toUpperCase() === 'NOT' && next() < 0.8 ? 1 : 1 + Math.floor(next() * 3) }, () => pick(keys));
      out.push(['BITOP', op, pick(keys), ...sources]);
    } else if (r < 0.82) out.push(['LCS', pick(keys), pick(keys), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', pick(['0', '2', '-1', 'x'])], ['IDX', 'MINMATCHLEN'], ['LEN', 'IDX'], ['BAD'], ['idx', 'minmatchlen', '1', 'withmatchlen']])]);
    else if (r < 0.88) out.push(['GET', k]);
    else if (r < 0.92) out.push(['STRLEN', k]);
    else if (r < 0.95) out.push(['SET', k, pick(['ohmytext', 'mynewtext', 'GAC', 'AGCAT', 'ABCBDAB', 'BDCABA'])]);
    else if (r < 0.97) out.push(['RPUSH', '{s}list', 'x']);
    else out.push(['DEL', k]);
  }
  return out;
}

const raw = (reply: Reply): string => ('raw' in reply ? reply.raw : reply.failed);

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster = await startCluster({ workers });
  try {
    const keys = ['{s}a', '{s}b', '{s}c'];
    await eachProtocol(cluster.port, redis!.port, async (pair) => {
      for (const seed of seeds) {
        await flushBoth(pair);
        await sameReplies(pair, `${workers} workers, seed ${seed}`, all(commandsFor(prng(seed * 10 + pair.resp), keys), null), raw);
      }
    });
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random range and bit commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3, 4]);
});

skips.test(t, '3 workers: likewise', noRedis, async () => {
  await compare(3, [5]);
});

skips.test(t, "the bounds as redis-server's: 512 MB, LCS's table; and LCS's examples", noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const [ours, theirs] = [await RawConn.connect(cluster.port), await RawConn.connect(redis!.port)];
    try {
      const big = 'x'.repeat(12_000);
      for (const argv of [
        ['SETRANGE', '{b}k', '536870912', 'x'], ['SETRANGE', '{b}k', '536870911', 'xy'], ['SETBIT', '{b}k', '4294967296', '1'], ['EXISTS', '{b}k'],
        ['SET', '{b}x', big], ['SET', '{b}y', big], ['LCS', '{b}x', '{b}y'], ['LCS', '{b}x', '{b}y', 'LEN'],
        ['MSET', '{b}1', 'ohmytext', '{b}2', 'mynewtext'], ['LCS', '{b}1', '{b}2'], ['LCS', '{b}1', '{b}2', 'LEN'], ['LCS', '{b}1', '{b}2', 'IDX'],
        ['LCS', '{b}1', '{b}2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ]) {
        assert.is(raw(await ours.command(argv)), raw(await theirs.command(argv)), argv.join(' ').slice(0, 80));
      }
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
});

t('growth is charged first: under noeviction SETRANGE and SETBIT that do not fit answer OOM and change nothing; keys of two shards are gathered; WATCH sees SETRANGE and SETBIT', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const [c, watcher] = [await RespClient.connect(cluster.port), await RespClient.connect(cluster.port)];
  const OOM = { error: "OOM command not allowed when used memory > 'maxmemory'." };
  try {
    assert.is(await c.call('SET', '{o}a', 'abc'), 'OK');
    assert.equal(await c.call('SETRANGE', '{o}a', '2000000', 'x'), OOM);
    assert.equal(await c.call('SETBIT', '{o}a', '16000000', '1'), OOM);
    assert.equal(await c.call('SETRANGE', '{o}new', '2000000', 'x'), OOM);
    assert.equal(await c.call('SETBIT', '{o}new', '16000000', '1'), OOM);
    assert.equal(await c.call('MGET', '{o}a', '{o}new'), ['abc', null], 'nothing changed');
    assert.is(await c.call('SETRANGE', '{o}a', '100000', 'x'), 100001);
    assert.is(await c.call('GETRANGE', '{o}a', '0', '4'), 'abc\0\0');

    const [k1, k2] = keysPerShard('bits-', shardOfString);
    // Keys of two shards: gathered (compared with redis-server in e2e-cross-shard).
    await c.call('SET', k2, 'ab');
    assert.is(await c.call('BITOP', 'AND', k1, k2), 2);
    assert.is(await c.call('LCS', k1, k2), 'ab');
    for (const write of [['SETRANGE', '{o}a', '1', 'z'], ['SETBIT', '{o}a', '3', '1'], ['BITOP', 'NOT', '{o}a', '{o}a']]) {
      await watcher.call('WATCH', '{o}a');
      await c.call(...write);
      await watcher.call('MULTI');
      await watcher.call('GET', '{o}w');
      assert.is(await watcher.call('EXEC'), null, `WATCH saw ${write.join(' ')}`);
    }
  } finally {
    c.close();
    watcher.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
