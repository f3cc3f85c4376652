import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { metricSamples, RespClient, sleep, startCluster, stats, TextClient, type Cluster, type MetricSample } from './harness';

const WORKERS = 2;
const PASSWORD = 'metrics-sesame-4711';

interface Row {
  command: string;
  protocol: 'text' | 'resp';
  calls: number;
  seconds: number;
}
interface Histogram {
  buckets: { le: string; count: number }[];
  sum: number;
  count: number;
}
interface WorkerEntry {
  worker: number;
  commands: number;
  commands_local: number;
  commands_forwarded: number;
  frames_forwarded: number;
  auth_failures: number;
  rejected_connections: number;
  client_output_limit_closed: number;
  commandstats: Row[];
  command_duration_seconds: Histogram;
  ipc_frame_commands: Histogram;
  restarts: number;
  event_loop_delay: { max: number; p99: number; p50: number };
}
interface Stats {
  worker_restarts: number;
  totals: Record<string, number>;
  commandstats: Row[];
  command_duration_seconds: Histogram;
  ipc_frame_commands: Histogram;
  per_worker: WorkerEntry[];
}

const t = suite('e2e: the same figures in /stats, /metrics, STATS and INFO');
let cluster: Cluster;
let base = '';

t.before(async () => {
  cluster = await startCluster({
    workers: WORKERS,
    args: ['--admin-port', '0', '--log-level', 'debug', '--maxclients', '4', '--client-output-limit', '1mb'],
    env: { KV_PASSWORD: PASSWORD },
  });
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  base = `http://127.0.0.1:${line.port as number}`;
});
t.after(async () => {
  await cluster?.stop();
});

async function get(path: string): Promise<string> {
  const res = await request(base + path);
  const text = await res.body.text();
  assert.is(res.statusCode, 200, text);
  return text;
}
const getStats = async () => JSON.parse(await get('/stats')) as Stats;

const calls = (rows: Row[], command: string, protocol: string) => rows.find((r) => r.command === command && r.protocol === protocol)?.calls ?? 0;

/** INFO's `name:value` lines. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) if (line.includes(':') && !line.startsWith('#')) fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  return fields;
}
/** `a=1,b=2` as numbers by name. */
const pairs = (text: string) => new Map(text.split(',').map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))]));

