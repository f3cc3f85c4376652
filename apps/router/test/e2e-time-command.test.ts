import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, startCluster, type Cluster } from './harness';

const t = suite('e2e: TIME and COMMAND INFO');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 1 });
});
t.after(async () => {
  await cluster.stop();
});

t('1000 TIME calls never go backwards and agree with the wall clock', async () => {
  const c = await RespClient.connect(cluster.port);
  let last = 0n;
  for (let i = 0; i < 1000; i++) {
    const [sec, usec] = (await c.call('TIME')) as string[];
    assert.ok(Number(usec) >= 0 && Number(usec) < 1_000_000);
    const micros = BigInt(sec) * 1_000_000n + BigInt(usec);
    assert.ok(micros >= last, `TIME went back from ${last} to ${micros} at call ${i}`);
    last = micros;
  }
  assert.ok(Math.abs(Number(last / 1000n) - Date.now()) < 5000, 'close to Date.now()');
  c.close();
});

t('COMMAND INFO reports Redis 7 key positions: first, last, step', async () => {
  const c = await RespClient.connect(cluster.port);
  const positions = async (name: string) => ((await c.call('COMMAND', 'INFO', name)) as unknown[][])[0].slice(3, 6);
  assert.equal(await positions('mset'), [1, -1, 2]);
  assert.equal(await positions('msetnx'), [1, -1, 2]);
  assert.equal(await positions('get'), [1, 1, 1]);
  assert.equal(await positions('mget'), [1, -1, 1]);
  assert.equal(await positions('del'), [1, -1, 1]);
  assert.equal(await positions('ping'), [0, 0, 0]);
  c.close();
});

t.run();
