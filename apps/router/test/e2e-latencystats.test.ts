import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { metricSamples, RespClient, respClientOn, startCluster, stats, TextClient, type Cluster } from './harness';
import { Resp3Client } from './resp3-client';

/**
 * INFO latencystats (Redis 7.0's) on 2 workers: each worker's histograms summed before the
 * percentiles are read, so INFO's p0 and p100 are the least and the most of the workers' own
 * (STATS); /stats and /metrics count every call; latency-tracking no hides the lines,
 * CONFIG RESETSTAT empties them; the lines' shape and the parameters' replies and errors as
 * redis-server's.
 */

const NAME = 'e2e: INFO latencystats on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;
let base = '';

/** Lua that keeps its worker busy a while (milliseconds), where `return 1` takes microseconds. */
const SLOW = ['EVAL', 'local i = 0 while i < 300000 do i = i + 1 end return 1', '0'];
const FAST = ['EVAL', 'return 1', '0'];
const LINE = /^latency_percentiles_usec_([a-z|_-]+):(.*)$/;

function clientOnWorker(worker: number): Promise<RespClient> {
  return respClientOn(cluster.port, worker);
}

/** INFO latencystats as command → [percentile name, microseconds] pairs. */
function latencyLines(text: string): Map<string, [string, number][]> {
  const lines = text.split('\r\n');
  assert.is(lines[0], '# Latencystats');
  const out = new Map<string, [string, number][]>();
  for (const line of lines.slice(1, -1)) {
    const m = LINE.exec(line);
    assert.ok(m !== null, line);
    out.set(m![1], m![2] === '' ? [] : m![2].split(',').map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))]));
  }
  assert.is(lines[lines.length - 1], '');
  return out;
}

const getJson = async (path: string) => (await (await request(base + path)).body.text()) as string;

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '0', '--lua-time-limit', '600000'] });
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  base = `http://127.0.0.1:${line.port as number}`;
});
t.after(async () => {
  assert.is(await cluster?.stop(), 0);
});

