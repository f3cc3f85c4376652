import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { Contention } from '../../../test-support/contention';
import { missingTool, Skips } from '../../../test-support/skip';
import type { RawConn, Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { blockedAre, bulk, connect, connectOn, raw } from './blocking-helpers';
import { keysPerShard, startCluster } from './harness';

/**
 * BZPOPMIN, BZPOPMAX and BZMPOP across workers: a client blocked on a key of either worker wakes
 * when a client of either worker adds to it, first blocked first served; timeouts; a client that
 * leaves while blocked takes nothing; MULTI and scripts do not block; the replies that do not
 * depend on time against redis-server.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: blocking sorted set commands';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

/** A score as the protocol prints it: a bulk in RESP2, a double in RESP3. */
const score = (s: string, resp: number): string => (resp === 3 ? `,${s}\r\n` : bulk(s));

t('2 workers, RESP2 and RESP3: blocked on either worker, woken by a client of either, in the order they blocked', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const keys = keysPerShard('bz-', shardOfString).slice(0, 2); // worker 0's and worker 1's
    for (const resp of [2, 3]) {
      for (const key of keys) {
        for (const adderOn of [0, 1]) {
          const blockers: RawConn[] = [await connectOn(cluster.port, 0, resp), await connectOn(cluster.port, 1, resp), await connectOn(cluster.port, 0, resp)];
          const replies: Promise<Reply>[] = [];
          const argvs = [['BZPOPMIN', key, '0'], ['BZPOPMAX', key, '0'], ['BZMPOP', '0', '1', key, 'MIN', 'COUNT', '2']];
          for (let i = 0; i < blockers.length; i++) {
            replies.push(blockers[i].command(argvs[i], 10_000));
            await blockedAre(cluster.port, i + 1);
          }
          const adder = await connectOn(cluster.port, adderOn, resp);
          assert.is(raw(await adder.command(['ZADD', key, '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'])), ':5\r\n');
          const got = (await Promise.all(replies)).map(raw);
          const pairs = (m: string, s: string) => (resp === 3 ? `*2\r\n${bulk(m)}${score(s, 3)}` : `*2\r\n${bulk(m)}${bulk(s)}`);
          assert.equal(
            got,
            [`*3\r\n${bulk(key)}${bulk('a')}${score('1', resp)}`, `*3\r\n${bulk(key)}${bulk('e')}${score('5', resp)}`, `*2\r\n${bulk(key)}*2\r\n${pairs('b', '2')}${pairs('c', '3')}`],
            `RESP${resp}, key ${key}, added from worker ${adderOn}`,
          );
          assert.is(raw(await adder.command(['ZRANGE', key, '0', '-1'])), `*1\r\n${bulk('d')}`);
          await adder.command(['DEL', key]);
          for (const c of [...blockers, adder]) c.close();
        }
      }
    }
  } finally {
    await cluster.stop();
  }
});

t('timeouts, a client that leaves while blocked takes nothing, MULTI and EVAL do not block', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const keys = keysPerShard('bt-', shardOfString);
    const two = await connect(cluster.port, 2);
    const three = await connect(cluster.port, 3);
    const contention = new Contention().start();
    for (const [c, none] of [
      [two, '*-1\r\n'],
      [three, '_\r\n'],
    ] as const) {
      const started = performance.now();
      assert.is(raw(await c.command(['BZPOPMIN', keys[0], keys[0], '0.2'])), none);
      const ms = performance.now() - started;
      assert.ok(ms >= 195, `timed out after ${ms.toFixed(0)} ms, not before 200`);
      assert.ok(ms < contention.bound(1000), contention.says('a 200 ms timeout', ms, 1000));
      assert.is(raw(await c.command(['BZMPOP', '0.05', '1', keys[1], 'MAX'])), none);
    }
    contention.stop();
    // Blocked on worker 1's key from worker 0 and on its own: gone before the add, nothing taken.
    for (const [on, key] of [
      [0, keys[1]],
      [1, keys[1]],
      [0, keys[0]],
    ] as const) {
      const gone = await connectOn(cluster.port, on);
      void gone.command(['BZPOPMAX', key, '0'], 10_000);
      await blockedAre(cluster.port, 1);
      gone.close();
      await blockedAre(cluster.port, 0);
      await two.command(['ZADD', key, '7', 'kept']);
      assert.is(raw(await two.command(['ZRANGE', key, '0', '-1', 'WITHSCORES'])), `*2\r\n${bulk('kept')}${bulk('7')}`, `nothing lost on ${key}`);
      await two.command(['DEL', key]);
    }
    // Inside MULTI (on either worker, or both) and a script: the empty reply at once.
    for (const key of keys.slice(0, 2)) {
      await two.command(['MULTI']);
      await two.command(['BZPOPMIN', key, '0']);
      await two.command(['BZMPOP', '0', '1', key, 'MIN']);
      assert.is(raw(await two.command(['EXEC'], 2_000)), '*2\r\n*-1\r\n*-1\r\n', `EXEC on ${key}`);
    }
    await two.command(['MULTI']);
    await two.command(['BZPOPMAX', keys[2], '0']);
    await two.command(['BZPOPMAX', keys[3], '0']);
    assert.is(raw(await two.command(['EXEC'], 2_000)), '*2\r\n*-1\r\n*-1\r\n', 'an EXEC over both workers');
    assert.is(raw(await two.command(['EVAL', "return redis.call('BZMPOP', 0, 1, KEYS[1], 'MIN')", '1', keys[3]], 2_000)), '$-1\r\n');
    two.close();
    three.close();
  } finally {
    await cluster.stop();
  }
});

