import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { request } from 'undici';
import { RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';

const WORKERS = 2;

interface WorkerEntry {
  worker: number;
  up: boolean;
  ready: boolean;
  restarts: number;
  commands?: number;
  rss_bytes?: number;
  event_loop_delay?: { count: number; p99: number };
  shards?: { shard: number; keys: number; bytes: number }[];
}
interface Stats {
  workers: number;
  answered: number;
  worker_restarts: number;
  totals: Record<string, number>;
  per_worker: WorkerEntry[];
}

const test = suite('admin endpoint (2 workers, --admin-port 0)');
let cluster: Cluster;
let base = '';

test.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '0'] });
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  assert.is(line.host, '127.0.0.1');
  assert.ok((line.port as number) > 0);
  base = `http://127.0.0.1:${line.port as number}`;
});
test.after(async () => {
  await cluster?.stop();
});

async function get(path: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE' = 'GET') {
  const res = await request(base + path, { method });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function stats(): Promise<Stats> {
  const res = await get('/stats');
  assert.is(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), 'application/json');
  return JSON.parse(res.text) as Stats;
}

/** Polls /readyz until it answers `status`; returns the answer and how long it took. */
async function readyzUntil(status: number, timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    const res = await get('/readyz');
    if (res.status === status) return { ...res, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`/readyz still ${res.status} (${res.text}) after ${timeoutMs} ms`);
    await sleep(20);
  }
}

const shardsOf = (worker: number) => Array.from({ length: 16 }, (_, s) => s).filter((s) => s % WORKERS === worker);

test('GET /healthz answers ok', async () => {
  const res = await get('/healthz');
  assert.is(res.status, 200);
  assert.is(res.text.trim(), 'ok');
});

test('GET /readyz answers 200 once every worker answered a ping', async () => {
  const res = await readyzUntil(200, 3000);
  assert.is(res.status, 200);
});

test('unknown path is 404, wrong method is 405 with Allow', async () => {
  assert.is((await get('/nope')).status, 404);
  assert.is((await get('/')).status, 404);
  for (const path of ['/healthz', '/readyz', '/stats', '/metrics']) {
    const res = await get(path, 'POST');
    assert.is(res.status, 405, path);
    assert.match(String(res.headers.allow), 'GET');
  }
  assert.is((await get('/stats', 'DELETE')).status, 405);
  // A query string does not change the route.
  assert.is((await get('/healthz?verbose=1')).status, 200);
});

test('GET /stats gathers every worker and follows PUT/GET traffic', async () => {
  const before = await stats();
  assert.is(before.workers, WORKERS);
  assert.is(before.answered, WORKERS);
  assert.is(before.per_worker.length, WORKERS);
  for (const w of before.per_worker) {
    assert.ok(w.up && w.ready, `worker ${w.worker} up and ready`);
    assert.equal(w.shards!.map((s) => s.shard), shardsOf(w.worker));
    assert.ok(w.rss_bytes! > 0);
    assert.ok(w.event_loop_delay!.count > 0);
  }

  const client = await TextClient.connect(cluster.port);
  const n = 40;
  const puts = Array.from({ length: n }, (_, i) => `PUT admin-key-${i} value-${i}`);
  const gets = Array.from({ length: n }, (_, i) => `GET admin-key-${i}`);
  assert.ok((await client.request(puts)).every((r) => r === 'OK'));
  assert.equal(await client.request(gets), gets.map((_, i) => `value-${i}`));
  assert.equal(await client.request(['GET admin-missing']), ['NOTFOUND']);

  const after = await stats();
  const t = after.totals;
  assert.ok(t.commands - before.totals.commands >= 2 * n + 1, `commands ${before.totals.commands} -> ${t.commands}`);
  assert.ok(t.commands_local + t.commands_forwarded - before.totals.commands_local - before.totals.commands_forwarded >= 2 * n + 1);
  assert.ok(t.commands_forwarded > before.totals.commands_forwarded, 'some keys live on the other worker');
  assert.ok(t.frames_forwarded > before.totals.frames_forwarded);
  assert.is(t.keys - before.totals.keys, n);
  assert.ok(t.bytes > before.totals.bytes);
  assert.ok(t.hits - before.totals.hits >= n);
  assert.ok(t.misses - before.totals.misses >= 1);
  assert.is(t.connected_clients, 1);
  assert.ok(t.total_connections >= 1);
  const perShardKeys = after.per_worker.flatMap((w) => w.shards!).reduce((sum, s) => sum + s.keys, 0);
  assert.is(perShardKeys, t.keys);
  client.close();
});

/** Parses Prometheus text format 0.0.4 strictly enough to catch a malformed exposition. */
function parseMetrics(text: string) {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line))) {
      assert.not.ok(help.has(m[1]), `one HELP for ${m[1]}`);
      help.set(m[1], m[2]);
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line))) {
      assert.not.ok(type.has(m[1]), `one TYPE for ${m[1]}`);
      type.set(m[1], m[2]);
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(line))) {
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g)) labels[k] = v;
      const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
      assert.not.ok(Number.isNaN(value) && m[3] !== 'NaN', `number in ${line}`);
      samples.push({ name: m[1], labels, value });
    } else {
      assert.unreachable(`not a Prometheus line: ${JSON.stringify(line)}`);
    }
  }
  return { help, type, samples };
}

