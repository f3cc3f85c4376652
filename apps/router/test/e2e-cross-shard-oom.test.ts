import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { startRedis } from '../../../test/clients/target';
import { keysPerShard, RespClient, startCluster } from './harness';

/**
 * A command over keys of several workers runs on its first key's worker with copies of the
 * others' keys (apps/node gather-run.ts, XRUN): under noeviction those copies are not the
 * worker's data and never make it answer OOM (as redis-server, which copies nothing, would not);
 * what the command really adds is charged as ever.
 */

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const NAME = 'e2e: commands over several workers under noeviction: their copies of remote keys are not charged';
const t = suite(NAME);
const skips = new Skips(NAME);
const noRedis = missingTool('redis-server');
// Shards 0, 2, 4: worker 0; shards 1, 3: worker 1 (of 2).
const [filler, remote, local, remote2, local2] = keysPerShard('oo-', shardOfString);

t('LMOVE, SMOVE, SINTERSTORE with a big key of the other worker beside a nearly full worker: answered; a result that does not fit: OOM', async () => {
  // 1mb: a budget of 512 KiB a worker.
  const two = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const c = await RespClient.connect(two.port);
  try {
    assert.is(await c.call('SET', filler, 'f'.repeat(400_000)), 'OK');
    // 300 KB on worker 1: fits there, not beside the filler's 400 KB on worker 0.
    const element = 'e'.repeat(10_000);
    assert.is(await c.call('RPUSH', remote, ...Array.from({ length: 30 }, () => element)), 30);
    await c.call('RPUSH', local, 'a');
    assert.is(await c.call('LMOVE', local, remote, 'LEFT', 'RIGHT'), 'a');
    assert.equal(await c.call('LRANGE', remote, '-1', '-1'), ['a']);
    assert.is(await c.call('LLEN', remote), 31);
    assert.is(await c.call('EXISTS', local), 0);
    await c.call('DEL', remote);
    const members = Array.from({ length: 1500 }, (_, i) => `member-${i}-${'m'.repeat(80)}`);
    assert.is(await c.call('SADD', remote2, ...members), 1500);
    assert.is(await c.call('SADD', local, 'mine', members[7]), 2);
    assert.is(await c.call('SMOVE', local, remote2, 'mine'), 1);
    assert.is(await c.call('SISMEMBER', remote2, 'mine'), 1);
    assert.is(await c.call('SINTERSTORE', local2, remote2, local), 1);
    assert.equal(await c.call('SMEMBERS', local2), [members[7]]);
    // What the command really adds is charged: the union stored beside the filler does not fit.
    assert.equal(await c.call('SUNIONSTORE', local2, remote2, local), { error: OOM });
    assert.equal(await c.call('SMEMBERS', local2), [members[7]], 'unchanged');
  } finally {
    c.close();
    assert.is(await two.stop(), 0);
  }
});

skips.test(t, 'redis-server accepts the same LMOVE, SMOVE and SINTERSTORE with maxmemory just above its data (less than the remote list or set) under noeviction', noRedis, async () => {
  const redis = await startRedis();
  const c = await RespClient.connect(redis.port);
  try {
    await c.call('SET', filler, 'f'.repeat(400_000));
    await c.call('RPUSH', remote, ...Array.from({ length: 30 }, () => 'e'.repeat(10_000)));
    await c.call('RPUSH', local, 'a');
    const members = Array.from({ length: 1500 }, (_, i) => `member-${i}-${'m'.repeat(80)}`);
    await c.call('SADD', remote2, ...members);
    const used = Number(/used_memory:(\d+)/.exec(String(await c.call('INFO', 'memory')))![1]);
    assert.is(await c.call('CONFIG', 'SET', 'maxmemory', String(used + 128 * 1024)), 'OK');
    assert.is(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), 'OK');
    assert.is(await c.call('LMOVE', local, remote, 'LEFT', 'RIGHT'), 'a');
    assert.is(await c.call('SADD', local, 'mine', members[7]), 2);
    assert.is(await c.call('SMOVE', local, remote2, 'mine'), 1);
    assert.is(await c.call('SINTERSTORE', local2, remote2, local), 1);
  } finally {
    c.close();
    await redis.stop();
  }
});

t.run();
