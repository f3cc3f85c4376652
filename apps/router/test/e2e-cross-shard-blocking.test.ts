import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { sleep, startRedis, type Target } from '../../../test/clients/target';
import { eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, RespClient, startCluster, type Cluster } from './harness';

/**
 * Blocking commands over keys of several shards of one worker (blocked.ts, gather-run.ts
 * runBlocked) and of several workers (coord/gathered-wait.ts): answered at once as redis-server
 * answers (RESP2 and RESP3), woken by a push to any of their keys, served first blocked first
 * served with the single-key waiters of the same key; a timeout or a client that leaves takes
 * nothing; XREAD BLOCK over streams of several workers woken by either, its `$` fixed as it arrives
 * (e2e-cross-shard-windows.test.ts holds those windows open).
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: blocking commands over keys of several shards';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;
let one: Cluster;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
  one = await startCluster({ workers: 1 });
});
t.after(async () => {
  await redis?.stop();
  assert.is(await one.stop(), 0);
});

const [a, b, c] = keysPerShard('bx-', shardOfString);
const raw = (reply: Reply): string => ('raw' in reply ? reply.raw : reply.failed);

skips.test(t, '1 worker: answered at once, or timed out, as redis-server answers', noRedis, async () => {
  const commands: string[][] = [
    ['RPUSH', a, '1', '2', '3'],
    ['BLMOVE', a, b, 'LEFT', 'RIGHT', '0.01'],
    ['BRPOPLPUSH', a, c, '0.01'],
    ['BLMPOP', '0.01', '3', c, b, a, 'RIGHT', 'COUNT', '2'],
    ['BLPOP', c, a, b, '0.01'],
    ['BRPOP', c, b, '0.01'],
    ['BLMOVE', c, b, 'LEFT', 'LEFT', '0.01'],
    ['ZADD', b, '1', 'm', '2', 'n'],
    ['BZMPOP', '0.01', '2', c, b, 'MAX', 'COUNT', '5'],
    ['BZPOPMIN', c, b, '0.01'],
    ['ZADD', c, '3', 'o'],
    ['BZPOPMAX', a, c, '0.01'],
    ['XADD', a, '1-1', 'f', 'v'],
    ['XADD', c, '2-1', 'g', 'w'],
    ['XREAD', 'BLOCK', '10', 'STREAMS', a, c, '0', '0'],
    ['XREAD', 'BLOCK', '10', 'STREAMS', a, c, '$', '$'],
    ['SET', b, 'x'],
    ['BLMPOP', '0.01', '2', b, a, 'LEFT'],
    ['BLMOVE', a, b, 'LEFT', 'RIGHT', '0.01'],
  ];
  await eachProtocol(one.port, redis!.port, async (pair) => {
    await flushBoth(pair);
    await sameReplies(pair, '1 worker, blocking', commands.map((argv) => [argv, null] as const), (reply) => raw(reply));
  });
});

t('1 worker: woken by a push to any key, first blocked first served', async () => {
  const [pusher, first, second] = [await RespClient.connect(one.port), await RespClient.connect(one.port), await RespClient.connect(one.port)];
  try {
    await pusher.call('DEL', a, b, c);
    // BLMOVE a -> b blocks first, BLPOP a second: the first push goes to the BLMOVE (moved to b), the next to the BLPOP.
    const moved = first.call('BLMOVE', a, b, 'LEFT', 'RIGHT', '5');
    await sleep(50);
    const popped = second.call('BLPOP', a, '5');
    await sleep(50);
    await pusher.call('RPUSH', a, 'one');
    assert.is(await moved, 'one');
    assert.equal(await pusher.call('LRANGE', b, '0', '-1'), ['one']);
    await pusher.call('RPUSH', a, 'two');
    assert.equal(await popped, [a, 'two']);
    // BLMPOP over three shards, woken by the last key.
    await pusher.call('DEL', b);
    const mpop = first.call('BLMPOP', '5', '3', a, b, c, 'LEFT');
    await sleep(50);
    await pusher.call('RPUSH', c, 'x', 'y');
    assert.equal(await mpop, [c, ['x']]);
    // BZMPOP (Redis's zset.tcl: keys of two shards) and XREAD BLOCK $ over two shards.
    const zpop = first.call('BZMPOP', '5', '2', a, b, 'MIN');
    await sleep(50);
    await pusher.call('ZADD', b, '1', 'm');
    assert.equal(await zpop, [b, [['m', '1']]]);
    await pusher.call('XADD', a, '5-1', 'f', 'old');
    const read = first.call('XREAD', 'BLOCK', '5000', 'STREAMS', a, c + 's', '$', '$');
    await sleep(50);
    await pusher.call('XADD', c + 's', '1-1', 'f', 'new');
    assert.equal(await read, [[c + 's', [['1-1', ['f', 'new']]]]]);
  } finally {
    for (const conn of [pusher, first, second]) conn.close();
  }
});

t('2 workers: keys of several workers wait gathered, woken by a push, first blocked first served; a timeout and a client that leaves take nothing', async () => {
  const two = await startCluster({ workers: 2 });
  // Shards 0 and 1: workers 0 and 1.
  const [pusher, first, second] = [await RespClient.connect(two.port), await RespClient.connect(two.port), await RespClient.connect(two.port)];
  try {
    const moved = first.call('BLMOVE', a, b, 'LEFT', 'RIGHT', '5');
    await sleep(80);
    const popped = second.call('BLPOP', a, '5');
    await sleep(80);
    await pusher.call('RPUSH', a, 'one');
    assert.is(await moved, 'one', 'the first blocked is served first');
    assert.equal(await pusher.call('LRANGE', b, '0', '-1'), ['one']);
    await pusher.call('RPUSH', a, 'two');
    assert.equal(await popped, [a, 'two']);
    // Two pushed at once: the move takes the first, the single-key waiter behind it the second.
    const [move2, pop2] = [first.call('BRPOPLPUSH', a, b, '5'), (await sleep(80), second.call('BLPOP', a, '5'))];
    await sleep(80);
    await pusher.call('RPUSH', a, 'p', 'q');
    assert.is(await move2, 'q');
    assert.equal(await pop2, [a, 'p']);
    // BLMPOP woken by the other worker's key; BZMPOP by the first's.
    await pusher.call('DEL', a, b);
    const mpop = first.call('BLMPOP', '5', '2', a, b, 'LEFT');
    await sleep(80);
    await pusher.call('RPUSH', b, 'x');
    assert.equal(await mpop, [b, ['x']]);
    const zpop = first.call('BZMPOP', '5', '2', b, a, 'MAX');
    await sleep(80);
    await pusher.call('ZADD', a, '1', 'm');
    assert.equal(await zpop, [a, [['m', '1']]]);
    // A timeout answers a null array; nothing waits after it.
    const started = Date.now();
    assert.is(await first.call('BLMPOP', '0.2', '2', a, b, 'LEFT'), null);
    assert.ok(Date.now() - started >= 190);
    // A client that leaves while blocked takes nothing.
    const leaving = await RespClient.connect(two.port);
    leaving.text.send(RespClient.encode('BLMOVE', a, b, 'LEFT', 'LEFT', '0'));
    await sleep(80);
    leaving.close();
    await sleep(80);
    await pusher.call('RPUSH', a, 'kept');
    await sleep(80);
    assert.equal(await pusher.call('LRANGE', a, '0', '-1'), ['kept']);
    assert.is(await pusher.call('EXISTS', b), 0);
    // XREAD BLOCK over streams of both workers: `$` fixed as it arrives, woken by an XADD to either
    // with that stream alone (as Redis answers a woken reader), COUNT kept; ids with entries after
    // them answer at once; a timeout answers a null array.
    const [s0, s1] = keysPerShard('bxs-', shardOfString);
    await pusher.call('XADD', s0, '1-1', 'f', 'v');
    const read = first.call('XREAD', 'BLOCK', '5000', 'STREAMS', s0, s1, '$', '$');
    await sleep(80);
    await pusher.call('XADD', s1, '2-1', 'g', 'w');
    assert.equal(await read, [[s1, [['2-1', ['g', 'w']]]]]);
    const fromZero = [[s0, [['1-1', ['f', 'v']]]], [s1, [['2-1', ['g', 'w']]]]];
    assert.equal(await first.call('XREAD', 'BLOCK', '5000', 'STREAMS', s0, s1, '0', '0'), fromZero);
    const counted = first.call('XREAD', 'COUNT', '1', 'BLOCK', '5000', 'STREAMS', s1, s0, '2-1', '1-1');
    await sleep(80);
    await pusher.call('EVAL', "redis.call('XADD', KEYS[1], '3-1', 'h', 'x') redis.call('XADD', KEYS[1], '3-2', 'i', 'y')", '1', s0);
    assert.equal(await counted, [[s0, [['3-1', ['h', 'x']]]]]);
    assert.is(await first.call('XREAD', 'BLOCK', '150', 'STREAMS', s0, s1, '$', '$'), null);
    // A reader that leaves while waiting leaves nothing behind: the next XADD wakes the next reader.
    const gone = await RespClient.connect(two.port);
    gone.text.send(RespClient.encode('XREAD', 'BLOCK', '0', 'STREAMS', s1, s0, '$', '$'));
    await sleep(80);
    gone.close();
    const next = second.call('XREAD', 'BLOCK', '5000', 'STREAMS', s0, s1, '$', '$');
    await sleep(80);
    await pusher.call('XADD', s1, '4-1', 'j', 'z');
    assert.equal(await next, [[s1, [['4-1', ['j', 'z']]]]]);
    // Answered at once or timed out, as redis-server answers, over streams of both workers.
    if (redis !== undefined) {
      const commands = [['XADD', s0, '1-1', 'f', 'v'], ['XADD', s1, '2-1', 'g', 'w'], ['XREAD', 'BLOCK', '10', 'STREAMS', s0, s1, '0', '0'], ['XREAD', 'COUNT', '1', 'BLOCK', '10', 'STREAMS', s1, s0, '0', '1-1'], ['XREAD', 'BLOCK', '10', 'STREAMS', s0, s1, '$', '$'], ['SET', b, 'x'], ['XREAD', 'BLOCK', '10', 'STREAMS', s0, b, '0', '0'], ['XREAD', 'BLOCK', '10', 'STREAMS', s0, s1, '1-1', 'bad']];
      await eachProtocol(two.port, redis.port, async (pair) => {
        await flushBoth(pair);
        await sameReplies(pair, '2 workers, XREAD BLOCK', commands.map((argv) => [argv, null] as const), (reply) => raw(reply));
      });
    }
  } finally {
    for (const conn of [pusher, first, second]) conn.close();
    assert.is(await two.stop(), 0);
  }
});

t.run();
