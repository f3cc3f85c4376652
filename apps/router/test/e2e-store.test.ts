import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { RespClient, sleep, startCluster, type Cluster } from './harness';

/**
 * The off-heap store end to end: values of every size from 1 byte to 100 MB charged, evicted and
 * read back byte for byte under a small maxmemory; and a reply never shares the store's memory, so
 * a value overwritten in place (or evicted) after a GET was answered, but before the client read
 * the answer, still reaches that client as it was.
 */

const MB = 1024 * 1024;
const sha = (data: Buffer | string) => createHash('sha1').update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data).digest('hex');

/** A value of `n` bytes that tells its key and size apart from any other. */
function valueFor(key: string, n: number): Buffer {
  const seed = Buffer.from(`${key}:${n}:`);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = seed[i % seed.length] ^ (i >>> 8);
  return out;
}

/** GET over a connection of its own, hashing the value as it streams in: [length, sha1], or null for nil. */
function getDigest(port: number, key: string): Promise<[number, string] | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', reject);
    const hash = createHash('sha1');
    let head = Buffer.alloc(0);
    let left = -1;
    let length = 0;
    socket.on('data', (chunk: Buffer) => {
      if (left < 0) {
        head = Buffer.concat([head, chunk]);
        const nl = head.indexOf('\r\n');
        if (nl < 0) return;
        length = Number(head.latin1Slice(1, nl));
        if (length < 0) {
          socket.destroy();
          return resolve(null);
        }
        left = length + 2;
        chunk = head.subarray(nl + 2);
      }
      const take = Math.min(chunk.length, left);
      hash.update(chunk.subarray(0, Math.min(take, left - 2 > 0 ? left - 2 : 0)));
      left -= take;
      if (left === 0) {
        socket.destroy();
        resolve([length, hash.digest('hex')]);
      }
    });
    socket.once('connect', () => socket.write(RespClient.encode('GET', key)));
  });
}

function infoField(text: string, field: string): number {
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)![1]);
}

const sizes = suite('e2e store: values of 1 B to 100 MB under a small maxmemory');
let cluster: Cluster;

sizes.before(async () => {
  // 300mb: 150 MB for each of the 2 workers. The query buffer must hold a 100 MB SET, the output limit its GET.
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '300mb', '--client-query-buffer-limit', '256mb', '--client-output-limit', '256mb'] });
});
sizes.after(async () => {
  await cluster.stop();
});

sizes('1 B, 1 KB, 1 MB and 100 MB values round-trip; the big one evicts others and is evicted in turn; used_memory stays within maxmemory', async () => {
  const c = await RespClient.connect(cluster.port);
  const written = new Map<string, number>();
  const put = async (key: string, n: number) => {
    assert.is(await c.call('SET', key, valueFor(key, n)), 'OK', `SET ${key} of ${n} bytes`);
    written.set(key, n);
  };
  for (let i = 0; i < 200; i++) await put(`one:${i}`, 1);
  for (let i = 0; i < 200; i++) await put(`kb:${i}`, 1024);
  for (let i = 0; i < 100; i++) await put(`mb:${i}`, MB);
  assert.is(await c.call('SET', 'empty', ''), 'OK');
  assert.is(await c.call('STRLEN', 'empty'), 0);
  for (const [key, n] of written) assert.is(sha((await c.call('GET', key)) as string), sha(valueFor(key, n)), key);
  // 100 MB: most of a worker's 150 MB, so the older values of its worker go.
  await put('huge', 100 * MB);
  assert.is(await c.call('STRLEN', 'huge'), 100 * MB);
  assert.equal(await getDigest(cluster.port, 'huge'), [100 * MB, sha(valueFor('huge', 100 * MB))], 'the 100 MB value, byte for byte');
  let info = (await c.call('INFO', 'memory', 'stats')) as string;
  assert.ok(infoField(info, 'used_memory') <= 300 * MB, `used_memory ${infoField(info, 'used_memory')}`);
  assert.ok(infoField(info, 'evicted_keys') > 0, 'older values made room');
  // Every value still there is intact, whatever went.
  let kept = 0;
  for (const [key, n] of written) {
    const digest = await getDigest(cluster.port, key);
    if (digest === null) continue;
    kept++;
    assert.equal(digest, [n, sha(valueFor(key, n))], key);
  }
  assert.ok(kept > 0 && kept < written.size, `${kept} of ${written.size} kept`);
  // More 1 MB values: the 100 MB one is the least recently used of its worker now, and goes too.
  assert.is(await c.call('PEXPIRE', 'huge', '600000'), 1, 'a TTL on it, as on any value');
  for (let i = 0; i < 400; i++) await put(`more:${i}`, MB);
  assert.is(await c.call('EXISTS', 'huge'), 0, 'evicted like the rest');
  info = (await c.call('INFO', 'memory')) as string;
  assert.ok(infoField(info, 'used_memory') <= 300 * MB);
  // APPEND grows a value in place while its block has room, and past a block into a larger one.
  assert.is(await c.call('SET', 'grow', 'x'), 'OK');
  for (let i = 0; i < 1000; i++) await c.call('APPEND', 'grow', 'y'.repeat(1000));
  assert.is(await c.call('STRLEN', 'grow'), 1 + 1000 * 1000);
  assert.is(sha((await c.call('GET', 'grow')) as string), sha('x' + 'y'.repeat(1000 * 1000)));
  c.close();
});

