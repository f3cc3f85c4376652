import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { FIGURES, type Figure } from '@kv/node';
import { metricSamples, RespClient, sleep, startCluster, stats, TextClient, type Cluster, type MetricSample } from './harness';
import { clientsOn, everyWorker } from './on-workers';

/**
 * The figures table (apps/node/src/figures/table.ts) is the one list of what the server reports:
 * every figure in it must be in /metrics, /stats, STATS and INFO under the names it declares
 * (those the primary alone counts: /metrics and /stats), and the outputs must agree.
 */

const WORKERS = 2;
const KEYS = 24;
const WITH_TTL = 5;

type Json = Record<string, unknown>;
interface Stats extends Json {
  totals: Record<string, number>;
  per_worker: (Json & { worker: number; up: boolean; shards: Record<string, number>[] })[];
}

const t = suite('e2e: every figure of the table in /metrics, /stats, STATS and INFO');
let cluster: Cluster;
let base = '';
const clients: TextClient[] = [];
let resp: RespClient;

let quiet: Stats;
let metrics: MetricSample[];
let metricsText = '';
/** STATS of each worker, by worker index. */
const statsOf = new Map<number, Map<string, string>>();
let info: Map<string, string>;

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '0'] });
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  base = `http://127.0.0.1:${line.port as number}`;
});
t.after(async () => {
  for (const c of clients) c.close();
  resp?.close();
  await cluster?.stop();
});

async function get(path: string): Promise<string> {
  const res = await request(base + path);
  const text = await res.body.text();
  assert.is(res.statusCode, 200, text);
  return text;
}
const getStats = async () => JSON.parse(await get('/stats')) as Stats;

/** A value at a dotted path of /stats (`resize.map_version`). */
const at = (obj: Json, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Json | undefined)?.[k], obj);
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) if (line.includes(':') && !line.startsWith('#')) fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  return fields;
}
const pairs = (text: string) => new Map(text.split(',').map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))]));
const sum = (samples: MetricSample[], name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);

t('traffic over both protocols, then every output read once the server is quiet', async () => {
  resp = await RespClient.connect(cluster.port);
  const sets = Array.from({ length: KEYS }, (_, i) => (i < WITH_TTL ? ['SET', `fig-${i}`, `v${i}`, 'EX', '1000'] : ['SET', `fig-${i}`, `v${i}`]));
  assert.equal(await resp.pipeline(sets), sets.map(() => 'OK'));
  // avg_ttl is estimated every 100 ms: let each shard with a TTL be looked at.
  await sleep(300);
  assert.equal((await resp.call('MGET', 'fig-0', 'fig-1', 'fig-2', 'fig-missing')) as unknown[], ['v0', 'v1', 'v2', null]);
  // A text client on each worker (on-workers.ts).
  const onWorker = await clientsOn(everyWorker(WORKERS), () => TextClient.connect(cluster.port), async (c) => Number((await stats(c)).get('worker')));
  for (const c of onWorker) {
    clients.push(c);
    assert.equal(await c.request(['GET fig-3', 'GET fig-nope', 'PUT fig-text x']), ['v3', 'NOTFOUND', 'OK']);
  }

  let s = await getStats();
  for (const until = Date.now() + 5000; s.totals.connected_clients !== clients.length + 1 && Date.now() < until; s = await getStats()) await sleep(50);
  quiet = s;
  metricsText = await get('/metrics');
  metrics = metricSamples(metricsText);
  for (const [worker, c] of onWorker.entries()) statsOf.set(worker, await stats(c));
  info = infoFields((await resp.call('INFO', 'everything')) as string);
});

/** Checks that a figure is in one output; says what is missing otherwise. */
function expectIn(f: Figure, output: string, ok: boolean, what: string): void {
  assert.ok(ok, `figure ${f.name} (${f.shape}) missing from ${output}: ${what}`);
}

t('/metrics: a HELP, a TYPE of the figure\'s kind and samples for every figure', () => {
  for (const f of FIGURES) {
    expectIn(f, '/metrics', metricsText.includes(`\n# TYPE ${f.prom} ${f.kind}\n`) || metricsText.startsWith(`# HELP ${f.prom} `), `# TYPE ${f.prom} ${f.kind}`);
    expectIn(f, '/metrics', metricsText.includes(`# HELP ${f.prom} ${f.help}\n`), `# HELP ${f.prom}`);
    const suffix = f.kind === 'histogram' ? '_bucket' : '';
    const samples = metrics.filter((s) => s.name === f.prom + suffix);
    const perWorker = f.shape !== 'primary';
    expectIn(f, '/metrics', samples.length >= (perWorker ? WORKERS : 1), `${f.prom}${suffix} samples (${samples.length})`);
    if (perWorker) for (let w = 0; w < WORKERS; w++) expectIn(f, '/metrics', samples.some((s) => s.labels.worker === String(w)), `${f.prom} of worker ${w}`);
    if (f.shape === 'shard') assert.is(samples.length, 16, `${f.prom}: one per shard`);
  }
});

