import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, sleep, startCluster, type Cluster } from './harness';
import { clientsOn, workerOfId } from './on-workers';

/**
 * CLIENT UNBLOCK and CLIENT KILL over 2 workers, in RESP2 and RESP3: the same transcript run on
 * this server and on redis-server must read the same, byte for byte. Here the clients acted on are
 * on the worker the asking client is not, and a blocked client waits for a key of either worker.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: CLIENT UNBLOCK and CLIENT KILL';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;
let redis: Target | undefined;
// Shard s is on worker s % 2: a key of worker 1 and one of worker 0.
const keys = keysPerShard('ck:', shardOfString);
const [remote, local] = [keys[1], keys[0]];

t.before(async () => {
  cluster = await startCluster({ workers: 2 });
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await cluster?.stop();
  await redis?.stop();
});

const raw = (r: Reply): string => ('raw' in r ? r.raw : r.failed);
const idOf = async (c: RawConn): Promise<number> => Number(raw(await c.command(['CLIENT', 'ID'])).slice(1));

/** Connections in `resp`: on this server, on worker `worker` each (on-workers.ts); on redis-server, any. */
async function conns(port: number, ours: boolean, resp: number, workers: number[]): Promise<RawConn[]> {
  const list = ours ? await clientsOn(workers, () => RawConn.connect(port), async (c) => workerOfId(await idOf(c))) : await Promise.all(workers.map(() => RawConn.connect(port)));
  if (resp === 3) for (const c of list) await c.command(['HELLO', '3']);
  return list;
}

/** Until client `id` is blocked in `cmd` (CLIENT LIST names its command), asked through `via`. */
async function blockedIn(via: RawConn, id: number, cmd: string): Promise<void> {
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(10)) if (raw(await via.command(['CLIENT', 'LIST', 'ID', String(id)])).includes(`cmd=${cmd}`)) return;
  throw new Error(`client ${id} never blocked in ${cmd}`);
}

/** Everything the clients read, in order, for one server and protocol. */
async function transcript(port: number, ours: boolean, resp: number): Promise<string[]> {
  const seen: string[] = [];
  const [asker] = await conns(port, ours, resp, [0]);
  const [blocked, victim, subscriber] = await conns(port, ours, resp, [1, 1, 1]);
  const say = async (c: RawConn, argv: string[]) => seen.push(`${argv.join(' ')} -> ${raw(await c.command(argv))}`);
  try {
    await say(asker, ['FLUSHALL']);
    const id = String(await idOf(blocked));
    // TIMEOUT (the default): answered as timed out; a key of the other worker, then of this one.
    for (const [argv, name, reason] of [
      [['BLPOP', remote, '0'], 'blpop', []],
      [['BZPOPMIN', local, '0'], 'bzpopmin', ['TIMEOUT']],
      [['BRPOPLPUSH', remote, remote, '0'], 'brpoplpush', ['ERROR']],
      [['XREAD', 'BLOCK', '0', 'STREAMS', local, '$'], 'xread', ['ERROR']],
    ] as const) {
      const answer = blocked.command([...argv], 10_000);
      await blockedIn(asker, Number(id), name);
      await say(asker, ['CLIENT', 'UNBLOCK', id, ...reason]);
      seen.push(`${argv.join(' ')} -> ${raw(await answer)}`);
      await say(asker, ['CLIENT', 'UNBLOCK', id]);
    }
    // Unblocked, it takes nothing pushed afterwards and goes on serving.
    await say(asker, ['RPUSH', remote, 'x']);
    await say(blocked, ['LLEN', remote]);
    for (const argv of [['CLIENT', 'UNBLOCK', '999999'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', id, 'LATER'], ['CLIENT', 'UNBLOCK', id, 'ERROR', 'x']]) await say(asker, argv);
    // KILL: by id (a client of the other worker), by address in the old form, by type; never itself unless SKIPME no.
    const victimId = String(await idOf(victim));
    await say(asker, ['CLIENT', 'KILL', 'ID', victimId]);
    await say(victim, ['PING']);
    await say(asker, ['CLIENT', 'KILL', 'ID', victimId]);
    await say(asker, ['CLIENT', 'KILL', '192.0.2.1:1']);
    const addr = /addr=(\S+)/.exec(raw(await blocked.command(['CLIENT', 'INFO'])))![1];
    const subscriberId = `id=${await idOf(subscriber)}`;
    await say(subscriber, ['SUBSCRIBE', 'news']);
    // A subscribed client is of type pubsub, not normal.
    const listed = async (type: string) => raw(await asker.command(['CLIENT', 'LIST', 'TYPE', type])).split(/\r?\n/).map((l) => l.replace(/^[$=]\d+|^txt:/, '').split(' ')[0]);
    seen.push(`pubsub: ${(await listed('pubsub')).filter((id) => id.startsWith('id=')).join()}, normal has it: ${(await listed('normal')).includes(subscriberId)}`.replace(subscriberId, 'it'));
    for (const argv of [['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'TYPE', 'x'], ['CLIENT', 'KILL', 'ID', '1', 'SKIPME', 'maybe'], ['CLIENT', 'KILL', 'ID', '1', 'x']]) await say(asker, argv);
    await say(subscriber, ['PING']);
    await say(asker, ['CLIENT', 'KILL', addr]);
    await say(blocked, ['PING']);
    const own = String(await idOf(asker));
    await say(asker, ['CLIENT', 'KILL', 'ID', own]);
    await say(asker, ['CLIENT', 'KILL', 'ID', own, 'SKIPME', 'no']);
    await say(asker, ['PING']);
  } finally {
    for (const c of [asker, blocked, victim, subscriber]) c.close();
  }
  // Ids and addresses differ between the servers.
  return seen.map((line) => line.replace(/(UNBLOCK|ID) \d+/g, '$1 <id>').replace(/KILL \d+\.\d+\.\d+\.\d+:\d+ /, 'KILL <addr> '));
}

skips.test(t, 'the same transcript as redis-server, RESP2 and RESP3, with the clients on the other worker', noRedis, async () => {
  for (const resp of [2, 3]) {
    const [got, want] = [await transcript(cluster.port, true, resp), await transcript(redis!.port, false, resp)];
    assert.equal(got, want, `RESP${resp}`);
  }
});

t.run();
