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
 * XREAD BLOCK across workers: a client blocked on a stream of either worker wakes when a client
 * of either adds to it (every waiter, as Redis serves them all: a read takes nothing); `$` is the
 * last id when it blocked; an explicit id waits until an entry past it comes; several streams of
 * one shard; timeouts; a client that leaves; MULTI does not block and a script is refused BLOCK;
 * the replies that do not depend on time against redis-server.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: XREAD BLOCK';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

/** XREAD's reply of one stream's entries: RESP2 [[key, entries]], RESP3 a map. */
function readReply(resp: number, key: string, entries: [string, string[]][]): string {
  const list = `*${entries.length}\r\n${entries.map(([id, fields]) => `*2\r\n${bulk(id)}*${fields.length}\r\n${fields.map(bulk).join('')}`).join('')}`;
  return resp === 3 ? `%1\r\n${bulk(key)}${list}` : `*1\r\n*2\r\n${bulk(key)}${list}`;
}

t('2 workers, RESP2 and RESP3: blocked on either worker with $, woken by an XADD from either, every waiter served', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const keys = keysPerShard('xb-', shardOfString).slice(0, 2);
    for (const resp of [2, 3]) {
      for (const key of keys) {
        for (const adderOn of [0, 1]) {
          const adder = await connectOn(cluster.port, adderOn, resp);
          await adder.command(['XADD', key, '*', 'old', 'x']);
          const blockers: RawConn[] = [await connectOn(cluster.port, 0, resp), await connectOn(cluster.port, 1, resp)];
          const replies: Promise<Reply>[] = [];
          for (const b of blockers) {
            replies.push(b.command(['XREAD', 'BLOCK', '0', 'STREAMS', key, '$'], 10_000));
            await blockedAre(cluster.port, replies.length);
          }
          const id = raw(await adder.command(['XADD', key, '*', 'f', 'v']));
          const text = id.split('\r\n')[1];
          for (const got of await Promise.all(replies)) assert.is(raw(got), readReply(resp, key, [[text, ['f', 'v']]]), `RESP${resp}, ${key}, added from worker ${adderOn}`);
          await adder.command(['DEL', key]);
          for (const c of [...blockers, adder]) c.close();
        }
      }
    }
  } finally {
    await cluster.stop();
  }
});

t('an explicit id waits for an entry past it; several streams of one shard; COUNT; a woken reader is answered with one stream', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const conn = await connect(cluster.port, 2);
    const adder = await connect(cluster.port, 2);
    await adder.command(['XADD', '{t}a', '3-0', 'f', 'v']);
    const waiting = conn.command(['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', '{t}a', '{t}b', '5-0', '$'], 10_000);
    await blockedAre(cluster.port, 1);
    await adder.command(['XADD', '{t}a', '4-0', 'f', 'v']);
    await blockedAre(cluster.port, 1); // 4-0 is not past 5-0: it still waits
    await adder.command(['XADD', '{t}b', '1-0', 'g', 'w']);
    assert.is(raw(await waiting), readReply(2, '{t}b', [['1-0', ['g', 'w']]]));
    const again = conn.command(['XREAD', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', '{t}a', '5-0'], 10_000);
    await blockedAre(cluster.port, 1);
    await adder.command(['MULTI']);
    for (const id of ['6-0', '7-0', '8-0']) await adder.command(['XADD', '{t}a', id, 'n', id]);
    await adder.command(['EXEC']);
    assert.is(raw(await again), readReply(2, '{t}a', [['6-0', ['n', '6-0']], ['7-0', ['n', '7-0']]]));
    // Entries on both of its streams in one turn: it is answered with one stream, as Redis answers a woken reader.
    const both = conn.command(['XREAD', 'BLOCK', '0', 'STREAMS', '{t}a', '{t}b', '$', '$'], 10_000);
    await blockedAre(cluster.port, 1);
    await adder.command(['MULTI']);
    await adder.command(['XADD', '{t}a', '9-0', 'a', '9']);
    await adder.command(['XADD', '{t}b', '9-0', 'b', '9']);
    await adder.command(['EXEC']);
    assert.is(raw(await both), readReply(2, '{t}a', [['9-0', ['a', '9']]]));
    conn.close();
    adder.close();
  } finally {
    await cluster.stop();
  }
});

t('timeouts in ms, a client that leaves while blocked, MULTI does not block, a script may not BLOCK', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const keys = keysPerShard('xt-', shardOfString);
    const two = await connect(cluster.port, 2);
    const three = await connect(cluster.port, 3);
    const contention = new Contention().start();
    for (const [c, none] of [
      [two, '*-1\r\n'],
      [three, '_\r\n'],
    ] as const) {
      const started = performance.now();
      assert.is(raw(await c.command(['XREAD', 'BLOCK', '200', 'STREAMS', keys[0], '$'])), none);
      const ms = performance.now() - started;
      assert.ok(ms >= 195, `timed out after ${ms.toFixed(0)} ms, not before 200`);
      assert.ok(ms < contention.bound(1000), contention.says('a 200 ms timeout', ms, 1000));
    }
    contention.stop();
    for (const [on, key] of [
      [0, keys[1]],
      [1, keys[1]],
    ] as const) {
      const gone = await connectOn(cluster.port, on);
      void gone.command(['XREAD', 'BLOCK', '0', 'STREAMS', key, '$'], 10_000);
      await blockedAre(cluster.port, 1);
      gone.close();
      await blockedAre(cluster.port, 0);
      assert.match(raw(await two.command(['XADD', key, '*', 'f', 'v'])), /^\$/);
    }
    for (const key of keys.slice(0, 2)) {
      await two.command(['MULTI']);
      await two.command(['XREAD', 'BLOCK', '0', 'STREAMS', key, '$']);
      assert.is(raw(await two.command(['EXEC'], 2_000)), '*1\r\n*-1\r\n', `EXEC on ${key}`);
    }
    assert.match(raw(await two.command(['EVAL', "return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', keys[2]], 2_000)), /^-ERR XREAD command is not allowed with BLOCK option from scripts/);
    two.close();
    three.close();
  } finally {
    await cluster.stop();
  }
});

skips.test(t, 'replies that do not depend on time, byte for byte as redis-server, RESP2 and RESP3', noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const [a] = keysPerShard('xd-', shardOfString);
    for (const resp of [2, 3]) {
      const ours = await connect(cluster.port, resp);
      const theirs = await connect(redis!.port, resp);
      for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
      for (const argv of [
        ['XADD', a, '1-1', 'f', 'v'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', a, '0'],
        ['XREAD', 'BLOCK', '10', 'STREAMS', a, '$'],
        ['XREAD', 'BLOCK', '10', 'STREAMS', a, '1-1'],
        ['XREAD', 'BLOCK', 'x', 'STREAMS', a, '$'],
        ['XREAD', 'BLOCK', '-1', 'STREAMS', a, '$'],
        ['XREAD', 'BLOCK', '1.5', 'STREAMS', a, '$'],
        ['XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', a, '0-0'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', a],
        ['XREAD', 'BLOCK', '0', 'STREAMS', a, '>'],
        ['XREAD', 'BLOCK'],
        ['XREAD', 'STREAMS', '{q}none', '{q}none2', '$', '$'],
        ['XADD', '{q}x', '2-2', 'a', 'b'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', '{q}none', '{q}x', '0', '0'],
        ['SET', '{q}s', 'x'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', '{q}s', '$'],
        ['MULTI'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', a, '$'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', a, '0'],
        ['EXEC'],
        ['EVAL', "return redis.pcall('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', a],
        ['EVAL', "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')", '1', a],
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