t('percentiles of both workers\' calls: ordered, in microseconds, INFO p0/p100 the least/most of the workers\' own; /stats and /metrics count every call', async () => {
  const a = await clientOnWorker(0);
  const b = await clientOnWorker(1);
  for (const c of [a, b]) assert.equal(await c.pipeline(Array.from({ length: 20 }, (_, i) => ['SET', `lat-${i}`, 'v'])), Array(20).fill('OK'));
  for (let i = 0; i < 5; i++) {
    assert.is(await a.call(...FAST), 1);
    assert.is(await b.call(...SLOW), 1);
  }
  const info = latencyLines((await a.call('INFO', 'latencystats')) as string);
  for (const command of ['set', 'eval', 'client']) {
    const p = info.get(command);
    assert.equal(p?.map(([name]) => name), ['p50', 'p99', 'p99.9'], `${command}: ${JSON.stringify(p)}`);
    assert.ok(p![0][1] > 0 && p![0][1] <= p![1][1] && p![1][1] <= p![2][1] && p![2][1] < 10e6, `${command}: ${JSON.stringify(p)}`);
  }
  assert.not.ok(info.has('get'), 'a command not called has no line');
  // The extremes of the merged histogram are the extremes of the workers' own.
  assert.equal(await a.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 100'), 'OK');
  const [eval0, eval100] = latencyLines((await a.call('INFO', 'latencystats')) as string).get('eval')!;
  const own: Map<string, string>[] = [];
  const texts: TextClient[] = [];
  while (own.length < 2) {
    const c = await TextClient.connect(cluster.port);
    texts.push(c);
    const s = await stats(c);
    if (own.every((o) => o.get('worker') !== s.get('worker'))) own.push(s);
  }
  const ofWorkers = (p: string) => own.map((s) => Number(s.get(`latency_usec_eval_${p}`)));
  assert.equal(eval0, ['p0', Math.min(...ofWorkers('p0'))]);
  assert.equal(eval100, ['p100', Math.max(...ofWorkers('p100'))]);
  assert.ok(eval100[1] > eval0[1], JSON.stringify([eval0, eval100]));
  // /stats: each worker's five EVALs, and ten at the top; /metrics the same as a histogram.
  const s = JSON.parse(await getJson('/stats')) as { latencystats: Record<string, { count: number }>; per_worker: { worker: number; latencystats: Record<string, { count: number }> }[] };
  assert.equal(s.per_worker.map((w) => w.latencystats.eval.count), [5, 5]);
  assert.is(s.latencystats.eval.count, 10);
  const samples = metricSamples(await getJson('/metrics')).filter((m) => m.labels.command === 'eval' && m.name.startsWith('kv_command_latency_seconds'));
  for (const worker of ['0', '1']) {
    const buckets = samples.filter((m) => m.name === 'kv_command_latency_seconds_bucket' && m.labels.worker === worker).map((m) => m.value);
    assert.ok(buckets.every((n, i) => i === 0 || n >= buckets[i - 1]), `cumulative: ${buckets}`);
    assert.is(buckets[buckets.length - 1], 5);
    assert.is(samples.find((m) => m.name === 'kv_command_latency_seconds_count' && m.labels.worker === worker)?.value, 5);
  }
  assert.equal(await a.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'), 'OK');
  for (const c of [a, b, ...texts]) c.close();
});

t('RESP3: a verbatim string of the same lines', async () => {
  const c = await Resp3Client.connect(cluster.port);
  await c.call('HELLO', '3');
  const reply = (await c.call('INFO', 'latencystats')).value as { format: string; verbatim: string };
  assert.is(reply.format, 'txt');
  assert.ok(latencyLines(reply.verbatim).has('set'));
  c.text.close();
});

t('latency-tracking no: the section is empty and /stats has none; yes: back; CONFIG RESETSTAT: every line gone', async () => {
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('CONFIG', 'SET', 'latency-tracking', 'no'), 'OK');
  assert.equal(await c.call('CONFIG', 'GET', 'latency-tracking'), ['latency-tracking', 'no']);
  assert.is(await c.call('GET', 'lat-1'), 'v');
  assert.is(await c.call('INFO', 'latencystats'), '# Latencystats\r\n');
  assert.equal((JSON.parse(await getJson('/stats')) as { latencystats: object }).latencystats, {});
  assert.ok(!((await c.call('INFO', 'everything')) as string).includes('latency_percentiles_usec_'));
  assert.equal(await c.call('CONFIG', 'SET', 'latency-tracking', 'yes'), 'OK');
  const back = latencyLines((await c.call('INFO', 'latencystats')) as string);
  assert.ok(back.has('set') && !back.has('get'), `kept while off, the GET made then not counted: ${[...back.keys()]}`);
  assert.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
  const after = latencyLines((await c.call('INFO', 'latencystats')) as string);
  assert.ok([...after.keys()].every((command) => command === 'config'), `only CONFIG RESETSTAT itself: ${[...after.keys()]}`);
  c.close();
});

/** The same on redis-server (each step's reply compared byte for byte). */
const SAME: string[][] = [
  ['CONFIG', 'GET', 'latency-tracking'],
  ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
  ['CONFIG', 'SET', 'latency-tracking', 'maybe'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.5 101'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'abc'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50  99'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ' 5'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'inf'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50.0 1e1 0.0000001 99.123456789 +5 .5'],
  ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
  ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ''],
  ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
  ['CONFIG', 'SET', 'latency-tracking', 'no'],
  ['INFO', 'latencystats'],
  ['CONFIG', 'SET', 'latency-tracking', 'yes', 'latency-tracking-info-percentiles', '50 99 99.9'],
];

/** Lines of the commands both servers name alike, numbers as N, sorted (Redis lists by its dict's order). */
function shapeOf(text: string): string[] {
  return text
    .split('\r\n')
    .filter((l) => l.startsWith('#') || /^latency_percentiles_usec_(set|get|incr|del):/.test(l))
    .map((l) => l.replace(/=\d+\.\d{3}/g, '=N'))
    .sort();
}

skips.test(t, 'the lines\' shape, the parameters\' replies and errors: as redis-server\'s, RESP2 and RESP3', missingTool('redis-server'), async () => {
  const redis: Target = await startRedis();
  try {
    for (const protocol of ['2', '3']) {
      const ours = await Resp3Client.connect(cluster.port);
      const theirs = await Resp3Client.connect(redis.port);
      for (const c of [ours, theirs]) {
        await c.call('HELLO', protocol);
        await c.call('CONFIG', 'RESETSTAT');
        await c.pipeline([['SET', 'k', '1'], ['GET', 'k'], ['INCR', 'n'], ['DEL', 'k', 'n']]);
      }
      const text = async (c: Resp3Client) => {
        const v = (await c.call('INFO', 'latencystats')).value;
        return typeof v === 'string' ? v : (v as { verbatim: string }).verbatim;
      };
      const shape = shapeOf(await text(ours));
      assert.equal(shape, shapeOf(await text(theirs)), `RESP${protocol}`);
      assert.is(shape.length, 5, shape.join('\n'));
      for (const argv of SAME) assert.is((await ours.call(...argv)).raw, (await theirs.call(...argv)).raw, `RESP${protocol}: ${argv.join(' ')}`);
      // No percentiles: an empty line per command on both.
      for (const c of [ours, theirs]) await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '');
      assert.ok((await text(ours)).includes('\r\nlatency_percentiles_usec_get:\r\n'));
      assert.ok((await text(theirs)).includes('\r\nlatency_percentiles_usec_get:\r\n'));
      for (const c of [ours, theirs]) await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
      ours.text.close();
      theirs.text.close();
    }
  } finally {
    await redis.stop();
  }
});

t.run();
