import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { request } from 'undici';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { RespClient, respClientOn, sleep, startCluster, stats, TextClient, type Cluster } from './harness';

/**
 * Live change of the worker count (scaling.ts): under load, every key written before and during
 * a change reads back its last value afterwards, and clients see no error and no hang, only a
 * reconnect when the worker they were on is retired.
 */

interface ResizeReport {
  from: number;
  to: number;
  map_version: number;
  duration_ms: number;
  max_pause_ms: number;
  moves: { shard: number; from: number; to: number; keys: number; pause_ms: number }[];
}
interface MapView {
  version: number;
  workers: number;
  owners: number[];
  resizing: boolean;
}

async function adminBase(cluster: Cluster): Promise<string> {
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  return `http://127.0.0.1:${line.port as number}`;
}

async function http(base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: () => JSON.parse(text) as unknown };
}

async function resize(base: string, count: number): Promise<ResizeReport> {
  const res = await http(base, 'POST', '/workers', { count });
  assert.is(res.status, 200, res.text);
  return res.json() as ResizeReport;
}

/** Each worker's connected clients, from the admin endpoint's /stats. */
async function connectedPerWorker(base: string): Promise<number[]> {
  const res = await http(base, 'GET', '/stats');
  const body = res.json() as { per_worker: { worker: number; connected_clients: number }[] };
  return body.per_worker.map((w) => w.connected_clients);
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

/** One load client: text or RESP, depth 1, reconnecting when its connection is closed. */
class LoadClient {
  private text: TextClient | null = null;
  private resp: RespClient | null = null;
  reconnects = 0;
  errors: string[] = [];
  ops = 0;
  /** [start time, latency] of every command, in ms. */
  readonly samples: [number, number][] = [];

  constructor(
    private readonly port: number,
    readonly useResp: boolean,
    /** Keys only this client writes, with the value it last had acknowledged. */
    readonly expected: Map<string, string>,
    private readonly random: () => number,
  ) {}

  async connect(): Promise<void> {
    if (this.useResp) this.resp = await RespClient.connect(this.port);
    else this.text = await TextClient.connect(this.port);
  }

  /** One command's reply, retrying on a fresh connection if the old one closed first. */
  private async call(kind: 'get' | 'put', key: string, value: string): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.useResp) {
          const reply = await (kind === 'put' ? this.resp!.call('SET', key, value) : this.resp!.call('GET', key));
          if (reply !== null && typeof reply === 'object') throw new ReplyError(JSON.stringify(reply));
          return reply as string | null;
        }
        const [line] = await this.text!.request([kind === 'put' ? `PUT ${key} ${value}` : `GET ${key}`]);
        if (line === 'ERROR') throw new ReplyError(line);
        return line === 'NOTFOUND' ? null : line;
      } catch (err) {
        if (err instanceof ReplyError || attempt >= 3) throw err;
        // The connection closed (a retired worker): reconnect and send the command again. A PUT
        // repeated with the same value leaves the key as one PUT would.
        const closed = this.useResp ? this.resp!.text.closed : this.text!.closed;
        if (!closed) throw err;
        this.reconnects++;
        await this.connect();
      }
    }
  }

  async run(until: () => boolean): Promise<void> {
    const keys = [...this.expected.keys()];
    let n = 0;
    while (!until()) {
      const key = keys[Math.floor(this.random() * keys.length)];
      const put = this.random() < 0.5;
      const value = `v${++n}-${key}`;
      const start = performance.now();
      try {
        const reply = await this.call(put ? 'put' : 'get', key, value);
        if (put) {
          if (reply !== 'OK') this.errors.push(`PUT ${key}: ${reply}`);
          else this.expected.set(key, value);
        } else if (reply !== this.expected.get(key)) {
          this.errors.push(`GET ${key}: ${reply}, expected ${this.expected.get(key)}`);
        }
      } catch (err) {
        this.errors.push(`${put ? 'PUT' : 'GET'} ${key}: ${(err as Error).message}`);
      }
      this.samples.push([start, performance.now() - start]);
      this.ops++;
    }
  }

  close(): void {
    this.text?.close();
    this.resp?.close();
  }
}

class ReplyError extends Error {}

/** Clients opened at once right after the resize to 4 workers. */
const FRESH = 400;
const load = suite('live resize 2 -> 4 -> 1 -> 3 under load from 50 clients');
let cluster: Cluster;
let base = '';

