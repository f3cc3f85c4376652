import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, startCluster, TextClient, type Cluster } from './harness';

const PASSWORD = 'pässwörd';
const t = suite('e2e: requirepass with a non-ASCII password');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--requirepass', PASSWORD] });
});
t.after(async () => {
  await cluster.stop();
});

t('a non-ASCII password is compared by its UTF-8 bytes (RESP AUTH, HELLO AUTH, text AUTH)', async () => {
  const utf8 = Buffer.from(PASSWORD, 'utf8');
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('AUTH', Buffer.from(PASSWORD, 'latin1')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' }, 'latin1 bytes are not the password');
  assert.is(await c.call('AUTH', utf8), 'OK');
  assert.is(await c.call('SET', 'k', 'v'), 'OK');
  c.close();
  const d = await RespClient.connect(cluster.port);
  assert.is(await d.call('AUTH', 'default', utf8), 'OK');
  d.close();
  const e = await RespClient.connect(cluster.port);
  const hello = (await e.call('HELLO', '2', 'AUTH', 'default', utf8)) as unknown[];
  assert.equal(hello.slice(0, 2), ['server', 'redis']);
  e.close();
  const text = await TextClient.connect(cluster.port);
  text.send(Buffer.concat([Buffer.from('AUTH '), utf8, Buffer.from('\nGET k\n')]));
  assert.equal(await text.readLines(2), ['OK', 'v']);
  text.close();
});

t.run();
