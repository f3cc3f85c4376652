import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, startCluster, stats, TextClient, type Cluster } from './harness';

const PASSWORD = 'sesame open';
const t = suite('e2e: requirepass');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 2, env: { KV_PASSWORD: PASSWORD } });
});
t.after(async () => {
  await cluster.stop();
});

t('RESP clients get NOAUTH until AUTH, then everything; wrong passwords get WRONGPASS', async () => {
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('GET', 'k'), { error: 'NOAUTH Authentication required.' });
  assert.equal(await c.call('PING'), { error: 'NOAUTH Authentication required.' });
  assert.equal(await c.call('NOSUCH'), { error: 'NOAUTH Authentication required.' });
  assert.equal(await c.call('AUTH', 'wrong'), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
  assert.equal(await c.call('AUTH', 'someone', PASSWORD), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
  assert.match(JSON.stringify(await c.call('HELLO', '2')), /NOAUTH HELLO must be called/);
  assert.is(await c.call('AUTH', PASSWORD), 'OK');
  assert.is(await c.call('SET', 'k', 'v'), 'OK');
  assert.is(await c.call('GET', 'k'), 'v');
  c.close();
  const d = await RespClient.connect(cluster.port);
  assert.is(await d.call('AUTH', 'default', PASSWORD), 'OK', 'the default user with the password');
  assert.is(await d.call('GET', 'k'), 'v');
  d.close();
  const e = await RespClient.connect(cluster.port);
  const hello = (await e.call('HELLO', '2', 'AUTH', 'default', PASSWORD)) as unknown[];
  assert.equal(hello.slice(0, 2), ['server', 'redis'], 'HELLO with AUTH authenticates');
  assert.is(await e.call('GET', 'k'), 'v');
  e.close();
});

t('text clients get ERROR until AUTH <password>, which answers OK or ERROR', async () => {
  const c = await TextClient.connect(cluster.port);
  assert.equal(await c.request(['GET k', 'PUT a b', 'AUTH nope', 'GET k', `AUTH ${PASSWORD}`, 'GET k', 'PUT a b', 'GET a']), [
    'ERROR',
    'ERROR',
    'ERROR',
    'ERROR',
    'OK',
    'v',
    'OK',
    'b',
  ]);
  const s = await stats(c);
  assert.ok(Number(s.get('auth_failures')) >= 1, 'failed attempts are counted');
  c.close();
});

t('the password never appears in the logs, STATS, INFO or CONFIG GET', async () => {
  const c = await RespClient.connect(cluster.port);
  assert.is(await c.call('AUTH', PASSWORD), 'OK');
  const info = (await c.call('INFO')) as string;
  const config = JSON.stringify(await c.call('CONFIG', 'GET', '*'));
  const text = await TextClient.connect(cluster.port);
  await text.request([`AUTH ${PASSWORD}`]);
  const s = JSON.stringify([...(await stats(text)).entries()]);
  for (const where of [info, config, s, JSON.stringify(cluster.logs), cluster.stderr.join('')]) assert.not.ok(where.includes(PASSWORD));
  c.close();
  text.close();
});

t.run();