/** The family a sample belongs to: a summary's _sum and _count belong to it. */
function familyOf(name: string, type: Map<string, string>): string {
  for (const suffix of ['_sum', '_count', '_bucket']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (type.get(base) === 'summary' || type.get(base) === 'histogram')) return base;
  }
  return name;
}

test('GET /metrics is Prometheus text: HELP and TYPE for each metric, counters end in _total', async () => {
  const res = await get('/metrics');
  assert.is(res.status, 200);
  assert.match(String(res.headers['content-type']), 'text/plain; version=0.0.4');
  const { help, type, samples } = parseMetrics(res.text);
  assert.ok(samples.length > 0);
  for (const s of samples) {
    const family = familyOf(s.name, type);
    assert.ok(help.has(family), `HELP for ${s.name}`);
    assert.ok(type.has(family), `TYPE for ${s.name}`);
    assert.ok(s.name.startsWith('kv_'), s.name);
  }
  for (const [name, t] of type) {
    assert.ok(help.has(name), `HELP for ${name}`);
    if (t === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} ends in _total`);
    else assert.not.ok(name.endsWith('_total'), `${t} ${name} does not end in _total`);
  }
  const value = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
  // The traffic of the test before, with labels worker and shard.
  assert.ok(value('kv_commands_total', {}) >= 81);
  assert.ok(value('kv_keys', {}) >= 40);
  assert.is(samples.filter((s) => s.name === 'kv_keys').length, 16, 'one kv_keys per shard');
  for (const s of samples.filter((s) => s.name === 'kv_keys')) assert.is(Number(s.labels.shard) % WORKERS, Number(s.labels.worker));
  assert.is(value('kv_worker_up', {}), WORKERS);
  assert.ok(value('kv_resident_memory_bytes', { worker: '0' }) > 1e6, 'RSS in bytes');
  assert.is(type.get('kv_event_loop_delay_seconds'), 'summary');
  assert.ok(samples.some((s) => s.name === 'kv_event_loop_delay_seconds' && s.labels.quantile === '0.99'));
});

test('a worker stopped (SIGSTOP) is not ready after a second; /stats answers with what arrived', async () => {
  const pid = cluster.workerPid(0);
  process.kill(pid, 'SIGSTOP');
  try {
    const contention = new Contention().start();
    const started = Date.now();
    const partial = await stats();
    const took = Date.now() - started;
    contention.stop();
    assert.ok(took >= 900, `/stats waited ${took} ms for the stopped worker: its 1 s`);
    assert.ok(took < contention.bound(3000), contention.says('/stats answered without the stopped worker', took, 3000));
    assert.is(partial.answered, 1);
    assert.is(partial.per_worker[0].up, false);
    assert.is(partial.per_worker[1].up, true);
    const res = await readyzUntil(503, 2000);
    const body = JSON.parse(res.text) as { shards: number[]; workers: { worker: number }[] };
    assert.equal(body.shards, shardsOf(0));
    assert.equal(body.workers.map((w) => w.worker), [0]);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await readyzUntil(200, 3000);
});

test('GET /readyz is 503 naming the shards right after kill -9 of a worker, 200 after its restart', async () => {
  const victim = 1;
  const pid = cluster.workerPid(victim);
  process.kill(pid, 'SIGKILL');
  const down = await readyzUntil(503, 1500);
  assert.is(down.status, 503);
  assert.match(String(down.headers['content-type']), 'application/json');
  const body = JSON.parse(down.text) as { status: string; shards: number[]; workers: { worker: number; shards: number[]; reason: string }[] };
  assert.equal(body.shards, shardsOf(victim));
  assert.equal(body.workers.map((w) => w.worker), [victim]);

  await cluster.waitForLog((l) => l.message === 'worker restarted' && l.worker === victim);
  await readyzUntil(200, 5000);
  const after = await stats();
  assert.is(after.worker_restarts, 1);
  assert.is(after.per_worker[victim].restarts, 1);
  assert.is(after.answered, WORKERS);
  const metrics = (await get('/metrics')).text;
  assert.match(metrics, `kv_worker_restarts_total{worker="${victim}"} 1\n`);
  assert.match(metrics, 'kv_worker_restarts_total{worker="0"} 0\n');
  // The restarted worker knows its count too (STATS and INFO report it).
  const info = await RespClient.connect(cluster.port);
  assert.match(String(await info.call('INFO', 'stats')), /kv_worker_restarts:1\r\n/);
  info.close();
  // /healthz never stopped answering.
  assert.is((await get('/healthz')).status, 200);
});

test('the admin endpoint closes on shutdown', async () => {
  assert.is(await cluster.stop(), 0);
  try {
    await request(base + '/healthz');
    assert.unreachable('admin port still open');
  } catch (err) {
    assert.match((err as Error & { code?: string }).code ?? String(err), /ECONNREFUSED/);
  }
});

test.run();