function sampleValue(samples: MetricSample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `one ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

let quiet: Stats;
let statsText: Map<string, string>;
let info: Map<string, string>;
let metrics: MetricSample[];
let text: TextClient;
let resp: RespClient;

t('a known mix of commands, failed AUTHs, refused clients and an output-limit closure', async () => {
  text = await TextClient.connect(cluster.port);
  assert.equal(await text.request(['AUTH wrong', `AUTH ${PASSWORD}`]), ['ERROR', 'OK']);
  const gets = Array.from({ length: 7 }, (_, i) => `GET metrics-key-${i}`);
  assert.equal(await text.request(gets), gets.map(() => 'NOTFOUND'));

  resp = await RespClient.connect(cluster.port);
  assert.equal(await resp.call('AUTH', 'wrong'), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
  assert.is(await resp.call('AUTH', PASSWORD), 'OK');
  const sets = Array.from({ length: 5 }, (_, i) => ['SET', `metrics-key-${i}`, `v${i}`]);
  assert.equal(await resp.pipeline(sets), sets.map(() => 'OK'));

  // One MGET of 16 MB of replies that its client never reads: closed past --client-output-limit.
  const flood = await RespClient.connect(cluster.port);
  assert.is(await flood.call('AUTH', PASSWORD), 'OK');
  assert.is(await flood.call('SET', 'metrics-big', 'x'.repeat(512 * 1024)), 'OK');
  flood.text.socket.pause();
  flood.text.send(RespClient.encode('MGET', ...Array.from({ length: 32 }, () => 'metrics-big')));
  // (A paused socket never sees the close: the server says so.)
  let s = await getStats();
  for (const until = Date.now() + 10_000; s.totals.client_output_limit_closed < 1 && Date.now() < until; s = await getStats()) await sleep(50);
  flood.close();

  // Two clients open (2 per worker allowed) and four more: at least two are turned away.
  const extra = await Promise.all([1, 2, 3, 4].map(() => TextClient.connect(cluster.port)));
  for (const until = Date.now() + 5000; s.totals.rejected_connections < 2 && Date.now() < until; s = await getStats()) await sleep(50);
  for (const c of extra) c.close();
  // Quiet: every client command is answered and the closed clients are gone.
  for (const until = Date.now() + 5000; s.totals.connected_clients > 2 && Date.now() < until; s = await getStats()) await sleep(50);

  quiet = s;
  metrics = metricSamples(await get('/metrics'));
  statsText = await stats(text);
  info = infoFields((await resp.call('INFO', 'all')) as string);

  assert.is(calls(quiet.commandstats, 'get', 'text'), 7);
  assert.is(calls(quiet.commandstats, 'set', 'resp'), 6);
  assert.is(calls(quiet.commandstats, 'mget', 'resp'), 1);
  assert.is(calls(quiet.commandstats, 'auth', 'text'), 2);
  assert.is(calls(quiet.commandstats, 'auth', 'resp'), 3);
  assert.is(calls(quiet.commandstats, 'get', 'resp'), 0);
  assert.is(quiet.totals.auth_failures, 2);
  assert.ok(quiet.totals.rejected_connections >= 2, `rejected ${quiet.totals.rejected_connections}`);
  assert.is(quiet.totals.client_output_limit_closed, 1);
  const everyCall = quiet.commandstats.reduce((sum, r) => sum + r.calls, 0);
  assert.is(everyCall, quiet.totals.commands, 'every command is counted under some name');
  assert.is(quiet.command_duration_seconds.count, everyCall, 'and timed once answered');
  assert.ok(quiet.ipc_frame_commands.count >= 1 && quiet.ipc_frame_commands.count === quiet.totals.frames_forwarded);
});

t('/metrics has exactly the figures of /stats, worker by worker', () => {
  for (const w of quiet.per_worker) {
    const worker = String(w.worker);
    for (const r of w.commandstats) {
      const labels = { worker, command: r.command, protocol: r.protocol };
      assert.is(sampleValue(metrics, 'kv_commands_total', labels), r.calls, JSON.stringify(labels));
      assert.is(sampleValue(metrics, 'kv_commands_duration_seconds_total', labels), r.seconds);
    }
    assert.is(metrics.filter((s) => s.name === 'kv_commands_total' && s.labels.worker === worker).length, w.commandstats.length);
    assert.is(sampleValue(metrics, 'kv_auth_failures_total', { worker }), w.auth_failures);
    assert.is(sampleValue(metrics, 'kv_rejected_connections_total', { worker }), w.rejected_connections);
    assert.is(sampleValue(metrics, 'kv_client_output_limit_closed_total', { worker }), w.client_output_limit_closed);
    for (const [name, h] of [['kv_command_duration_seconds', w.command_duration_seconds], ['kv_ipc_frame_commands', w.ipc_frame_commands]] as const) {
      for (const b of h.buckets) assert.is(sampleValue(metrics, `${name}_bucket`, { worker, le: b.le }), b.count, `${name} le=${b.le}`);
      assert.is(sampleValue(metrics, `${name}_sum`, { worker }), h.sum);
      assert.is(sampleValue(metrics, `${name}_count`, { worker }), h.count);
    }
  }
  const le = metrics.filter((s) => s.name === 'kv_ipc_frame_commands_bucket' && s.labels.worker === '0').map((s) => s.labels.le);
  assert.equal(le, ['1', '2', '4', '8', '16', '32', '64', '128', '256', '512', '1024', '+Inf']);
});

t('STATS has the figures of its worker in /stats, and counts itself', () => {
  const w = quiet.per_worker[Number(statsText.get('worker'))];
  const cmdLines = [...statsText.keys()].filter((k) => k.startsWith('cmd_') && !k.endsWith('_seconds'));
  assert.equal(cmdLines.sort(), [...w.commandstats.map((r) => `cmd_${r.command}_${r.protocol}`), 'cmd_stats_text'].sort());
  for (const r of w.commandstats) {
    assert.is(Number(statsText.get(`cmd_${r.command}_${r.protocol}`)), r.calls);
    assert.is(Number(statsText.get(`cmd_${r.command}_${r.protocol}_seconds`)), r.seconds);
  }
  assert.is(statsText.get('cmd_stats_text'), '1');
  assert.is(Number(statsText.get('auth_failures')), w.auth_failures);
  assert.is(Number(statsText.get('rejected_connections')), w.rejected_connections);
  assert.is(Number(statsText.get('client_output_limit_closed')), w.client_output_limit_closed);
  assert.is(Number(statsText.get('worker_restarts')), w.restarts);
  // The delay only grows between the /stats snapshot and STATS, and its figures are ordered.
  const delay = (q: string) => Number(statsText.get(`event_loop_delay_${q}_seconds`));
  assert.ok(delay('max') >= w.event_loop_delay.max && delay('max') >= delay('p99') && delay('p99') >= delay('p50') && delay('p50') >= 0, JSON.stringify(w.event_loop_delay));
  for (const [name, h] of [['command_duration_seconds', w.command_duration_seconds], ['ipc_frame_commands', w.ipc_frame_commands]] as const) {
    for (const b of h.buckets) assert.is(Number(statsText.get(`${name}_bucket_${b.le}`)), b.count, `${name} ${b.le}`);
    assert.is(Number(statsText.get(`${name}_sum`)), h.sum);
    assert.is(Number(statsText.get(`${name}_count`)), h.count);
  }
});

t('INFO all has the summed figures of /stats, plus the STATS and INFO sent since', () => {
  const byCommand = new Map<string, { calls: number; text: number; resp: number; seconds: number }>();
  for (const r of quiet.commandstats) {
    const c = byCommand.get(r.command) ?? { calls: 0, text: 0, resp: 0, seconds: 0 };
    c.calls += r.calls;
    c[r.protocol] += r.calls;
    c.seconds += r.seconds;
    byCommand.set(r.command, c);
  }
  for (const [command, c] of byCommand) {
    const line = pairs(info.get(`cmdstat_${command}`) ?? '');
    assert.is(line.get('calls'), c.calls, command);
    assert.is(line.get('text_calls'), c.text, command);
    assert.is(line.get('resp_calls'), c.resp, command);
    // Each worker rounds its own microseconds.
    assert.ok(Math.abs(line.get('usec')! - c.seconds * 1e6) <= WORKERS, `${command} usec ${line.get('usec')} vs ${c.seconds * 1e6}`);
  }
  assert.equal(pairs(info.get('cmdstat_stats')!).get('calls'), 1);
  assert.equal(pairs(info.get('cmdstat_info')!).get('calls'), 1);
  assert.is([...info.keys()].filter((k) => k.startsWith('cmdstat_')).length, byCommand.size + 2, 'no line for a command never called');
  assert.is(Number(info.get('total_commands_processed')), quiet.totals.commands + 2);
  assert.is(Number(info.get('acl_access_denied_auth')), quiet.totals.auth_failures);
  assert.is(Number(info.get('rejected_connections')), quiet.totals.rejected_connections);
  assert.is(Number(info.get('client_output_buffer_limit_disconnections')), quiet.totals.client_output_limit_closed);
  assert.is(Number(info.get('kv_commands_local')), quiet.totals.commands_local);
  assert.is(Number(info.get('kv_worker_restarts')), quiet.worker_restarts);
  const worstMax = Math.max(...quiet.per_worker.map((w) => w.event_loop_delay.max));
  assert.ok(Number(info.get('kv_event_loop_delay_max_seconds')) >= worstMax, `INFO ${info.get('kv_event_loop_delay_max_seconds')} < /stats ${worstMax}`);
  assert.ok(Number(info.get('kv_event_loop_delay_p99_seconds')) >= 0);
  assert.is(Number(info.get('kv_frames_forwarded')), quiet.totals.frames_forwarded);
  const forwarded = Number(info.get('kv_commands_forwarded')) - quiet.totals.commands_forwarded;
  assert.ok(forwarded === 0 || forwarded === 1, 'INFO itself may be counted as forwarded already');

  // The latency histogram holds one more answer (STATS); INFO is still running.
  const duration = pairs(info.get('command_duration_usec')!);
  assert.is(duration.get('count'), quiet.command_duration_seconds.count + 1);
  assert.is(duration.get('le_inf'), duration.get('count'));
  const usecBounds = [...duration.keys()].filter((k) => k.startsWith('le_') && k !== 'le_inf');
  assert.is(usecBounds.length, quiet.command_duration_seconds.buckets.length - 1);
  usecBounds.forEach((k, i) => {
    assert.is(Number(k.slice(3)) / 1e6, Number(quiet.command_duration_seconds.buckets[i].le), k);
    const more = duration.get(k)! - quiet.command_duration_seconds.buckets[i].count;
    assert.ok(more === 0 || more === 1, `${k}: ${more} more`);
  });
  const frames = pairs(info.get('ipc_frame_commands')!);
  quiet.ipc_frame_commands.buckets.forEach((b, i) => assert.is(frames.get(b.le === '+Inf' ? 'le_inf' : `le_${b.le}`), b.count, `frames le ${b.le}`));
  assert.is(frames.get('sum'), quiet.ipc_frame_commands.sum);
});

t('/stats afterwards has STATS and INFO answered and timed', async () => {
  const after = await getStats();
  assert.is(calls(after.commandstats, 'stats', 'text'), 1);
  assert.is(calls(after.commandstats, 'info', 'resp'), 1);
  assert.is(after.command_duration_seconds.count, quiet.command_duration_seconds.count + 2);
});

t('the password never appears in /metrics, /stats, INFO, STATS or the logs (debug level)', async () => {
  const outputs = [
    await get('/metrics'),
    await get('/stats'),
    (await resp.call('INFO', 'everything')) as string,
    JSON.stringify([...(await stats(text)).entries()]),
    JSON.stringify(cluster.logs),
    cluster.stderr.join(''),
  ];
  assert.ok(cluster.logs.some((l) => l.level === 'debug'), 'debug lines were logged');
  for (const output of outputs) assert.not.ok(output.includes(PASSWORD), output.slice(0, 200));
  text.close();
  resp.close();
});

t.run();