t('/stats: every figure under its key, per worker and summed', () => {
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'primary':
        expectIn(f, '/stats', isNumber(at(quiet, f.json)) || typeof at(quiet, f.json) === 'boolean', f.json);
        break;
      case 'slot':
        for (const w of quiet.per_worker) expectIn(f, '/stats', isNumber(w[f.json]) || typeof w[f.json] === 'boolean', `per_worker[${w.worker}].${f.json}`);
        break;
      case 'worker':
        for (const w of quiet.per_worker) expectIn(f, '/stats', isNumber(w[f.json]), `per_worker[${w.worker}].${f.json}`);
        expectIn(f, '/stats', isNumber(quiet.totals[f.json]), `totals.${f.json}`);
        break;
      case 'shard':
        for (const w of quiet.per_worker) expectIn(f, '/stats', w.shards.length === 16 / WORKERS && w.shards.every((s) => isNumber(s[f.json])), `per_worker[${w.worker}].shards[].${f.json}`);
        expectIn(f, '/stats', isNumber(quiet.totals[f.json]), `totals.${f.json}`);
        break;
      case 'histogram':
        for (const w of [...quiet.per_worker, quiet]) expectIn(f, '/stats', isNumber((w[f.json] as Json | undefined)?.count) && Array.isArray((w[f.json] as Json).buckets), f.json);
        break;
      case 'summary':
        for (const w of quiet.per_worker) expectIn(f, '/stats', ['p50', 'p90', 'p99', 'max', 'mean', 'count'].every((k) => isNumber((w[f.json] as Json | undefined)?.[k])), `per_worker[${w.worker}].${f.json}`);
        break;
      case 'command':
        for (const w of [...quiet.per_worker, quiet]) {
          const rows = w[f.json] as Json[] | undefined;
          expectIn(f, '/stats', Array.isArray(rows) && rows.length > 0 && rows.every((r) => isNumber(r[f.row])), `${f.json}[].${f.row}`);
        }
        break;
      case 'latency':
        // Every worker ran GET (a text client on each).
        for (const w of [...quiet.per_worker, quiet]) expectIn(f, '/stats', isNumber(((w[f.json] as Json | undefined)?.get as Json | undefined)?.count), `${f.json}.get.count`);
        break;
    }
  }
});

t('STATS: every figure a worker knows, on every worker', () => {
  for (const [worker, s] of statsOf) {
    const has = (f: Figure, name: string) => expectIn(f, `STATS of worker ${worker}`, s.has(name) && !Number.isNaN(Number(s.get(name))), name);
    for (const f of FIGURES) {
      switch (f.shape) {
        case 'primary':
        case 'slot':
          if (f.worker !== undefined) has(f, f.worker.stats);
          break;
        case 'worker':
        case 'shard':
          has(f, f.stats);
          break;
        case 'histogram':
          for (const suffix of ['_bucket_+Inf', '_sum', '_count']) has(f, f.stats + suffix);
          break;
        case 'summary':
          for (const q of ['p50', 'p90', 'p99', 'mean']) has(f, `${f.stats}_${q}_seconds`);
          break;
        case 'command':
          // STATS counts itself.
          has(f, `cmd_stats_text${f.stats.suffix}`);
          break;
        case 'latency':
          for (const p of ['p50', 'p99', 'p99.9']) has(f, `${f.stats}_get_${p}`);
          break;
      }
    }
  }
});

t('INFO everything: every figure a worker knows, under its Redis name where Redis has one', () => {
  const has = (f: Figure, field: string, pair?: string) => {
    const value = info.get(field);
    expectIn(f, 'INFO', value !== undefined && (pair === undefined ? value !== '' : pairs(value).has(pair)), pair === undefined ? field : `${field}: ${pair}=`);
  };
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'primary':
      case 'slot':
        if (f.worker !== undefined) has(f, f.worker.info.field);
        break;
      case 'worker':
      case 'shard':
        has(f, f.info.field, f.info.pair);
        if (f.info.human) has(f, `${f.info.field}_human`);
        break;
      case 'histogram':
        has(f, f.info.field, 'count');
        break;
      case 'summary':
        has(f, f.info.field);
        break;
      case 'command':
        has(f, `${f.info.field}set`, f.info.pair);
        break;
      case 'latency':
        for (const p of ['p50', 'p99', 'p99.9']) has(f, `${f.info.field}set`, p);
        break;
    }
  }
  // Redis's names for what Redis has.
  for (const name of ['connected_clients', 'total_connections_received', 'total_commands_processed', 'rejected_connections', 'keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'used_memory', 'used_memory_rss', 'used_cpu_user', 'used_cpu_sys']) {
    assert.ok(info.has(name), name);
  }
});

