import * as fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { shardOfString } from '@kv/wire';
import { childPids, keysPerShard, RespClient, sleep, startCluster, stats, TextClient, type Cluster } from './harness';

const MB = 1024 * 1024;
const OUTPUT_LIMIT_MB = 32;
const VALUE = 'v'.repeat(250);
/** A key on each of the 16 shards, so both workers answer locally and forward. */
const KEYS = keysPerShard('om-', shardOfString);

/** Sum of VmRSS of the primary and its workers, in bytes. */
function serverRss(cluster: Cluster): number {
  let total = 0;
  for (const pid of [cluster.pid, ...childPids(cluster.pid)]) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // A process that just left.
    }
  }
  return total;
}

/** Waits until the server's RSS stops moving (within 1 MB over 300 ms, at most 3 s) and returns it. */
async function settledRss(cluster: Cluster): Promise<number> {
  let last = serverRss(cluster);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    await sleep(300);
    const now = serverRss(cluster);
    if (Math.abs(now - last) < MB) return now;
    last = now;
  }
  return last;
}

async function fill(port: number): Promise<void> {
  const c = await TextClient.connect(port);
  assert.equal(await c.request(KEYS.map((k) => `PUT ${k} ${VALUE}`)), KEYS.map(() => 'OK'));
  c.close();
}

/** GETs of the keys the other worker owns: each is forwarded, the case where replies were owed uncounted. */
function batchOf(resp: boolean, worker: number): Buffer {
  const one = KEYS.filter((k) => shardOfString(k) % 2 !== worker).map((k) => (resp ? `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n` : `GET ${k}\n`)).join('');
  return Buffer.from(one.repeat(Math.ceil(64 * 1024 / one.length)));
}

interface Flood {
  written: number;
  closed: boolean;
  done: Promise<void>;
  socket: TextClient;
}

/** A client that writes GETs (up to 50 MB or 10 s) and never reads a reply. */
async function flood(port: number, resp: boolean): Promise<Flood> {
  const client = await TextClient.connect(port);
  const worker = Number((await stats(client)).get('worker'));
  client.socket.pause();
  const batch = batchOf(resp, worker);
  const f: Flood = { written: 0, closed: false, socket: client, done: Promise.resolve() };
  f.done = (async () => {
    const until = Date.now() + 10_000;
    while (f.written < 50 * MB && !client.closed && Date.now() < until) {
      const ok = client.socket.write(batch);
      f.written += batch.length;
      // Past what the server takes, keep writing every 5 ms into the client's own buffer (as a careless client would).
      if (!ok) await sleep(5);
    }
    // Give the server a moment to close it past the output limit.
    const wait = Date.now() + 3000;
    while (!client.closed && Date.now() < wait) await sleep(50);
    f.closed = client.closed;
  })();
  return f;
}

/** Samples the server's RSS every 50 ms until `done`; returns the highest seen. */
async function peakRssWhile(cluster: Cluster, done: Promise<unknown>): Promise<number> {
  let peak = serverRss(cluster);
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await sleep(50);
    peak = Math.max(peak, serverRss(cluster));
  }
  return Math.max(peak, serverRss(cluster));
}

const one = suite('e2e: a client that never reads its replies');

for (const resp of [false, true]) {
  one(`${resp ? 'RESP' : 'text'}: the server grows by at most the output limit + 16 MB`, async () => {
    const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1', '--client-output-limit', `${OUTPUT_LIMIT_MB}mb`] });
    try {
      await fill(cluster.port);
      const before = await settledRss(cluster);
      const f = await flood(cluster.port, resp);
      const peak = await peakRssWhile(cluster, f.done);
      const after = await settledRss(cluster);
      const grewMb = (peak - before) / MB;
      console.log(`    ${resp ? 'RESP' : 'text'}: wrote ${(f.written / MB).toFixed(1)} MB of GETs, closed by the server: ${f.closed}; RSS ${(before / MB).toFixed(0)} MB before, peak +${grewMb.toFixed(1)} MB, settled +${((after - before) / MB).toFixed(1)} MB`);
      assert.ok(grewMb <= OUTPUT_LIMIT_MB + 16, `server RSS grew ${grewMb.toFixed(1)} MB`);
      const probe = await TextClient.connect(cluster.port);
      assert.equal(await probe.request([`GET ${KEYS[0]}`, `GET ${KEYS[1]}`]), [VALUE, VALUE], 'other clients are served');
      probe.close();
      f.socket.close();
    } finally {
      await cluster.stop();
    }
  });
}

one.run();

const four = suite('e2e: four clients that never read, one that does');

four('the server stays within maxmemory + 4 output limits + its baseline and serves the reader with p99 < 50 ms', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1', '--client-output-limit', `${OUTPUT_LIMIT_MB}mb`, '--maxmemory', '64mb'] });
  try {
    const baseline = await settledRss(cluster);
    await fill(cluster.port);
    const contention = new Contention().start();
    const floods = await Promise.all([false, true, false, true].map((resp) => flood(cluster.port, resp)));
    const all = Promise.all(floods.map((f) => f.done));
    const reader = await RespClient.connect(cluster.port);
    const latencies: number[] = [];
    let finished = false;
    void all.then(() => (finished = true));
    const reading = (async () => {
      for (let i = 0; !finished; i++) {
        const key = KEYS[i % KEYS.length];
        const t0 = performance.now();
        if (i % 2 === 0) assert.is(await reader.call('GET', key), VALUE);
        else assert.is(await reader.call('SET', key, VALUE), 'OK');
        latencies.push(performance.now() - t0);
      }
    })();
    const peak = await peakRssWhile(cluster, all);
    await reading;
    contention.stop();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    const boundMb = 64 + 4 * OUTPUT_LIMIT_MB;
    const grewMb = (peak - baseline) / MB;
    console.log(`    four floods: ${floods.map((f) => `${(f.written / MB).toFixed(0)} MB${f.closed ? ' closed' : ''}`).join(', ')}; RSS baseline ${(baseline / MB).toFixed(0)} MB, peak +${grewMb.toFixed(1)} MB (bound ${boundMb}); reader ${latencies.length} calls, p99 ${p99.toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`);
    assert.ok(grewMb <= boundMb, `server RSS grew ${grewMb.toFixed(1)} MB`);
    // 50 ms on a machine that runs it, scaled by the CPU contention other runs put on it meanwhile.
    assert.ok(p99 < contention.bound(50), contention.says('reader p99', p99, 50));
    reader.close();
    for (const f of floods) f.socket.close();
  } finally {
    await cluster.stop();
  }
});

four.run();

const reader = suite('e2e: a reading client whose replies in one read pass the output limit');

reader('every command of the read is answered, in order (the rest waits for the socket, it is not dropped)', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1', '--client-output-limit', '1mb'] });
  try {
    const client = await RespClient.connect(cluster.port);
    const value = 'v'.repeat(300 * 1024);
    // A key on every shard: replies from this worker's own shards and forwarded ones.
    const keys = keysPerShard('big:', shardOfString);
    for (const key of keys) assert.equal(await client.call('SET', key, value), 'OK');
    for (const key of keys) {
      // 10 x 300 KB of replies from one write: three times the limit, to a client that reads them.
      const replies = await client.pipeline([...Array.from({ length: 10 }, () => ['GET', key]), ['PING']]);
      assert.equal(replies.length, 11);
      for (let i = 0; i < 10; i++) assert.ok(replies[i] === value, `${key}: reply ${i} is the value`);
      assert.equal(replies[10], 'PONG');
    }
    client.text.socket.destroy();
  } finally {
    await cluster.stop();
  }
});

reader.run();
