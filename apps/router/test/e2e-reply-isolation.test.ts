import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, sleep, startCluster, stats, TextClient, type Cluster } from './harness';

/**
 * A reply reaches only its own client: replies settled while another client's read is being
 * handled (work a hold's end ran, replies of the same frame) never carry that client's bytes.
 */
const t = suite('e2e: every reply reaches its own client');
let cluster: Cluster;
const open: TextClient[] = [];
const enc = RespClient.encode;
// Shard s is on worker s % 2.
const keys = keysPerShard('iso:', shardOfString);

/** A RESP client on the given worker (the primary spreads connections; STATS names the worker). */
async function respOn(worker: number): Promise<RespClient> {
  for (let tries = 0; tries < 32; tries++) {
    const client = await RespClient.connect(cluster.port);
    open.push(client.text);
    // STATS in the text protocol first: the connection speaks RESP from its first RESP command.
    if ((await stats(client.text)).get('worker') === String(worker)) return client;
    client.close();
  }
  throw new Error(`no connection landed on worker ${worker}`);
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--lua-time-limit', '300'] });
});
t.after(async () => {
  for (const c of open) c.close();
  await cluster?.stop();
});

t("replies flushed while a client's read runs (a local MSET's hold ends) do not carry that client's replies", async () => {
  const [a, b, busy] = [await respOn(0), await respOn(0), await respOn(1)];
  assert.equal(await b.call('SET', keys[1], 'mine'), 'OK');
  // Worker 1 runs a runaway script until --lua-time-limit, so the two request frames worker 0
  // sends it meanwhile (B's, then A's) are read at once and answered in one reply frame.
  const stopped = busy.call('EVAL', 'while true do end', '0');
  await sleep(60);
  const bReply = b.call('GET', keys[1]);
  await sleep(30);
  // A: an EXEC of worker 1's key goes whole to worker 1 and A's next commands wait for it. When
  // its reply comes they run within that frame's flush of B's and A's replies: ECHO (answered
  // into the worker's shared output), then an MSET of worker 0's keys, whose hold ends within
  // A's read and runs the flush again, B first.
  a.text.send(Buffer.concat([enc('MULTI'), enc('GET', keys[1]), enc('EXEC'), enc('ECHO', 'for-a-only'), enc('MSET', keys[0], 'x', keys[2], 'y')]));
  assert.equal(await bReply, 'mine');
  assert.equal([await a.read(), await a.read(), await a.read()], ['OK', 'QUEUED', ['mine']]);
  assert.match(((await stopped) as { error: string }).error, /lua-time-limit/);
  await sleep(50);
  assert.equal(await b.call('ECHO', 'for-b'), 'for-b', "B's next reply is its own, not A's ECHO");
  assert.equal([await a.read(), await a.read()], ['for-a-only', 'OK']);
});

t.run();