load.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
  base = await adminBase(cluster);
});
load.after(async () => {
  await cluster?.stop();
});

load('no key lost, no error, no hang; prints each change and its p99', async () => {
  const KEYS = 3000;
  const CLIENTS = 50;
  const seed = Number(process.env.KV_TEST_SEED ?? Date.now() % 100000);
  const random = prng(seed);
  // Client c owns keys c, c+50, ...: it alone writes them, so it knows their last value.
  const owned = Array.from({ length: CLIENTS }, () => new Map<string, string>());
  const loader = await TextClient.connect(cluster.port);
  for (let from = 0; from < KEYS; from += 500) {
    const batch = Array.from({ length: Math.min(500, KEYS - from) }, (_, i) => from + i);
    const replies = await loader.request(batch.map((i) => `PUT scale-${i} first-${i}`));
    assert.ok(replies.every((r) => r === 'OK'));
    for (const i of batch) owned[i % CLIENTS].set(`scale-${i}`, `first-${i}`);
  }
  loader.close();

  const clients = owned.map((keys, c) => new LoadClient(cluster.port, c % 5 === 0, keys, prng(seed + c + 1)));
  await Promise.all(clients.map((c) => c.connect()));
  let stop = false;
  const contention = new Contention().start();
  const running = Promise.all(clients.map((c) => c.run(() => stop)));

  const changes: { report: ResizeReport; start: number; end: number }[] = [];
  try {
    await sleep(700);
    for (const count of [4, 1, 3]) {
      const start = performance.now();
      const report = await resize(base, count);
      changes.push({ report, start, end: performance.now() });
      assert.is(report.to, count);
      if (count === 4) {
        // The clients already connected stay on workers 0 and 1; the old workers, past their share
        // now, stop accepting, so new clients go to the new workers until the load evens out.
        // 400: with 200, one worker's share was ~60 clients, and a few landing elsewhere split them past 1.5x about one run in four.
        const fresh = await Promise.all(Array.from({ length: FRESH }, () => TextClient.connect(cluster.port)));
        const on = await Promise.all(fresh.map(async (c) => Number((await stats(c)).get('worker'))));
        const perWorker = await connectedPerWorker(base);
        for (const c of fresh) c.close();
        const toNew = on.filter((w) => w >= 2).length;
        // Even shares: 112.5 each, so the new workers take 225 of the 400 and the old ones 175.
        assert.ok(toNew > FRESH / 2, `new connections after growing went mostly to the new workers: ${toNew} of ${FRESH}`);
        assert.ok(Math.max(...perWorker) <= 1.5 * Math.min(...perWorker), `clients per worker within 1.5x of each other: ${perWorker}`);
        console.log(`    after growing to 4: ${FRESH} new clients, ${toNew} to the new workers; clients per worker ${perWorker.join(' ')}`);
      }
      await sleep(700);
    }
  } finally {
    stop = true;
    await running;
    contention.stop();
  }

  const samples = clients.flatMap((c) => c.samples);
  const during = (c: (typeof changes)[number]) => samples.filter(([t]) => t >= c.start && t <= c.end).map(([, ms]) => ms);
  const outside = samples.filter(([t]) => !changes.some((c) => t >= c.start && t <= c.end)).map(([, ms]) => ms);
  const errors = clients.flatMap((c) => c.errors);
  const reconnects = clients.reduce((n, c) => n + c.reconnects, 0);
  console.log(`  seed ${seed}: ${samples.length} commands from ${CLIENTS} clients, ${reconnects} reconnects, ${errors.length} errors; p99 outside changes ${p99(outside).toFixed(1)} ms`);
  for (const { report, start, end } of changes) {
    const lat = during({ report, start, end });
    console.log(
      `  ${report.from} -> ${report.to}: ${report.duration_ms} ms, ${report.moves.length} shards moved (${report.moves.reduce((n, m) => n + m.keys, 0)} keys), ` +
        `longest pause ${report.max_pause_ms} ms; ${lat.length} commands during it, p99 ${p99(lat).toFixed(1)} ms, max ${lat.reduce((max, ms) => Math.max(max, ms), 0).toFixed(1)} ms`,
    );
  }
  assert.equal(errors.slice(0, 5), [], `${errors.length} errors`);
  // No hang: the slowest command of the whole run, changes included.
  const slowest = samples.reduce((max, [, ms]) => Math.max(max, ms), 0);
  assert.ok(slowest < contention.bound(5000), contention.says('no command hung: the slowest', slowest, 5000));
  // The 4 -> 1 change retired the workers some clients were on: they reconnected.
  assert.ok(reconnects > 0, 'no client was on a retired worker');

  // Every key reads back its last acknowledged value, through a fresh connection.
  const checker = await TextClient.connect(cluster.port);
  const all = owned.flatMap((m) => [...m]);
  const got = await checker.request(all.map(([key]) => `GET ${key}`));
  const wrong = all.filter(([, value], i) => got[i] !== value);
  checker.close();
  assert.is(wrong.length, 0, `keys lost or stale: ${JSON.stringify(wrong.slice(0, 5))}`);

  const map = (await http(base, 'GET', '/workers')).json() as MapView;
  assert.is(map.workers, 3);
  assert.equal(map.owners, Array.from({ length: 16 }, (_, s) => s % 3));
  assert.is(map.resizing, false);
  // Three workers answer, each with its own shards, and the cluster is ready.
  const clusterStats = (await http(base, 'GET', '/stats')).json() as { workers: number; answered: number; totals: Record<string, number> };
  assert.is(clusterStats.workers, 3);
  assert.is(clusterStats.answered, 3);
  assert.is(clusterStats.totals.keys, KEYS);
  assert.is((await http(base, 'GET', '/readyz')).status, 200);
  const metrics = (await http(base, 'GET', '/metrics')).text;
  assert.match(metrics, /^kv_resizes_total 3$/m);
  assert.match(metrics, /^kv_resizes_failed_total 0$/m);
  assert.match(metrics, new RegExp(`^kv_shard_map_version ${map.version}$`, 'm'));
  assert.match(metrics, /^kv_workers 3$/m);
  for (const c of clients) c.close();
});

