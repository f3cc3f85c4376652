import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { respClientOn, startCluster, type Cluster, type RespClient } from './harness';

/**
 * PUBLISH and SPUBLISH called from a script (Bull's delayed jobs and progress events do this):
 * every subscriber on every worker gets the message once, in the publisher's order, the call
 * answers the receivers over all workers, and the script stays atomic on its keys. Each way a
 * script runs is covered: all keys here (no hold), one other owner (sent whole), keys on two
 * workers (held), inside MULTI/EXEC, and with another client's transaction holding a worker.
 */
const WORKERS = 3;
const ownerOf = (key: string) => shardOfString(key) % WORKERS;
const keyOn = (worker: number, prefix: string) => {
  for (let i = 0; ; i++) if (ownerOf(`${prefix}${i}`) === worker) return `${prefix}${i}`;
};
const PUBLISHES = "redis.call('incr', KEYS[1]); for i = 2, #KEYS do redis.call('incr', KEYS[i]) end; local n = redis.call('publish', ARGV[1], ARGV[2]); return {n, redis.call('get', KEYS[1])}";

const t = suite('e2e script publish: 3 workers');
let cluster: Cluster;
const open: RespClient[] = [];
let subs: RespClient[] = [];
let clients: RespClient[] = [];

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS });
  for (let w = 0; w < WORKERS; w++) subs.push(await respClientOn(cluster.port, w));
  for (let w = 0; w < WORKERS; w++) clients.push(await respClientOn(cluster.port, w));
  open.push(...subs, ...clients);
  for (const sub of subs) {
    assert.equal(await sub.call('SUBSCRIBE', 'jobs'), ['subscribe', 'jobs', 1]);
    assert.equal(await sub.call('PSUBSCRIBE', 'jo*'), ['psubscribe', 'jo*', 2]);
  }
});
t.after(async () => {
  for (const c of open) c.close();
  await cluster.stop();
});

/** Every subscriber's next 2 messages (the channel's and the pattern's) carry `message`. */
async function everyoneGot(message: string): Promise<void> {
  for (const sub of subs) {
    const got = [await sub.read(), await sub.read()].map((m) => (m as string[]).at(-1));
    assert.equal(got, [message, message]);
  }
}

t('from every worker, with its key on every worker: each subscriber gets it once; the call counts all workers', async () => {
  for (let from = 0; from < WORKERS; from++) {
    for (let owner = 0; owner < WORKERS; owner++) {
      const key = keyOn(owner, `pub:${from}:`);
      const message = `${from}->${owner}`;
      assert.equal(await clients[from].call('EVAL', PUBLISHES, '1', key, 'jobs', message), [2 * WORKERS, '1']);
      await everyoneGot(message);
    }
  }
});

t('keys on two workers (held), SPUBLISH, EVAL_RO refusing it, a name built at run time', async () => {
  const keys = [keyOn(0, 'two:'), keyOn(2, 'two:')];
  assert.equal(await clients[1].call('EVAL', PUBLISHES, '2', ...keys, 'jobs', 'held'), [2 * WORKERS, '1']);
  await everyoneGot('held');
  // Refused in a read-only script, as Redis 7.0 refuses it (it may replicate).
  assert.match(((await clients[0].call('EVAL_RO', "return redis.call('publish', 'jobs', 'ro')", '0')) as { error: string }).error, /^ERR Write commands are not allowed from read-only scripts/);
  assert.is(await clients[2].call('EVAL', "return redis.call('spublish', 'nobody', 'x')", '0'), 0);
  // A name the body does not spell ran with no hold: refused, with why (it could not wait atomically).
  const dynamic = (await clients[1].call('EVAL', "return redis.call(ARGV[1], 'jobs', 'x')", '0', 'PUBLISH')) as { error: string };
  assert.match(dynamic.error, /^ERR PUBLISH from a script here must be named in its body/);
});

t('inside MULTI/EXEC, and in order with plain PUBLISHes pipelined around it', async () => {
  const c = clients[2];
  const key = keyOn(0, 'multi:');
  const replies = await c.pipeline([
    ['PUBLISH', 'jobs', 'a'],
    ['MULTI'],
    ['EVAL', PUBLISHES, '1', key, 'jobs', 'b'],
    ['PUBLISH', 'jobs', 'c'],
    ['EXEC'],
    ['EVAL', PUBLISHES, '1', key, 'jobs', 'd'],
    ['PUBLISH', 'jobs', 'e'],
  ]);
  assert.equal(replies, [2 * WORKERS, 'OK', 'QUEUED', 'QUEUED', [[2 * WORKERS, '1'], 2 * WORKERS], [2 * WORKERS, '2'], 2 * WORKERS]);
  for (const m of ['a', 'b', 'c', 'd', 'e']) await everyoneGot(m);
});

t("while another client's transaction holds a worker, a script holding the others still publishes (no deadlock) and stays atomic", async () => {
  // Client 0 holds worker 1 inside a script that waits on worker 2's key; client 2's script holds
  // workers 0 and 2 and publishes on every worker, worker 1 included, at the same moment.
  const a = [keyOn(1, 'dl:'), keyOn(2, 'dl:')];
  const b = [keyOn(0, 'dl:'), keyOn(2, 'dl:x')];
  const rounds = 30;
  const first = clients[0].pipeline(Array.from({ length: rounds }, () => ['EVAL', PUBLISHES, '2', ...a, 'jobs', 'A']));
  const second = clients[2].pipeline(Array.from({ length: rounds }, () => ['EVAL', PUBLISHES, '2', ...b, 'jobs', 'B']));
  const [ra, rb] = await Promise.all([first, second]);
  ra.forEach((r, i) => assert.equal(r, [2 * WORKERS, String(i + 1)]));
  rb.forEach((r, i) => assert.equal(r, [2 * WORKERS, String(i + 1)]));
  for (const sub of subs) {
    const counts: Record<string, number> = { A: 0, B: 0 };
    for (let n = 0; n < 4 * rounds; n++) counts[(await sub.read() as string[]).at(-1)!]++;
    assert.equal(counts, { A: 2 * rounds, B: 2 * rounds });
  }
});

t.run();
