import { spawn, spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { RespClient, startCluster, TextClient, type Cluster } from './harness';

const N = 100_000;

/** Runs `redis-cli -p PORT --pipe` with input on stdin; resolves with its exit status and output. */
function pipe(port: number, input: Buffer): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function respSets(prefix: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < N; i++) parts.push(RespClient.encode('SET', `${prefix}${i}`, `v${i}`));
  return Buffer.concat(parts);
}

function inlineSets(prefix: string): Buffer {
  let s = '';
  for (let i = 0; i < N; i++) s += `SET ${prefix}${i} v${i}\r\n`;
  return Buffer.from(s);
}

const t = suite('e2e: redis-cli on 2 workers');
const skips = new Skips('e2e: redis-cli on 2 workers');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 2 });
});
t.after(async () => {
  assert.is(await cluster.stop(), 0);
});

async function readBack(prefix: string): Promise<void> {
  const c = await RespClient.connect(cluster.port);
  try {
    const sample = [0, 1, 2, 777, 4242, 50_000, 99_998, N - 1];
    for (const i of sample) assert.is(await c.call('GET', `${prefix}${i}`), `v${i}`, `${prefix}${i}`);
    assert.is(await c.call('GET', `${prefix}${N}`), null);
  } finally {
    c.close();
  }
}

skips.test(t, 'redis-cli --pipe inserts 100,000 SETs sent as RESP', missingTool('redis-cli'), async () => {
  const { status, out } = await pipe(cluster.port, respSets('pr:'));
  assert.ok(out.includes(`errors: 0, replies: ${N}`), out);
  assert.is(status, 0, out);
  await readBack('pr:');
});

skips.test(t, 'redis-cli --pipe inserts 100,000 SETs sent as inline commands', missingTool('redis-cli'), async () => {
  const { status, out } = await pipe(cluster.port, inlineSets('pi:'));
  assert.ok(out.includes(`errors: 0, replies: ${N}`), out);
  assert.is(status, 0, out);
  await readBack('pi:');
});

skips.test(t, 'redis-cli commands from the command line still work', missingTool('redis-cli'), async () => {
  const cli = (...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(cluster.port), ...args], { encoding: 'utf8', timeout: 10_000 });
  assert.is(cli('SET', 'a', 'b').stdout.trim(), 'OK');
  assert.is(cli('GET', 'a').stdout.trim(), 'b');
  assert.is(cli('SET', 'q', 'with "quotes" and spaces').stdout.trim(), 'OK');
  assert.is(cli('GET', 'q').stdout.trim(), 'with "quotes" and spaces');
});

t('after a RESP command, inline commands are parsed as Redis does and blank lines get no reply', async () => {
  const c = await TextClient.connect(cluster.port);
  try {
    c.send(RespClient.encode('PING'));
    c.send('\r\n   \r\nSET "in line" \'it\\\'s\'\r\n\nGET "in line"\r\nECHO "\\x41\\tb"\r\n');
    const want = '+PONG\r\n+OK\r\n$4\r\nit\'s\r\n$3\r\nA\tb\r\n';
    const got = await c.readBytes(want.length);
    assert.is(got.toString('latin1'), want);
    c.send('SET "open x\r\nPING\r\n');
    const err = '-ERR Protocol error: unbalanced quotes in request\r\n';
    assert.is((await c.readBytes(err.length)).toString('latin1'), err);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(c.closed, 'closed after the protocol error');
    assert.is(c.unread, 0);
  } finally {
    c.close();
  }
});

t('an inline line over 64 KB is a protocol error', async () => {
  const c = await TextClient.connect(cluster.port);
  try {
    c.send(RespClient.encode('PING'));
    c.send(`SET k ${'v'.repeat(70 * 1024)}\r\n`);
    const want = '+PONG\r\n-ERR Protocol error: too big inline request\r\n';
    assert.is((await c.readBytes(want.length)).toString('latin1'), want);
  } finally {
    c.close();
  }
});

t('a connection that starts with a text line stays the text protocol, and switches to RESP for good at a * command', async () => {
  const c = await TextClient.connect(cluster.port);
  try {
    c.send('PUT tk tv\n\nGET tk\n');
    c.send(RespClient.encode('GET', 'tk'));
    c.send('GET tk\r\n\r\n');
    const want = 'OK\nERROR\ntv\n$2\r\ntv\r\n$2\r\ntv\r\n';
    assert.is((await c.readBytes(want.length)).toString('latin1'), want);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(c.unread, 0);
  } finally {
    c.close();
  }
});

t('a first line naming a Redis command the seed lacks is an inline command, and the connection speaks RESP', async () => {
  const c = await TextClient.connect(cluster.port);
  try {
    c.send('SET fk fv\r\n\r\nGET fk\r\nPUT fk x\r\n');
    const want = "+OK\r\n$2\r\nfv\r\n-ERR unknown command 'PUT', with args beginning with: 'fk' 'x' \r\n";
    assert.is((await c.readBytes(want.length)).toString('latin1'), want);
  } finally {
    c.close();
  }
  // GET, PUT, STATS, AUTH and unknown names keep the seed's protocol.
  const d = await TextClient.connect(cluster.port);
  try {
    d.send('NOPE x\nGET fk\n');
    assert.is((await d.readBytes(9)).toString('latin1'), 'ERROR\nfv\n');
  } finally {
    d.close();
  }
});

t.run();
