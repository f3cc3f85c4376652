import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedis, type Target } from '../../../test/clients/target';
import { Contention } from '../../../test-support/contention';
import { missingTool, Skips } from '../../../test-support/skip';
import { RespClient, startCluster, type Cluster } from './harness';
import { Resp3Client } from './resp3-client';

/**
 * SHUTDOWN end to end on 2 workers: with a password only an authenticated client may; it stops
 * the server as SIGTERM does (exit 0), its client sees the connection closed with no reply, and
 * so do the others; RESP3 too. The refusals (ABORT,
 * bad combinations, inside MULTI, SAVE with nothing to save) leave it serving, and answer as
 * redis-server 7.0 does.
 */

const NAME = 'e2e: SHUTDOWN on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);

/** Resolves once the socket is closed by the server; the bytes it got first. */
function closedBy(c: RespClient): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    c.text.socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    c.text.socket.once('close', () => resolve(got));
  });
}

/** The process's exit code, once it exits (bounded by what the machine gives this test). */
async function exitOf(cluster: Cluster): Promise<number | null> {
  const contention = new Contention().start();
  const until = Date.now() + contention.bound(15_000);
  while (cluster.child.exitCode === null && cluster.child.signalCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  contention.stop();
  return cluster.child.exitCode;
}

t('with a password: refused until AUTH; then the server stops, exit 0, the client sees its connection closed', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--requirepass', 'pw', '--admin-port', '-1'] });
  try {
    const c = await RespClient.connect(cluster.port);
    assert.equal(await c.call('SHUTDOWN'), { error: 'NOAUTH Authentication required.' });
    assert.equal(await c.call('SHUTDOWN', 'NOSAVE'), { error: 'NOAUTH Authentication required.' });
    assert.equal(await c.call('AUTH', 'pw'), 'OK');
    // Refusals leave it serving.
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
    assert.equal(await c.call('SHUTDOWN', 'SAVE'), { error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
    assert.equal(await c.pipeline([['MULTI'], ['SHUTDOWN'], ['EXEC']]), ['OK', { error: 'ERR Command not allowed inside a transaction' }, { error: 'EXECABORT Transaction discarded because of previous errors.' }]);
    assert.is(await c.call('PING'), 'PONG');
    // Another client's commands answered before are kept answered; it is closed with the rest (the drain SIGTERM runs: e2e-shutdown).
    const other = await RespClient.connect(cluster.port);
    assert.equal(await other.call('AUTH', 'pw'), 'OK');
    assert.equal(await other.call('SET', 'sd', 'v'), 'OK');
    const otherClosed = closedBy(other);
    const closed = closedBy(c);
    c.text.send(RespClient.encode('SHUTDOWN', 'NOW'));
    assert.is(await closed, '', 'no reply, the connection closed');
    assert.is(await otherClosed, '');
    assert.is(await exitOf(cluster), 0);
    assert.ok(cluster.logs.some((l) => l.message === 'SHUTDOWN from a client'));
  } finally {
    await cluster.stop();
  }
});

t('RESP3, no password: SHUTDOWN NOSAVE NOW FORCE stops it', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  try {
    const c = await Resp3Client.connect(cluster.port);
    await c.call('HELLO', '3');
    const closed = new Promise<void>((resolve) => c.text.socket.once('close', () => resolve()));
    c.text.send(RespClient.encode('SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE'));
    await closed;
    assert.is(await exitOf(cluster), 0);
  } finally {
    await cluster.stop();
  }
});

/** Refusals only: a SHUTDOWN that succeeds would stop redis-server too. */
const REFUSED: string[][] = [['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'NOSAVE', 'SAVE'], ['SHUTDOWN', 'ABORT', 'NOW'], ['SHUTDOWN', 'nosuch'], ['MULTI'], ['SHUTDOWN'], ['EXEC']];

skips.test(t, 'its refusals as redis-server answers them', missingTool('redis-server'), async () => {
  const redis: Target = await startRedis();
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  try {
    for (const protocol of ['2', '3']) {
      const ours = await Resp3Client.connect(cluster.port);
      const theirs = await Resp3Client.connect(redis.port);
      await ours.call('HELLO', protocol);
      await theirs.call('HELLO', protocol);
      for (const argv of REFUSED) assert.is((await ours.call(...argv)).raw, (await theirs.call(...argv)).raw, `RESP${protocol}: ${argv.join(' ')}`);
      ours.text.close();
      theirs.text.close();
    }
  } finally {
    await redis.stop();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
