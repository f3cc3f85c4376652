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

t.run();