load.run();

const ttl = suite('live resize keeps TTLs and recency');
let small: Cluster;
let smallBase = '';

ttl.before(async () => {
  // 2 MB: 128 KiB for each shard a worker owns; the new worker 2 of 3 owns 5, about 4,000 entries of 100 bytes.
  small = await startCluster({ workers: 2, args: ['--admin-port', '0', '--maxmemory', '2mb'] });
  smallBase = await adminBase(small);
});
ttl.after(async () => {
  await small?.stop();
});

/** Keys of one shard, by prefix. */
function keysOfShard(shard: number, prefix: string, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (shardOfString(`${prefix}${i}`) === shard) keys.push(`${prefix}${i}`);
  return keys;
}

ttl('entries keep their expiry and their recency order on the new owner', async () => {
  // Shard 2 is worker 0's under 2 workers and worker 2's under 3: it moves.
  const SHARD = 2;
  const client = await RespClient.connect(small.port);
  const value = 'x'.repeat(100);
  const withTtl = keysOfShard(SHARD, 'ttl-', 5);
  for (const key of withTtl) assert.is(await client.call('SET', key, value, 'PX', '60000'), 'OK');
  const old = keysOfShard(SHARD, 'old-', 120);
  const recent = keysOfShard(SHARD, 'recent-', 120);
  // `old` written first, then `recent`, then `old` read again: the second half of `recent` ... is
  // now the least recently used, and `old` the most.
  for (const key of [...old, ...recent]) assert.is(await client.call('SET', key, value), 'OK');
  for (const key of old) assert.is(await client.call('GET', key), value);

  const report = await resize(smallBase, 3);
  assert.ok(report.moves.some((m) => m.shard === SHARD && m.to === 2), JSON.stringify(report.moves));

  for (const key of withTtl) {
    const left = (await client.call('PTTL', key)) as number;
    assert.ok(left > 40_000 && left <= 60_000, `PTTL ${key} = ${left}`);
  }
  assert.is(await client.call('TTL', old[0]), -1);
  // Fill the worker past its budget, 50 keys at a time, until the first of `recent` goes: what goes
  // first must be `recent`, not the `old` entries read last.
  const filler = keysOfShard(SHARD, 'fill-', 6000);
  let recentLeft = recent.length;
  for (let at = 0; at < filler.length && recentLeft === recent.length; at += 50) {
    assert.equal(await client.call('MSET', ...filler.slice(at, at + 50).flatMap((key) => [key, value])), 'OK');
    recentLeft = (await client.call('EXISTS', ...recent)) as number;
  }
  const oldLeft = (await client.call('EXISTS', ...old)) as number;
  console.log(`  after refilling shard ${SHARD} on its new owner: ${oldLeft}/${old.length} re-read entries left, ${recentLeft}/${recent.length} others`);
  assert.ok(recentLeft < recent.length, 'nothing was evicted: the test did not fill the shard');
  assert.is(oldLeft, old.length, 'an entry read just before the move was evicted before older ones');
  client.close();
});

