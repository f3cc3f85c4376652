import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { Contention } from '../../../test-support/contention';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawListener } from '../../../test/compat/listener';
import { encodeCommand } from '../../../test/compat/resp-raw';
import { sleep, startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, RespClient, startCluster, type Cluster } from './harness';
import { clientOn, invalidations, nothingMore } from './tracking-clients';

/**
 * Commands over keys of several workers, gathered (coord/gathered.ts), as one step: a concurrent
 * reader (MULTI/EXEC over both workers) never sees an SMOVE or LMOVE half done; WATCH sees the keys
 * written and not those only read; the keyspace events of a run fire once each, in redis-server's
 * order; a tracking client's read through one is remembered on each key's owner, and only the keys
 * written are invalidated.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: commands over keys of several workers are atomic, watched, notified and tracked';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;
let cluster: Cluster;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
  cluster = await startCluster({ workers: 3 });
});
t.after(async () => {
  await redis?.stop();
  assert.is(await cluster.stop(), 0);
});

/** Keys of shards 0, 1, 2: one per worker of 3. */
const keysOf = (prefix: string): string[] => keysPerShard(prefix, shardOfString).slice(0, 3);

t('a reader never sees an SMOVE or LMOVE half done', async () => {
  const [mover, reader] = [await RespClient.connect(cluster.port), await RespClient.connect(cluster.port)];
  try {
    const [src, dst] = keysOf('atom-');
    const n = 150;
    const members = Array.from({ length: n }, (_, i) => `m${i}`);
    for (const [fill, count, move] of [
      [['SADD', src, ...members], 'SCARD', (i: number) => ['SMOVE', src, dst, members[i]]],
      [['RPUSH', src, ...members], 'LLEN', () => ['LMOVE', src, dst, 'LEFT', 'RIGHT']],
    ] as const) {
      await mover.call('DEL', src, dst);
      await mover.call(...fill);
      let done = false;
      const moving = (async () => {
        for (let i = 0; i < n; i += 10) await mover.pipeline(Array.from({ length: 10 }, (_, j) => move(i + j)));
        done = true;
      })();
      let reads = 0;
      while (!done) {
        const seen = (await reader.pipeline([['MULTI'], [count, src], [count, dst], ['EXEC']]))[3] as number[];
        assert.is(seen[0] + seen[1], n, `${count} ${src} + ${dst}: ${JSON.stringify(seen)}`);
        reads++;
      }
      await moving;
      assert.ok(reads > 0);
      assert.equal([await mover.call(count, src), await mover.call(count, dst)], [0, n]);
    }
    assert.equal(await mover.call('LRANGE', dst, '0', '2'), ['m0', 'm1', 'm2'], 'in order');
  } finally {
    mover.close();
    reader.close();
  }
});

t('WATCH: a key only read keeps its version; a key written, or deleted, gets a new one', async () => {
  const [c, watcher] = [await RespClient.connect(cluster.port), await RespClient.connect(cluster.port)];
  try {
    const [a, b, dst] = keysOf('watch-');
    const watched = async (key: string, argv: string[], before: string[] = ['PING']): Promise<boolean> => {
      await c.call('DEL', a, b, dst);
      await c.call(...before);
      await c.call('SADD', a, 'x', 'y');
      await c.call('SADD', b, 'y', 'z');
      await watcher.call('WATCH', key);
      await c.call(...argv);
      await watcher.call('MULTI');
      await watcher.call('PING');
      return (await watcher.call('EXEC')) === null;
    };
    assert.is(await watched(a, ['SUNIONSTORE', dst, a, b]), false, 'a source only read');
    assert.is(await watched(b, ['SINTER', a, b]), false, 'read by a read-only command');
    assert.is(await watched(dst, ['SUNIONSTORE', dst, a, b]), true, 'the destination written');
    assert.is(await watched(b, ['SMOVE', a, b, 'x']), true, 'the destination of a move');
    assert.is(await watched(a, ['SMOVE', a, b, 'x']), true, 'the source of a move');
    assert.is(await watched(b, ['SMOVE', a, b, 'nope']), false, 'nothing moved');
    assert.is(await watched(dst, ['SMOVE', a, dst, 'x']), true, 'a new destination');
    assert.is(await watched(dst, ['SINTERSTORE', dst, a, 'missing'], ['SET', dst, 'was here']), true, 'an empty result deletes');
    assert.is(await c.call('EXISTS', dst), 0);
  } finally {
    c.close();
    watcher.close();
  }
});

