import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { RespClient, sleep, startCluster, stats, TextClient, textClientOn, type Cluster, type LogLine } from './harness';

const MB = 1024 * 1024;
const text = (line: LogLine) => line.message;

/** A client on the given worker: connects until that worker is the one that accepts. */
function clientOn(port: number, worker: number): Promise<TextClient> {
  return textClientOn(port, worker);
}

/** Sends bytes until the server closes the connection or they are all out; resolves with the bytes written. */
async function writeUntilClosed(client: TextClient, chunks: Buffer[]): Promise<number> {
  let written = 0;
  for (const chunk of chunks) {
    if (client.closed || client.socket.writableEnded) break;
    if (!client.socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          client.socket.off('drain', done).off('close', done);
          resolve();
        };
        client.socket.on('drain', done).on('close', done);
      });
    }
    written += chunk.length;
  }
  return written;
}

async function waitClosed(client: TextClient, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!client.closed && Date.now() < deadline) await sleep(10);
  return client.closed;
}

const lines = suite('e2e: text line limit');
const PASSWORD = 'p'.repeat(700);
let cluster: Cluster;

lines.before(async () => {
  cluster = await startCluster({ workers: 1, args: ['--text-max-line', '1kb', '--requirepass', PASSWORD, '--admin-port', '-1'] });
});
lines.after(async () => {
  await cluster.stop();
});

lines('a raised --text-max-line admits a longer AUTH line; past it a line gets ERROR once and the connection goes on', async () => {
  const c = await TextClient.connect(cluster.port);
  // 705 bytes: past the seed's 518, within the 1024 set.
  assert.equal(await c.request([`AUTH ${PASSWORD}`, 'PUT k v', 'GET k']), ['OK', 'OK', 'v']);
  // A wrong password counts as an auth failure only if its line was parsed.
  const failures = async () => Number((await stats(c)).get('auth_failures'));
  const before = await failures();
  assert.equal(await c.request([`AUTH ${'q'.repeat(1019)}`, 'GET k']), ['ERROR', 'v']);
  assert.is(await failures(), before + 1, 'a 1024-byte line is parsed');
  assert.equal(await c.request([`AUTH ${'q'.repeat(1020)}`, 'GET k']), ['ERROR', 'v']);
  assert.is(await failures(), before + 1, 'a 1025-byte line is not');
  // Past the limit in many small writes: answered once, the rest skipped.
  c.send(`AUTH ${PASSWORD}`);
  for (let i = 0; i < 10; i++) {
    c.send('x'.repeat(100));
    await sleep(5);
  }
  c.send('\nGET k\n');
  assert.equal(await c.readLines(2), ['ERROR', 'v']);
  assert.is(await failures(), before + 1);
  assert.is(c.unread, 0);
  c.close();
});

lines.run();

const LIMIT = 16 * MB;
const query = suite('e2e: client query buffer limit');

query.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--client-query-buffer-limit', '16mb', '--admin-port', '-1'] });
});
query.after(async () => {
  await cluster.stop();
});

query('the default text line limit is the seed\'s: 518 bytes parse, 519 get ERROR, an endless line one ERROR', async () => {
  const c = await TextClient.connect(cluster.port);
  const key = 'k'.repeat(256);
  const value = 'v'.repeat(256);
  assert.equal(await c.request([`PUT ${key} ${value}\r`, `GET ${key}`]), ['OK', value]);
  assert.equal(await c.request([`PUT ${key} ${value}v`, `PUT ${key}k ${value}`]), ['ERROR', 'ERROR']);
  // 40 MB without a newline: one ERROR as soon as it passes the limit, then skipped to its end.
  const endless = Buffer.alloc(MB, 'z');
  await writeUntilClosed(c, Array.from({ length: 40 }, () => endless));
  c.send('\nGET k\n');
  assert.equal(await c.readLines(2), ['ERROR', 'NOTFOUND']);
  assert.is(c.unread, 0);
  c.close();
});

query('an unfinished command past the limit gets -ERR Protocol error after its owed replies, is closed, and its memory is returned', async () => {
  const probe = await TextClient.connect(cluster.port);
  const worker = Number((await stats(probe)).get('worker'));
  probe.close();
  const other = 1 - worker;
  const bystander = await clientOn(cluster.port, worker);
  const farKey = Array.from({ length: 100 }, (_, i) => `far-${i}`).find((k) => shardOfString(k) % 2 === other)!;
  const rssBefore = Number((await stats(bystander)).get('rss'));

  // 17 bulks of 1 MB in one command: it passes 16 MB unparsed at the 16th.
  const bulk = Buffer.concat([Buffer.from(`$${MB}\r\n`), Buffer.alloc(MB, 'q'), Buffer.from('\r\n')]);
  const attack = [Buffer.from('*17\r\n'), ...Array.from({ length: 17 }, () => bulk)];
  const rounds = 16;
  let peakMb = 0;
  for (let round = 0; round < rounds; round++) {
    const c = await clientOn(cluster.port, worker);
    const owed = [RespClient.encode('SET', farKey, `v${round}`), RespClient.encode('GET', farKey)];
    c.send(Buffer.concat(owed));
    await writeUntilClosed(c, attack);
    const replies = await c.readLines(3);
    assert.equal(replies, ['+OK\r', `$${String(round).length + 1}\r`, `v${round}\r`], `round ${round}: the owed replies first`);
    assert.equal(await c.readLines(1), ['-ERR Protocol error: client query buffer limit reached\r']);
    assert.ok(await waitClosed(c, 5000), 'the client is closed');
    // Other clients of the same worker are served all along.
    assert.equal(await bystander.request([`PUT by-${round} ${round}`, `GET by-${round}`]), ['OK', String(round)]);
    peakMb = Math.max(peakMb, (Number((await stats(bystander)).get('rss')) - rssBefore) / MB);
  }
  await sleep(500);
  const s = await stats(bystander);
  const grewMb = (Number(s.get('rss')) - rssBefore) / MB;
  console.log(`    query buffer limit 16 MB: ${rounds} clients each sent ~16 MB of one command and were closed; worker RSS grew at most ${peakMb.toFixed(1)} MB, ${grewMb.toFixed(1)} MB at the end`);
  assert.is(s.get('client_query_buffer_limit_closed'), String(rounds));
  // Kept, the buffers alone would add rounds x 16 MB; read buffers not yet collected add some.
  assert.ok(grewMb < (rounds * LIMIT) / MB / 2, `the worker kept the buffers: RSS grew ${grewMb.toFixed(1)} MB after ${rounds} rounds`);
  const logged = cluster.logs.filter((l) => text(l) === 'client closed: query buffer limit reached');
  assert.is(logged.length, rounds);
  assert.is(logged[0].limit, LIMIT);
  bystander.close();
});

query('a bulk header past the limit is refused at once; a command within it, split over many reads, goes through', async () => {
  const c = await RespClient.connect(cluster.port);
  const value = Buffer.alloc(15 * MB, 'w');
  const set = RespClient.encode('SET', 'big', value);
  for (let at = 0; at < set.length; at += 256 * 1024) c.text.send(set.subarray(at, at + 256 * 1024));
  assert.is(await c.read(), 'OK');
  assert.is(await c.call('STRLEN', 'big'), value.length);
  assert.equal(await c.call('CONFIG', 'GET', 'client-query-buffer-limit'), ['client-query-buffer-limit', String(LIMIT)]);
  c.text.send(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${LIMIT}\r\n`);
  assert.equal(await c.read(), { error: 'ERR Protocol error: client query buffer limit reached' });
  assert.ok(await waitClosed(c.text, 5000), 'the client is closed');
});

query.run();