ttl.run();

const ops = suite('resize by SIGUSR2 and the config file; admin checks');
let dir = '';
let fromFile: Cluster;
let fileBase = '';

ops.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-scale-'));
  fs.writeFileSync(path.join(dir, 'kv.json'), JSON.stringify({ workers: 2, 'admin-port': 0, requirepass: 'scale-secret' }));
  fromFile = await startCluster({ workers: 0, args: ['--config', path.join(dir, 'kv.json')] });
  fileBase = await adminBase(fromFile);
});
ops.after(async () => {
  await fromFile?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

ops('SIGUSR2 applies the config file\'s worker count, keeping the keys', async () => {
  const client = await RespClient.connect(fromFile.port);
  assert.is(await client.call('AUTH', 'scale-secret'), 'OK');
  const keys = Array.from({ length: 200 }, (_, i) => `usr2-${i}`);
  assert.is(await client.call('MSET', ...keys.flatMap((k) => [k, `v-${k}`])), 'OK');
  fs.writeFileSync(path.join(dir, 'kv.json'), JSON.stringify({ workers: 3, 'admin-port': 0, requirepass: 'scale-secret' }));
  process.kill(fromFile.pid, 'SIGUSR2');
  const done = await fromFile.waitForLog((l) => l.message === 'resize done' && l.to === 3, 15_000);
  assert.is(done.from, 2);
  assert.equal(await client.call('MGET', ...keys), keys.map((k) => `v-${k}`));
  assert.is(await client.call('DBSIZE'), 200);
  client.close();
});

ops('POST /workers needs the password as a bearer token; bad bodies get 400', async () => {
  assert.is((await http(fileBase, 'POST', '/workers', { count: 2 })).status, 401);
  assert.is((await http(fileBase, 'POST', '/workers', { count: 2 }, { authorization: 'Bearer wrong' })).status, 401);
  const auth = { authorization: 'Bearer scale-secret' };
  for (const body of ['{"count": 0}', '{"count": 17}', '{"count": "two"}', '{}', '{"count": 2, "extra": 1}', 'not json']) {
    const res = await http(fileBase, 'POST', '/workers', body, auth);
    assert.is(res.status, 400, `${body}: ${res.text}`);
    assert.match(res.text, 'error');
  }
  // GET needs no token: it only reads.
  assert.is(((await http(fileBase, 'GET', '/workers')).json() as MapView).workers, 3);
  // Two changes at once: one runs, the other is told to wait.
  const [a, b] = await Promise.all([http(fileBase, 'POST', '/workers', { count: 2 }, auth), http(fileBase, 'POST', '/workers', { count: 4 }, auth)]);
  assert.equal([a.status, b.status].sort(), [200, 409], `${a.text} ${b.text}`);
  const client = await RespClient.connect(fromFile.port);
  assert.is(await client.call('AUTH', 'scale-secret'), 'OK');
  assert.is(await client.call('DBSIZE'), 200);
  client.close();
});

ops.run();

const crash = suite('a worker killed during a resize');
let victimCluster: Cluster;
let victimBase = '';

crash.before(async () => {
  victimCluster = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
  victimBase = await adminBase(victimCluster);
});
crash.after(async () => {
  await victimCluster?.stop();
});

crash('fails that step, keeps the map consistent and the other keys; the same POST finishes it', async () => {
  const client = await TextClient.connect(victimCluster.port);
  const keys = Array.from({ length: 2000 }, (_, i) => `crash-${i}`);
  assert.ok((await client.request(keys.map((k) => `PUT ${k} v-${k}`))).every((r) => r === 'OK'));
  client.close();
  const victim = victimCluster.workerPid(1);
  const change = http(victimBase, 'POST', '/workers', { count: 4 });
  // Worker 1 dies once the hand-overs have begun.
  await victimCluster.waitForLog((l) => l.message === 'shard handed over', 15_000);
  process.kill(victim, 'SIGKILL');
  const first = await change;
  const map = (await http(victimBase, 'GET', '/workers')).json() as MapView;
  console.log(`  killed worker 1 mid-resize: POST answered ${first.status}; map version ${map.version}, owners ${map.owners.join(',')}`);
  assert.ok(first.status === 200 || first.status === 500, first.text);
  assert.is(map.resizing, false);
  const failed = /^kv_resizes_failed_total (\d+)$/m.exec((await http(victimBase, 'GET', '/metrics')).text);
  assert.is(Number(failed?.[1]), first.status === 500 ? 1 : 0);

  // Once worker 1 is back (empty), the same request finishes the change.
  const restart = new Contention().start();
  const killedAt = Date.now();
  while ((await http(victimBase, 'GET', '/readyz')).status !== 200) {
    assert.ok(Date.now() - killedAt < restart.bound(10_000), restart.says('not ready yet after the kill', Date.now() - killedAt, 10_000));
    await sleep(100);
  }
  restart.stop();
  const again = await http(victimBase, 'POST', '/workers', { count: 4 });
  assert.is(again.status, 200, again.text);
  const after = (await http(victimBase, 'GET', '/workers')).json() as MapView;
  assert.equal(after.owners, Array.from({ length: 16 }, (_, s) => s % 4));

  // Keys whose shard was never on worker 1 are all there; worker 1's were lost with it.
  const reader = await TextClient.connect(victimCluster.port);
  const got = await reader.request(keys.map((k) => `GET ${k}`));
  reader.close();
  const never1 = keys.filter((k) => shardOfString(k) % 2 === 0);
  const wrong = never1.filter((k) => got[keys.indexOf(k)] !== `v-${k}`);
  assert.is(wrong.length, 0, `worker 0's keys lost: ${wrong.slice(0, 5).join(' ')}`);
  assert.ok(got.every((r, i) => r === `v-${keys[i]}` || r === 'NOTFOUND'), 'a key read back a wrong value');
  // No stray copy of a shard whose hand-over failed: every key counted can be read.
  const counter = await RespClient.connect(victimCluster.port);
  assert.is(await counter.call('DBSIZE'), got.filter((r) => r !== 'NOTFOUND').length);
  counter.close();
});

crash.run();

const scan = suite('SCAN across a live resize');
let scanCluster: Cluster;
let scanBase = '';

scan.before(async () => {
  scanCluster = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
  scanBase = await adminBase(scanCluster);
});
scan.after(async () => {
  await scanCluster?.stop();
});

scan('a cursor taken before a resize goes on after it: every key exactly once', async () => {
  // On worker 0, which every resize keeps (client ids are k * 16 + worker + 1).
  const client = await respClientOn(scanCluster.port, 0);
  const keys = Array.from({ length: 2000 }, (_, i) => `scan-${i}`);
  assert.is(await client.call('MSET', ...keys.flatMap((k) => [k, 'v'])), 'OK');
  // Empty slots (deleted keys), and a recency order unlike the slot order (keys read back in a
  // shuffled order): the new owner must keep each entry's slot for the cursor to stay valid.
  const gone = keys.filter((_, i) => i % 7 === 0);
  assert.is(await client.call('DEL', ...gone), gone.length);
  const live = keys.filter((_, i) => i % 7 !== 0);
  const random = prng(99);
  const shuffled = [...live].sort(() => random() - 0.5);
  await client.pipeline(shuffled.map((k) => ['GET', k]));

  const seen: string[] = [];
  let cursor = '0';
  const step = async () => {
    const [next, batch] = (await client.call('SCAN', cursor, 'COUNT', '10')) as [string, string[]];
    seen.push(...batch);
    cursor = next;
  };
  // Walk into the middle of shard 2, which moves from worker 0 to worker 2 in 2 -> 3.
  const shardOfCursor = () => Math.floor(Number(cursor) / 2 ** 32);
  do await step();
  while (!(shardOfCursor() === 2 && Number(cursor) % 2 ** 32 > 0));
  const report = await resize(scanBase, 3);
  assert.ok(report.moves.some((m) => m.shard === 2), JSON.stringify(report.moves));
  for (let i = 0; i < 5 && cursor !== '0'; i++) await step();
  await resize(scanBase, 1);
  while (cursor !== '0') await step();
  client.close();
  assert.is(new Set(seen).size, seen.length, `${seen.length - new Set(seen).size} keys returned twice`);
  assert.equal([...seen].sort(), [...live].sort());
});

scan.run();