t('the outputs agree: commands, keys and the shard figures', () => {
  const stat = (name: string) => [...statsOf.values()].reduce((n, s) => n + Number(s.get(name)), 0);
  // Each STATS (one per worker) and INFO are commands sent after /stats and /metrics.
  assert.is(sum(metrics, 'kv_client_commands_total'), quiet.totals.commands);
  assert.is(sum(metrics, 'kv_commands_total'), quiet.totals.commands, 'every command counted under some name');
  assert.is(Number(info.get('total_commands_processed')), quiet.totals.commands + WORKERS + 1);
  for (const [worker, s] of statsOf) assert.is(Number(s.get('commands')), (quiet.per_worker[worker].commands as number) + 1, `STATS commands of worker ${worker}`);
  // Keys and the other shard figures do not move for STATS and INFO.
  assert.is(quiet.totals.keys, KEYS + 1);
  assert.is(quiet.totals.keys_with_expiry, WITH_TTL);
  const db0 = pairs(info.get('db0')!);
  assert.is(db0.get('keys'), quiet.totals.keys);
  assert.is(db0.get('expires'), quiet.totals.keys_with_expiry);
  for (const f of FIGURES) {
    if (f.shape !== 'shard') continue;
    if (f.merge === 'ttl_mean') {
      ttlMeansAgree(f);
      continue;
    }
    assert.is(sum(metrics, f.prom), quiet.totals[f.json], `${f.name}: /metrics vs /stats`);
    assert.is(stat(f.stats), quiet.totals[f.json], `${f.name}: STATS vs /stats`);
    const value = f.info.pair === undefined ? Number(info.get(f.info.field)) : pairs(info.get(f.info.field)!).get(f.info.pair);
    assert.is(value, quiet.totals[f.json], `${f.name}: INFO vs /stats`);
  }
  assert.ok(quiet.totals.hits >= 3 + WORKERS && quiet.totals.misses >= 1 + WORKERS, `hits ${quiet.totals.hits}, misses ${quiet.totals.misses}`);
  // Each GET's latency is in its worker's histogram: /metrics and /stats count every call.
  const latency = FIGURES.find((f) => f.shape === 'latency')!;
  const getCount = ((quiet[latency.json] as Json).get as Json).count as number;
  const getCalls = (quiet.commandstats as Json[]).filter((r) => r.command === 'get').reduce((n, r) => n + (r.calls as number), 0);
  assert.is(getCount, getCalls);
  assert.is(sum(metrics.filter((m) => m.labels.command === 'get'), `${latency.prom}_count`), getCount);
  // The primary's figures a worker knows too.
  assert.is(Number(info.get('kv_workers')), quiet.workers as number);
  assert.is(Number(info.get('kv_shard_map_version')), (quiet.resize as Json).map_version as number);
});

/**
 * A mean over the shards weighted by their keys with a TTL (avg_ttl): every output's within a
 * second of /stats (the estimate is sampled every 100 ms and the TTLs shrink as the outputs are
 * read one after the other), and near the TTLs set.
 */
function ttlMeansAgree(f: Figure & { shape: 'shard' }): void {
  const weightOf = FIGURES.find((g) => g.name === 'keys_with_expiry') as Figure & { shape: 'shard' };
  const mean = (pairs: [number, number][]) => pairs.reduce((n, [v, w]) => n + v * w, 0) / pairs.reduce((n, [, w]) => n + w, 0);
  const expected = quiet.totals[f.json];
  assert.ok(expected > 990 && expected <= 1000, `${f.name}: ${expected} s, the TTL set being 1000 s`);
  const weights = new Map(metrics.filter((m) => m.name === weightOf.prom).map((m) => [`${m.labels.worker}/${m.labels.shard}`, m.value]));
  const fromMetrics = mean(metrics.filter((m) => m.name === f.prom).map((m) => [m.value, weights.get(`${m.labels.worker}/${m.labels.shard}`)!]));
  const fromStats = mean([...statsOf.values()].map((s) => [Number(s.get(f.stats)), Number(s.get(weightOf.stats))]));
  const fromInfo = pairs(info.get(f.info.field)!).get(f.info.pair!)! / f.info.scale!;
  for (const [output, value] of [['/metrics', fromMetrics], ['STATS', fromStats], ['INFO', fromInfo]] as const) {
    assert.ok(Math.abs(value - expected) < 1, `${f.name}: ${output} ${value} vs /stats ${expected}`);
  }
}

t('names are unique within each output', () => {
  const unique = (names: string[], output: string) => assert.is(new Set(names).size, names.length, `${output}: ${names.filter((n, i) => names.indexOf(n) !== i)}`);
  unique(FIGURES.map((f) => f.name), 'figure names');
  unique(FIGURES.map((f) => f.prom), '/metrics');
  unique(FIGURES.filter((f) => f.shape !== 'command').map((f) => f.json), '/stats');
  const stats = FIGURES.flatMap((f) => (f.shape === 'primary' || f.shape === 'slot' ? (f.worker ? [f.worker.stats] : []) : f.shape === 'command' ? [`cmd${f.stats.suffix}`] : [f.stats]));
  unique(stats, 'STATS');
  const infoNames = FIGURES.flatMap((f) => (f.shape === 'primary' || f.shape === 'slot' ? (f.worker ? [f.worker.info.field] : []) : [`${f.info.field}${'pair' in f.info ? (f.info.pair ?? '') : ''}`]));
  unique(infoNames, 'INFO');
});

t.run();
