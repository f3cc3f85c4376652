import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, sleep, startCluster, stats, TextClient, type Cluster } from './harness';
import { clientsOn } from './on-workers';

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

/** A RESP client on the given worker (whichever worker accepts first takes it; STATS names the worker). */
async function respOn(worker: number): Promise<RespClient> {
  // STATS in the text protocol first: the connection speaks RESP from its first RESP command.
  const [client] = await clientsOn([worker], () => RespClient.connect(cluster.port), async (c) => Number((await stats(c.text)).get('worker')));
  open.push(client.text);
  return client;
}

t.before(async () => {
  // KV_TEST_FAULTS=1 registers TESTFAULT, a command whose handler misbehaves on purpose.
  cluster = await startCluster({ workers: 2, args: ['--lua-time-limit', '300'], env: { KV_TEST_FAULTS: '1' } });
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

/**
 * Pipelines SET and GET of this client's own keys on every shard (so on both workers), each value
 * naming client and round, and checks every reply is its own, until the deadline. Returns the
 * commands checked.
 */
async function honest(c: RespClient, name: string, deadline: number): Promise<number> {
  let checked = 0;
  for (let round = 0; Date.now() < deadline; round++) {
    const commands: string[][] = [];
    const expected: unknown[] = [];
    for (let s = 0; s < 16; s++) {
      const key = `${name}:${keys[s]}`;
      const value = `${name}:${s}:${round}`;
      commands.push(['SET', key, value], ['GET', key]);
      expected.push('OK', value);
    }
    const replies = await c.pipeline(commands);
    for (let i = 0; i < replies.length; i++) {
      if (JSON.stringify(replies[i]) !== JSON.stringify(expected[i])) {
        assert.unreachable(`${name} read ${JSON.stringify(replies[i])} for ${commands[i].join(' ')}, expected ${JSON.stringify(expected[i])}`);
      }
    }
    checked += replies.length;
  }
  return checked;
}

/** What TESTFAULT answers for each way of misbehaving: the first reply only, or an error for none. */
const FAULTS: [mode: string, reply: unknown][] = [
  ['answer-then-throw', 'FAULTED'],
  ['answer-twice', 'FAULTED'],
  ['no-answer', { error: 'ERR internal error: the command gave no reply' }],
];

/** Pipelines TESTFAULT of every mode on keys of every shard (run here and forwarded), checking it gets exactly its one reply each time. */
async function faulty(c: RespClient, name: string, deadline: number): Promise<number> {
  let checked = 0;
  while (Date.now() < deadline) {
    const commands: string[][] = [];
    const expected: unknown[] = [];
    for (let s = 0; s < 16; s++) {
      const [mode, reply] = FAULTS[s % FAULTS.length];
      commands.push(['TESTFAULT', `${name}:${keys[s]}`, mode], ['ECHO', `${name}:${s}`]);
      expected.push(reply, `${name}:${s}`);
    }
    const replies = await c.pipeline(commands);
    assert.equal(replies, expected, `${name} gets exactly one reply per command, its own`);
    checked += replies.length;
  }
  return checked;
}

t('handlers that answer then throw, answer twice or not at all, on both workers under load: no client ever reads a reply that is not its own', async () => {
  const deadline = Date.now() + 3000;
  const clients: [RespClient, (c: RespClient, name: string, deadline: number) => Promise<number>, string][] = [];
  for (const worker of [0, 1]) {
    for (let i = 0; i < 4; i++) clients.push([await respOn(worker), honest, `h${worker}${i}`]);
    for (let i = 0; i < 2; i++) clients.push([await respOn(worker), faulty, `f${worker}${i}`]);
  }
  const counts = await Promise.all(clients.map(([c, run, name]) => run(c, name, deadline)));
  assert.ok(counts.every((n) => n > 0), 'every client ran');
  // Every way of misbehaving ran and was reported, on the worker owning the key and for a peer.
  const messages = cluster.logs.map((l) => l.message);
  for (const fault of ['a command threw after its reply: the reply stands, nothing more was sent', 'a command answered more than once: the extra replies were dropped', 'a command gave no reply']) {
    assert.ok(messages.includes(fault), `logged: ${fault}`);
  }
  assert.not.ok(messages.some((m) => /matched no request|reply to no open request|worker died/.test(m)), 'no stray reply reached a link, no worker died');
  console.log(`    ${counts.reduce((a, b) => a + b, 0)} replies checked from ${clients.length} clients`);
});

t.run();
