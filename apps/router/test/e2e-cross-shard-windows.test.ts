import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { sleep } from '../../../test/clients/target';
import { keysPerShard, RespClient, startCluster } from './harness';

/**
 * The windows of a blocking command over keys of several workers (coord/gathered-wait.ts), made
 * wide on purpose by the delays only tests set (coord/test-delays.ts):
 * - a client that leaves while its try runs gets nothing popped: before the try's XRUN it stops,
 *   after it what it changed is put back (Redis: a client that leaves while blocked takes nothing);
 * - XREAD BLOCK's `$` is each stream's last id when the command arrives (its try), not when its
 *   watches start waiting: an entry added in between is returned.
 */

const t = suite('e2e: blocking commands over several workers, their windows held open');
// Shards 0 and 1: workers 0 and 1 of 2.
const [a, b] = keysPerShard('bw-', shardOfString);
const TRY_DELAY = 600;

t('a client that leaves during its try (before its XRUN, or after it) gets nothing moved; one that stays gets it', async () => {
  const two = await startCluster({ workers: 2, env: { KV_TEST_TRY_DELAY_MS: String(TRY_DELAY) } });
  const pusher = await RespClient.connect(two.port);
  try {
    // Blocked on an empty source (its first try takes a delay too), then woken: it leaves while the try waits before its XRUN.
    const early = await RespClient.connect(two.port);
    early.text.send(RespClient.encode('BLMOVE', a, b, 'LEFT', 'RIGHT', '0'));
    await sleep(TRY_DELAY + 300);
    await pusher.call('RPUSH', a, 'x');
    await sleep(TRY_DELAY / 2);
    early.close();
    await sleep(TRY_DELAY * 2);
    assert.equal(await pusher.call('LRANGE', a, '0', '-1'), ['x'], 'left before the run: nothing moved');
    assert.is(await pusher.call('EXISTS', b), 0);
    // Served at once by its try, it leaves between the XRUN (which moved x on a's worker) and b's write-back: put back.
    const late = await RespClient.connect(two.port);
    late.text.send(RespClient.encode('BLMOVE', a, b, 'LEFT', 'RIGHT', '0'));
    await sleep(TRY_DELAY * 1.5);
    late.close();
    await sleep(TRY_DELAY * 2);
    assert.equal(await pusher.call('LRANGE', a, '0', '-1'), ['x'], 'left after the run: put back');
    assert.is(await pusher.call('EXISTS', b), 0);
    // A client that stays gets what its try took.
    const stays = await RespClient.connect(two.port);
    assert.is(await stays.call('BLMOVE', a, b, 'LEFT', 'RIGHT', '0'), 'x');
    stays.close();
    assert.equal(await pusher.call('LRANGE', b, '0', '-1'), ['x']);
    assert.is(await pusher.call('EXISTS', a), 0);
  } finally {
    pusher.close();
    assert.is(await two.stop(), 0);
  }
});

const WATCH_DELAY = 500;

t("XREAD BLOCK $ over streams of two workers: an entry added after it arrived but before its watches wait is returned", async () => {
  const two = await startCluster({ workers: 2, env: { KV_TEST_WATCH_DELAY_MS: String(WATCH_DELAY) } });
  const [pusher, reader] = [await RespClient.connect(two.port), await RespClient.connect(two.port)];
  try {
    await pusher.call('XADD', a, '1-1', 'f', 'old');
    // b does not exist yet: its `$` is 0-0.
    const read = reader.call('XREAD', 'BLOCK', '3000', 'STREAMS', a, b, '$', '$');
    await sleep(WATCH_DELAY / 3);
    await pusher.call('XADD', b, '2-1', 'g', 'new');
    assert.equal(await read, [[b, [['2-1', ['g', 'new']]]]]);
    const again = reader.call('XREAD', 'BLOCK', '3000', 'STREAMS', a, b, '$', '$');
    await sleep(WATCH_DELAY / 3);
    await pusher.call('XADD', a, '3-1', 'h', 'newer');
    assert.equal(await again, [[a, [['3-1', ['h', 'newer']]]]]);
  } finally {
    for (const conn of [pusher, reader]) conn.close();
    assert.is(await two.stop(), 0);
  }
});

t.run();
