import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { encodeCommand, RawConn } from '../../../test/compat/resp-raw';
import { RawListener } from '../../../test/compat/listener';
import { startRedis, type Target } from '../../../test/clients/target';
import { raw } from './blocking-helpers';
import { resizeLive, sleep, startCluster, type Cluster } from './harness';

/**
 * XSETID in Redis 7.0's forms against redis-server, in RESP2 and RESP3: the last id, ENTRIESADDED
 * and MAXDELETEDID as XINFO STREAM and XADD see them afterwards, every error in Redis's order of
 * checks, WRONGTYPE, a missing key, and the `xsetid` keyspace event. Keys on both workers ({A}
 * shard 6, {a} shard 15). Then what it set survives a live resize.
 */
const STEPS = (k: string): string[][] => [
  ['XSETID', k, '5-0'],
  ['XADD', k, '3-0', 'f', 'v'],
  ['XSETID', k, '2-0'],
  ['XSETID', k, '3-0'],
  ['XINFO', 'STREAM', k],
  ['XSETID', k, '10-5', 'ENTRIESADDED', '7', 'MAXDELETEDID', '4-0'],
  ['XINFO', 'STREAM', k],
  ['XADD', k, '10-5', 'f', 'v'],
  ['XADD', k, '10-*', 'f', 'v'],
  ['XADD', k, '10', 'f', 'v'],
  ['XSETID', k, '20', 'ENTRIESADDED', '1'],
  ['XSETID', k, '20', 'entriesadded', '2', 'maxdeletedid', '20-0'],
  ['XSETID', k, '20', 'MAXDELETEDID', '20-1'],
  ['XSETID', k, '20', 'MAXDELETEDID'],
  ['XSETID', k, '20', 'ENTRIESADDED', '-1'],
  ['XSETID', k, '20', 'ENTRIESADDED', 'x'],
  ['XSETID', k, '20', 'ENTRIESADDED', '9223372036854775808'],
  ['XSETID', k, '20', 'BOGUS', '1'],
  ['XSETID', k, '-'],
  ['XSETID', k, '+'],
  ['XSETID', k, 'x-1'],
  ['XSETID', k, '30-1', 'ENTRIESADDED', '100', 'MAXDELETEDID', '0-0'],
  ['XINFO', 'STREAM', k],
  ['XDEL', k, '3-0', '10-6'],
  ['XTRIM', k, 'MAXLEN', '0'],
  ['XSETID', k, '1-1', 'ENTRIESADDED', '0'],
  ['XINFO', 'STREAM', k],
  ['XADD', k, '1-1', 'f', 'v'],
  ['XADD', k, '1-2', 'f', 'v'],
  ['XSETID', `${k}none`, '1-1'],
  ['XSETID', `${k}none`, '1-1', 'ENTRIESADDED', '-5'],
  ['SET', `${k}str`, 'v'],
  ['XSETID', `${k}str`, '1-1'],
  ['XSETID', k],
  ['XINFO', 'STREAM', k, 'FULL'],
];

/** XINFO's radix-tree-nodes (Redis's inner tree, which this store does not have) masked. */
const masked = (reply: string): string => reply.replace(/(radix-tree-nodes\r\n):\d+/g, '$1:?');

async function play(port: number, resp: number): Promise<string[]> {
  const conn = await RawConn.connect(port);
  const sub = await RawListener.connect(port);
  try {
    await conn.command(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    sub.socket.write(encodeCommand(['PSUBSCRIBE', '__key*__:*']));
    await sub.waitFor(1);
    sub.take();
    if (resp === 3) await conn.command(['HELLO', '3']);
    const out: string[] = [];
    for (const tag of ['{A}', '{a}']) for (const argv of STEPS(`${tag}s${resp}`)) out.push(`${argv.join(' ')} -> ${masked(raw(await conn.command(argv)))}`);
    await sleep(100);
    // The events of one key come in order from its owner: compared per key.
    const events = sub.take().filter((m) => m.includes('xsetid'));
    out.push(...['{A}', '{a}'].map((tag) => events.filter((m) => m.includes(tag)).join('')));
    return out;
  } finally {
    conn.close();
    sub.socket.destroy();
  }
}

const NAME = 'e2e: XSETID against redis-server';
const t = suite(NAME);
const noRedis = missingTool('redis-server');
if (noRedis !== null) new Skips(NAME).all(['RESP2 and RESP3 on 2 workers, events', 'kept through a live resize'], `${noRedis} (apt-get install redis-server)`);
else {
  let cluster: Cluster;
  let redis: Target;
  t.before(async () => {
    [cluster, redis] = await Promise.all([startCluster({ workers: 2, args: ['--admin-port', '0'] }), startRedis()]);
  });
  t.after(async () => {
    await Promise.all([cluster?.stop(), redis?.stop()]);
  });

  t('RESP2 and RESP3 on 2 workers, events', async () => {
    for (const resp of [2, 3]) {
      const [mine, theirs] = [await play(cluster.port, resp), await play(redis.port, resp)];
      mine.forEach((line, i) => assert.is(line, theirs[i]));
      assert.is(mine.length, theirs.length);
    }
  });

  t('kept through a live resize', async () => {
    const conn = await RawConn.connect(cluster.port);
    try {
      const keys = ['{A}r', '{a}r', '{B}r', '{c}r'];
      for (const k of keys) {
        await conn.command(['XADD', k, '1-1', 'f', 'v']);
        assert.is(raw(await conn.command(['XSETID', k, '9-9', 'ENTRIESADDED', '42', 'MAXDELETEDID', '5-5'])), '+OK\r\n');
      }
      await resizeLive(cluster, 3);
      for (const k of keys) {
        const info = raw(await conn.command(['XINFO', 'STREAM', k]));
        assert.ok(info.includes('last-generated-id\r\n$3\r\n9-9\r\n'), `${k}: ${info}`);
        assert.ok(info.includes('max-deleted-entry-id\r\n$3\r\n5-5\r\n'), `${k}: ${info}`);
        assert.ok(info.includes('entries-added\r\n:42\r\n'), `${k}: ${info}`);
      }
    } finally {
      conn.close();
    }
  });
}
t.run();