sizes.run();

const copies = suite('e2e store: a reply is a copy, never the store\'s bytes');
let one: Cluster;

copies.before(async () => {
  one = await startCluster({ workers: 1, args: ['--maxmemory', '64mb'] });
});
copies.after(async () => {
  await one.stop();
});

/** Sends `requests` on a socket that reads nothing until resume() is called; reply bytes collect in `data`. */
function stalledClient(port: number, requests: Buffer) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.pause();
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.once('connect', () => socket.write(requests));
  return {
    resume: () => socket.resume(),
    bytes: () => chunks.reduce((n, b) => n + b.length, 0),
    data: () => Buffer.concat(chunks),
    close: () => socket.destroy(),
  };
}

copies('values overwritten in place and evicted after the GETs were answered reach the stalled reader as they were', async () => {
  const c = await RespClient.connect(one.port);
  // An 8 MB value (a block of its own) and 2,000 small ones (in shared chunks).
  const big = valueFor('big', 8 * MB);
  assert.is(await c.call('SET', 'big', big), 'OK');
  const small = Array.from({ length: 2000 }, (_, i) => `small:${i}`);
  assert.equal(await c.pipeline(small.map((k) => ['SET', k, valueFor(k, 100)])), small.map(() => 'OK'));
  // The reader asks for all of them and reads nothing: the replies wait in the server's socket.
  const reader = stalledClient(one.port, Buffer.concat([RespClient.encode('GET', 'big'), ...small.map((k) => RespClient.encode('GET', k))]));
  await sleep(300);
  // Overwrite every value in place (same sizes), then churn the memory: delete them all and write
  // others over the freed blocks until some are evicted.
  assert.is(await c.call('SET', 'big', Buffer.alloc(8 * MB, 0x21)), 'OK');
  assert.equal(await c.pipeline(small.map((k) => ['SET', k, Buffer.alloc(100, 0x22)])), small.map(() => 'OK'));
  assert.is(await c.call('DEL', 'big', ...small), 2001);
  for (let i = 0; i < 150; i++) await c.pipeline(Array.from({ length: 100 }, (_, j) => ['SET', `churn:${i}:${j}`, Buffer.alloc(6000, 0x23)]));
  assert.ok(infoField((await c.call('INFO', 'stats')) as string, 'evicted_keys') > 0, 'the memory was reused');
  reader.resume();
  const expected = Buffer.concat([RespClient.encode(big).subarray(4), ...small.map((k) => RespClient.encode(valueFor(k, 100)).subarray(4))]);
  for (let waited = 0; reader.bytes() < expected.length && waited < 10_000; waited += 50) await sleep(50);
  assert.ok(reader.data().equals(expected), 'every reply as the value was when its GET was answered');
  reader.close();
  c.close();
});

copies.run();
