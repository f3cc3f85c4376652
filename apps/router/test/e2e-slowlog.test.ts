import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, startCluster, type Cluster, type Resp } from './harness';
import { Resp3Client } from './resp3-client';

/**
 * SLOWLOG end to end on 2 workers: each command timed where it runs (its client's worker, or the
 * owner of its key for a forwarded one, which the entry names), entries merged newest first,
 * Redis's truncation and redaction, LEN, RESET, the two settings; and, against redis-server 7.0,
 * the same entries' arguments and client names for the same commands, errors and HELP.
 */

const NAME = 'e2e: SLOWLOG on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
const noRedis = missingTool('redis-server');
let cluster: Cluster;

type Entry = [number, number, number, string[], string, string];

/** A client, the worker it is on, and a key of its worker and of the other. */
async function clientOn(port: number, prefix = 'slow-'): Promise<{ c: RespClient; own: string[]; other: string[] }> {
  const c = await RespClient.connect(port);
  const worker = (((await c.call('CLIENT', 'ID')) as number) - 1) % 16;
  const keys = keysPerShard(prefix, shardOfString);
  return { c, own: keys.filter((_, s) => s % 2 === worker), other: keys.filter((_, s) => s % 2 !== worker) };
}

/** HSET key with fields enough for 41 arguments (past Redis's 32 kept). */
function wideHset(key: string): string[] {
  const argv = ['HSET', key];
  for (let i = 0; i < 39; i++) argv.push(`f${i}`);
  argv.push('v');
  return argv;
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
});
t.after(async () => {
  assert.is(await cluster?.stop(), 0);
});

t('every command, timed where it ran, newest first; truncated and redacted as Redis', async () => {
  const { c, own, other } = await clientOn(cluster.port);
  assert.equal(await c.call('CLIENT', 'SETNAME', 'slowpoke'), 'OK');
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0'), 'OK');
  assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
  const long = 'x'.repeat(200);
  await c.call('SET', own[0], long);
  await c.call('SET', other[0], 'v');
  await c.call(...wideHset(other[1]));
  await c.call('AUTH', 'someone', 'secret');
  await c.call('HELLO', '2', 'AUTH', 'default', 'secret', 'SETNAME', 'slowpoke');
  const entries = (await c.call('SLOWLOG', 'GET', '-1')) as Entry[];
  const args = entries.map((e) => e[3]);
  assert.equal(args, [
    ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'slowpoke'],
    ['AUTH', '(redacted)', '(redacted)'],
    // 42 arguments: 31 kept, the 32nd says how many more (Redis counts itself among them).
    [...wideHset(other[1]).slice(0, 31), '... (11 more arguments)'],
    ['SET', other[0], 'v'],
    ['SET', own[0], `${'x'.repeat(128)}... (72 more bytes)`],
    ['SLOWLOG', 'RESET'],
  ]);
  const addr = (await c.call('CLIENT', 'INFO')) as string;
  const mine = /addr=(\S+)/.exec(addr)![1];
  for (const e of [entries[0], entries[1], entries[4], entries[5]]) assert.equal([e[4], e[5]], [mine, 'slowpoke'], e[3].join(' '));
  // Run by the other worker for this client: the entry names that worker, not a client it cannot see.
  for (const e of [entries[2], entries[3]]) assert.equal([e[4], e[5]], ['', `worker-${(((await c.call('CLIENT', 'ID')) as number) - 1) % 2}`]);
  const ids = new Set(entries.map((e) => e[0]));
  assert.is(ids.size, entries.length, 'ids are unique across the workers');
  for (const e of entries) assert.ok(e[2] >= 0 && Math.abs(e[1] - Date.now() / 1000) < 60, JSON.stringify(e));
  assert.is((await c.call('SLOWLOG', 'GET', '2') as Entry[]).length, 2);
  // Each command is kept after its reply: a GET of all is in the LEN after it.
  const all = ((await c.call('SLOWLOG', 'GET', '-1')) as Entry[]).length;
  assert.is(await c.call('SLOWLOG', 'LEN'), all + 1);
  assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
  assert.is(await c.call('SLOWLOG', 'LEN'), 1, 'the RESET itself, as Redis');
  c.close();
});

t('slowlog-max-len bounds each worker; -1 or a high threshold keeps nothing', async () => {
  const { c, own, other } = await clientOn(cluster.port);
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-max-len', '2'), 'OK');
  for (let i = 0; i < 5; i++) {
    await c.call('GET', own[i]);
    await c.call('GET', other[i]);
  }
  assert.is(await c.call('SLOWLOG', 'LEN'), 4, 'two on each worker');
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1', 'slowlog-max-len', '128'), 'OK');
  await c.call('SLOWLOG', 'RESET');
  await c.call('GET', own[0]);
  await c.call('GET', other[0]);
  assert.is(await c.call('SLOWLOG', 'LEN'), 0);
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000000'), 'OK');
  await c.call('GET', other[0]);
  assert.is(await c.call('SLOWLOG', 'LEN'), 0);
  assert.equal(await c.call('CONFIG', 'GET', 'slowlog-*'), ['slowlog-log-slower-than', '10000000', 'slowlog-max-len', '128']);
  c.close();
});

t('RESP3: entries are arrays, as in RESP2', async () => {
  const r3 = await Resp3Client.connect(cluster.port);
  await r3.call('HELLO', '3');
  await r3.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  await r3.call('SLOWLOG', 'RESET');
  const { value } = await r3.call('SLOWLOG', 'GET', '1');
  const [entry] = value as unknown[][];
  assert.is(entry.length, 6);
  assert.equal(entry[3], ['SLOWLOG', 'RESET']);
  r3.text.close();
});

/** Run on both, keys of the client's own worker here: the entries' arguments and client names compare. */
skips.test(t, 'the same entries, errors and HELP as redis-server', noRedis, async () => {
  const redis: Target = await startRedis();
  try {
    const ours = await clientOn(cluster.port, 'same-');
    const theirs = await RespClient.connect(redis.port);
    const script = (own: string[]): string[][] => [
      ['CLIENT', 'SETNAME', 'same'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['SLOWLOG', 'RESET'],
      ['SET', own[0], 'y'.repeat(300)],
      wideHset(own[1]),
      ['AUTH', 'someone', 'secret'],
      // One AUTH: Redis redacts a second one's only when the first succeeded (here every one is).
      ['HELLO', '2', 'AUTH', 'a', 'b', 'SETNAME', 'same'],
      ['SLOWLOG', 'GET', '-2'],
      ['SLOWLOG', 'GET', 'x'],
      ['SLOWLOG', 'GET', '1', '2'],
      ['SLOWLOG', 'LEN', 'x'],
      ['SLOWLOG', 'nosuch'],
      ['SLOWLOG', 'HELP'],
      ['SLOWLOG', 'LEN'],
    ];
    const mine: Resp[] = [];
    const redisOnes: Resp[] = [];
    for (const argv of script(ours.own)) mine.push(await ours.c.call(...argv));
    for (const argv of script(ours.own)) redisOnes.push(await theirs.call(...argv));
    assert.equal(mine, redisOnes);
    const shape = (entries: Entry[]) => entries.map((e) => [e[3], e[5]]);
    assert.equal(shape((await ours.c.call('SLOWLOG', 'GET', '-1')) as Entry[]), shape((await theirs.call('SLOWLOG', 'GET', '-1')) as Entry[]));
    ours.c.close();
    theirs.close();
  } finally {
    await redis.stop();
  }
});

t.run();