skips.test(t, 'replies that do not depend on time, byte for byte as redis-server, RESP2 and RESP3', noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const [a, b] = keysPerShard('dz-', shardOfString);
    for (const resp of [2, 3]) {
      const ours = await connect(cluster.port, resp);
      const theirs = await connect(redis!.port, resp);
      for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
      for (const argv of [
        ['ZADD', a, '1', 'x', '2.5', 'y', 'inf', 'z', '-inf', 'w'],
        ['BZPOPMIN', a, '0'],
        ['BZPOPMAX', a, '0'],
        ['BZPOPMIN', a, '0.01'],
        ['ZADD', '{q}a', '3', 'm'],
        ['BZPOPMIN', '{q}b', '{q}a', '0'],
        ['BZPOPMAX', '{q}a', '{q}b', '0.01'],
        ['BZPOPMIN', a, 'x'],
        ['BZPOPMIN', a, '-1'],
        ['BZPOPMIN', a, 'inf'],
        ['BZPOPMAX', a],
        ['SET', b, 's'],
        ['BZPOPMIN', b, '0'],
        ['BZMPOP', '0', '1', b, 'MIN'],
        ['ZADD', '{q}x', '1', 'p', '2', 'q', '3', 'r'],
        ['BZMPOP', '0', '2', '{q}none', '{q}x', 'MAX', 'COUNT', '2'],
        ['BZMPOP', '0', '1', '{q}x', 'MIN', 'COUNT', '10'],
        ['BZMPOP', '0.01', '1', '{q}x', 'MIN'],
        ['BZMPOP', 'x', '1', '{q}x', 'MIN'],
        ['BZMPOP', 'x', '0', '{q}x', 'MIN'],
        ['BZMPOP', '-1', '1', '{q}x', 'UP'],
        ['BZMPOP', '0', '1', '{q}x', 'MIN', 'COUNT', '0'],
        ['BZMPOP', '0', '1', '{q}x', 'MIN', 'COUNT'],
        ['BZMPOP', '0', '5', '{q}x', 'MIN'],
        ['BLMPOP', 'x', '0', '{q}x', 'LEFT'],
        ['BLMPOP', 'x', '1', '{q}x', 'UP'],
        ['ZADD', a, '5', 'k'],
        ['MULTI'],
        ['BZPOPMIN', a, '0'],
        ['BZPOPMIN', a, '0'],
        ['BZMPOP', '0', '1', a, 'MAX'],
        ['EXEC'],
        ['EVAL', "return redis.call('BZPOPMIN', KEYS[1], 0)", '1', a],
        ['EVAL', "return redis.call('BZMPOP', 0, 1, KEYS[1], 'MIN')", '1', a],
        ['ZADD', a, '6', 'j'],
        ['EVAL', "return redis.call('BZMPOP', 0, 1, KEYS[1], 'MIN')", '1', a],
      ]) {
        const [x, y] = [await ours.command(argv, 2_000), await theirs.command(argv, 2_000)];
        assert.is(raw(x), raw(y), `RESP${resp}: ${argv.join(' ')}`);
      }
      ours.close();
      theirs.close();
    }
  } finally {
    await cluster.stop();
  }
});

t.run();
