import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, startCluster, type Cluster } from './harness';

const BAD = { error: 'ERR Client names cannot contain spaces, newlines or special characters.' };
const t = suite('e2e: client names, one rule for HELLO SETNAME and CLIENT SETNAME');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 1 });
});
t.after(async () => {
  await cluster.stop();
});

t('names with bytes outside ! .. ~ are refused by both; the empty name clears', async () => {
  const c = await RespClient.connect(cluster.port);
  for (const bad of ['a b', 'tab\there', 'ctl\x01', 'del\x7f', 'caf\xe9']) {
    assert.equal(await c.call('CLIENT', 'SETNAME', bad), BAD, `CLIENT SETNAME ${JSON.stringify(bad)}`);
    assert.equal(await c.call('HELLO', '2', 'SETNAME', bad), BAD, `HELLO SETNAME ${JSON.stringify(bad)}`);
  }
  assert.is(await c.call('CLIENT', 'GETNAME'), null, 'nothing was set');
  assert.is(await c.call('CLIENT', 'SETNAME', 'worker-1!~'), 'OK');
  assert.is(await c.call('CLIENT', 'GETNAME'), 'worker-1!~');
  assert.is(await c.call('CLIENT', 'SETNAME', ''), 'OK');
  assert.is(await c.call('CLIENT', 'GETNAME'), null, 'the empty name clears it');
  const hello = (await c.call('HELLO', '2', 'SETNAME', 'via-hello')) as unknown[];
  assert.equal(hello.slice(0, 2), ['server', 'redis']);
  assert.is(await c.call('CLIENT', 'GETNAME'), 'via-hello');
  (await c.call('HELLO', '2', 'SETNAME', '')) as unknown[];
  assert.is(await c.call('CLIENT', 'GETNAME'), null, 'HELLO SETNAME with the empty name clears it');
  c.close();
});

t.run();