/** The keyevent messages (event and key) a command sends to a subscriber of every event on `port`, in order. */
async function eventsOf(port: number, commands: string[][], settleMs: number): Promise<string[]> {
  const [c, sub] = [await RespClient.connect(port), await RawListener.connect(port)];
  try {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    sub.socket.write(encodeCommand(['PSUBSCRIBE', '__keyevent@0__:*']));
    await sub.waitFor(1);
    sub.take();
    const out: string[] = [];
    for (const argv of commands) {
      await c.call(...argv);
      await sleep(settleMs);
      for (const node of sub.takeNodes()) out.push(`${argv[0]}: ${(node as { items: { v: string }[] }).items.slice(2).map((x) => x.v.replace('__keyevent@0__:', '')).join(' ')}`);
    }
    return out;
  } finally {
    c.close();
    sub.socket.destroy();
  }
}

skips.test(t, "keyspace events fire once each, on the real keys, in redis-server's order", noRedis, async () => {
  const [a, b, c] = keysOf('ev-');
  const commands = [
    ['FLUSHALL'],
    ['SADD', a, 'x', 'y'],
    ['SMOVE', a, b, 'x'],
    ['SMOVE', a, b, 'y'],
    ['SUNIONSTORE', c, a, b],
    ['SINTERSTORE', c, a, 'missing'],
    ['RPUSH', a, '1', '2'],
    ['LMOVE', a, b, 'LEFT', 'RIGHT'],
    ['LMOVE', b, c, 'RIGHT', 'LEFT'],
    ['RPOPLPUSH', a, c],
    ['LMPOP', '2', b, c, 'LEFT', 'COUNT', '5'],
    ['ZADD', a, '1', 'm', '2', 'n'],
    ['ZUNIONSTORE', b, '2', a, c],
    ['ZRANGESTORE', c, b, '0', '0'],
    ['ZMPOP', '2', c, a, 'MIN', 'COUNT', '9'],
    ['SET', a, 'abc'],
    ['BITOP', 'NOT', b, a],
    ['LCS', a, b],
    ['SINTER', c, 'missing'],
  ];
  const contention = new Contention().start();
  const settle = Math.min(400, contention.bound(60));
  try {
    const [ours, theirs] = [await eventsOf(cluster.port, commands, settle), await eventsOf(redis!.port, commands, 20)];
    assert.equal(ours, theirs);
  } finally {
    contention.stop();
  }
});

t('tracking: a read through a gathered command is remembered on each owner; only the keys written are invalidated', async () => {
  const [a, b, dst] = keysOf('trk-');
  // The tracker on worker 2, the keys on workers 0, 1, 2.
  const [tracker, writer] = [await clientOn(cluster.port, 2, true), await clientOn(cluster.port, 0, false)];
  try {
    await writer.call('SADD', a, 'x', 'z');
    await writer.call('SADD', b, 'x', 'y');
    await tracker.call('CLIENT', 'TRACKING', 'ON');
    await tracker.call('SINTER', a, b);
    await tracker.call('SMEMBERS', dst);
    // Only read by the store: a and b keep their readers; dst is written.
    await writer.call('SUNIONSTORE', dst, a, b);
    assert.equal(await invalidations(tracker, 1), [dst]);
    await nothingMore(tracker);
    // a and b were remembered on their owners by the SINTER: an SMOVE between them tells both (z is new to b).
    await writer.call('SMOVE', a, b, 'z');
    assert.equal(await invalidations(tracker, 2), [a, b].sort());
    await nothingMore(tracker);
  } finally {
    tracker.close();
    writer.close();
  }
});

t.run();
