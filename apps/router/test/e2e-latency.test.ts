import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, respClientOn, sleep, startCluster, type Cluster } from './harness';
import { Resp3Client } from './resp3-client';

/**
 * LATENCY end to end on 2 workers: with latency-monitor-threshold set, a long script is a
 * `command` event and the event-loop stall it makes an `event-loop` one on its worker; a command
 * forwarded to a worker busy with it waits, a `forwarded-command` event on the other; LATEST,
 * HISTORY, RESET and DOCTOR over both workers; off, and with nothing seen, as redis-server 7.0.
 */

const NAME = 'e2e: LATENCY on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;

/** A script that keeps its worker busy for well over 100 ms (the event loop's check runs every 100 ms). */
const BUSY = ['EVAL', 'local i = 0 while i < 20000000 do i = i + 1 end return 1', '0'];

function clientOnWorker(port: number, worker: number): Promise<RespClient> {
  return respClientOn(port, worker);
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1', '--lua-time-limit', '600000'] });
});
t.after(async () => {
  assert.is(await cluster?.stop(), 0);
});

t('a long script, the stall it makes, and a command forwarded to its worker meanwhile: events of their own', async () => {
  const a = await clientOnWorker(cluster.port, 0);
  const b = await clientOnWorker(cluster.port, 1);
  assert.equal(await a.call('CONFIG', 'SET', 'latency-monitor-threshold', '1'), 'OK');
  assert.equal(await a.call('CONFIG', 'GET', 'latency-monitor-threshold'), ['latency-monitor-threshold', '1']);
  const onB = keysPerShard('lat-', shardOfString)[1];
  // b's worker runs the script; a asks it for a key until the script is answered: one GET waits for it.
  let done = false;
  const busy = b.call(...BUSY).then((r) => ((done = true), r));
  while (!done) {
    assert.is(await a.call('GET', onB), null);
    await sleep(5);
  }
  assert.is(await busy, 1);
  const latest = (await a.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  const events = new Map(latest.map((e) => [e[0], e]));
  for (const event of ['command', 'event-loop', 'forwarded-command']) {
    const e = events.get(event);
    assert.ok(e !== undefined, `${event} in ${JSON.stringify(latest)}`);
    assert.ok(e![2] >= 1 && e![3] >= e![2] && Math.abs(e![1] - Date.now() / 1000) < 60, JSON.stringify(e));
  }
  // The script held its worker past 100 ms: the loop's check came that late.
  assert.ok(events.get('event-loop')![3] >= 1);
  const history = (await a.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
  assert.ok(history.length >= 1 && history.every(([time, ms]) => time > 0 && ms >= 1), JSON.stringify(history));
  assert.equal(await a.call('LATENCY', 'HISTORY', 'nosuch'), []);
  assert.match((await a.call('LATENCY', 'DOCTOR')) as string, /^Dave, I have observed latency spikes in this Redis instance\./);
  // Off again, then reset: nothing is kept.
  assert.equal(await a.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'), 'OK');
  assert.ok(((await a.call('LATENCY', 'RESET', 'event-loop', 'nosuch')) as number) === 1);
  assert.ok(((await a.call('LATENCY', 'RESET')) as number) >= 2);
  assert.equal(await a.call('LATENCY', 'LATEST'), []);
  a.close();
  b.close();
});

t('RESP3: LATEST is arrays, DOCTOR a verbatim string', async () => {
  const c = await Resp3Client.connect(cluster.port);
  await c.call('HELLO', '3');
  assert.equal((await c.call('LATENCY', 'LATEST')).value, []);
  assert.match((await c.call('LATENCY', 'DOCTOR')).raw, /^=\d+\r\ntxt:I'm sorry, Dave/);
  c.text.close();
});

/** Answered the same by redis-server (nothing recorded on either: the monitor off, then a threshold nothing reaches). */
const SAME: string[][] = [
  ['LATENCY', 'DOCTOR'],
  ['LATENCY', 'LATEST'],
  ['LATENCY', 'HISTORY', 'command'],
  ['LATENCY', 'RESET'],
  ['LATENCY', 'RESET', 'command', 'nosuch'],
  ['LATENCY', 'nosuch'],
  ['LATENCY', 'HISTORY'],
  ['LATENCY', 'HISTORY', 'a', 'b'],
  ['LATENCY', 'LATEST', 'x'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '1000000'],
  ['LATENCY', 'DOCTOR'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
];

skips.test(t, 'off, and with nothing seen: as redis-server answers', missingTool('redis-server'), async () => {
  const redis: Target = await startRedis();
  try {
    for (const protocol of ['2', '3']) {
      const ours = await Resp3Client.connect(cluster.port);
      const theirs = await Resp3Client.connect(redis.port);
      await ours.call('HELLO', protocol);
      await theirs.call('HELLO', protocol);
      for (const argv of SAME) assert.is((await ours.call(...argv)).raw, (await theirs.call(...argv)).raw, `RESP${protocol}: ${argv.join(' ')}`);
      ours.text.close();
      theirs.text.close();
    }
  } finally {
    await redis.stop();
  }
});

t.run();

