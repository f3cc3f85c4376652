import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, sleep, startCluster, stats, type Cluster, type Resp } from './harness';
import { clientsOn } from './on-workers';

/**
 * A peer link's writes respect backpressure: while the worker it goes to does not read (a long
 * script), the worker stops reading the clients that feed it, rather than buffer what they send
 * without bound; everything is answered once it reads again. Clients of two workers writing large
 * values to each other's keys at once all finish (no two workers wait on each other).
 */
const t = suite('e2e: peer link backpressure');
let cluster: Cluster;
const open: RespClient[] = [];
const MB = 1024 * 1024;
// Shard s is on worker s % 2.
const keys = keysPerShard('bp:', shardOfString);

/** A client on `worker` (on-workers.ts). */
async function respOn(worker: number): Promise<RespClient> {
  const [client] = await clientsOn([worker], () => RespClient.connect(cluster.port), async (c) => Number((await stats(c.text)).get('worker')));
  open.push(client);
  return client;
}

/** Writes `bytes` to the client's socket as fast as it takes them; resolves with what was written by `untilMs`, and the promise of the rest. */
function writeAll(client: RespClient, bytes: Buffer, untilMs: number): { at: Promise<number>; done: Promise<void> } {
  const socket = client.text.socket;
  let written = 0;
  const done = (async () => {
    for (let at = 0; at < bytes.length; at += 256 * 1024) {
      const chunk = bytes.subarray(at, at + 256 * 1024);
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
      written += chunk.length;
    }
  })();
  return { at: sleep(untilMs).then(() => written), done };
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--lua-time-limit', '2500'] });
});
t.after(async () => {
  for (const c of open) c.close();
  await cluster?.stop();
});

t("while worker 1 does not read its link, worker 0 stops reading a client feeding it (its bytes wait in the client's socket, not in worker 0), and answers everything after", async () => {
  const [client, busy] = [await respOn(0), await respOn(1)];
  const value = 'x'.repeat(MB / 2);
  const COUNT = 160;
  const commands = Array.from({ length: COUNT }, (_, i) => RespClient.encode('SET', keys[2 * (i % 8) + 1], `${i}:${value}`));
  const stopped = busy.call('EVAL', 'while true do end', '0');
  await sleep(100);
  const sending = writeAll(client, Buffer.concat(commands), 1500);
  const taken = await sending.at;
  // Worker 1 is still in its script: worker 0 took what its link holds up to its high-water mark
  // (4 MB), and the sockets' buffers hold a few MB more; before, it read all 80 MB.
  assert.ok(taken < 40 * MB, `worker 0 took ${(taken / MB).toFixed(1)} MB of 80 MB while its link did not drain`);
  assert.match(((await stopped) as { error: string }).error, /lua-time-limit/);
  await sending.done;
  const replies: Resp[] = [];
  for (let i = 0; i < COUNT; i++) replies.push(await client.read());
  assert.equal(replies, commands.map(() => 'OK'), 'every command answered, once worker 1 read again');
  assert.equal(await client.call('STRLEN', keys[15]), `${COUNT - 1}:`.length + value.length);
  console.log(`    worker 0 took ${(taken / MB).toFixed(1)} MB of 80 MB in 1.5 s while worker 1 did not read`);
});

t("clients of both workers writing large values to each other's keys at once: all answered, in order", async () => {
  const value = 'y'.repeat(256 * 1024);
  const runs = [];
  for (const worker of [0, 1]) {
    for (let c = 0; c < 3; c++) {
      const client = await respOn(worker);
      // Keys of the other worker.
      const other = keys.filter((_, s) => s % 2 !== worker);
      const commands = Array.from({ length: 60 }, (_, i) => ['SET', `${other[i % other.length]}:${worker}:${c}`, `${i}:${value}`]);
      runs.push(client.pipeline(commands).then((replies) => assert.equal(replies, commands.map(() => 'OK'))));
    }
  }
  await Promise.all(runs);
});

t.run();
