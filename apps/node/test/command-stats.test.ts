import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, OutBuffer, replyCounts, RESP_REPLIES } from '@kv/wire';
import { CommandStats, DURATION_BUCKETS, FRAME_BUCKETS, Histogram, statIndex, UNKNOWN_OPCODE } from '../src/figures/command-stats';
import { commandNamed } from '../src/commands/table';
import { info, type ProcessStats } from '../src/commands/info';
import { mergeInfo } from '../src/commands/info-merge';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';

const histogram = suite('node:histogram');

histogram('a value equal to a bound counts in that bucket (le), above every bound in +Inf; counts are cumulative', () => {
  const h = new Histogram([1, 2, 4]);
  for (const v of [0, 1, 1.5, 2, 3, 4, 5, 100]) h.observe(v);
  assert.equal(h.snapshot(), {
    buckets: [
      { le: '1', count: 2 },
      { le: '2', count: 4 },
      { le: '4', count: 6 },
      { le: '+Inf', count: 8 },
    ],
    sum: 116.5,
    count: 8,
  });
});

histogram('the fixed buckets: 1-2.5-5 per decade from 1 us to 10 s, powers of two to 1024 commands', () => {
  assert.is(DURATION_BUCKETS.length, 22);
  assert.equal(DURATION_BUCKETS.slice(0, 4).map(String), ['0.000001', '0.0000025', '0.000005', '0.00001']);
  assert.is(DURATION_BUCKETS[DURATION_BUCKETS.length - 1], 10);
  for (let i = 1; i < DURATION_BUCKETS.length; i++) assert.ok(DURATION_BUCKETS[i] > DURATION_BUCKETS[i - 1]);
  assert.equal(FRAME_BUCKETS, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
});

histogram.run();

const commands = suite('node:command-stats');
const GET = commandNamed('GET').opcode;
const SET = commandNamed('SET').opcode;
const GETSET = commandNamed('GETSET').opcode;

commands('rows name each command and protocol called, in table order, with calls and seconds', () => {
  const stats = new CommandStats();
  stats.calls[statIndex(SET, true)] += 2;
  stats.done(statIndex(SET, true), 0.5);
  stats.done(statIndex(SET, true), 1.5);
  stats.calls[statIndex(GET, false)]++;
  stats.done(statIndex(GET, false), 0.004);
  stats.calls[statIndex(UNKNOWN_OPCODE, false)]++;
  assert.equal(stats.rows(), [
    { command: 'unknown', protocol: 'text', calls: 1, seconds: 0 },
    { command: 'get', protocol: 'text', calls: 1, seconds: 0.004 / 1000 },
    { command: 'set', protocol: 'resp', calls: 2, seconds: 0.002 },
  ]);
  assert.is(stats.duration.count, 3);
  assert.is(stats.duration.snapshot().buckets.find((b) => b.le === '0.000005')!.count, 1, '4 us');
});

commands.run();

const merge = suite('node:INFO commandstats and histograms');

/** INFO `args` on a ShardSet whose process figures are `stats`. */
function infoOf(stats: CommandStats, ...args: string[]): string {
  const frames = new Histogram(FRAME_BUCKETS);
  frames.observe(3);
  const processStats = (): ProcessStats => ({
    port: 7171,
    limits: { maxmemory: 1 << 20, restarts: 0, maxclientsTotal: 100 },
    workers: 2,
    mapVersion: 0,
    commands: 0,
    local: 0,
    refused: 0,
    outputLimitClosed: 0,
    queryLimitClosed: 0,
    authFailures: 1,
    net: { input: 0, output: 0 },
    totalConnections: 0,
    conns: { size: 0 },
    commandStats: stats,
    peers: { forwarded: 0, framesSent: () => 1, frameCommands: frames },
    node: { servedForPeers: 0, peerFrames: 0, arenaBytes: 0 },
    sampled: { opsPerSecond: () => 0, memoryPeak: () => 0 },
    scripts: { figures: { count: 0, bytes: 0, vmBytes: 0, evicted: 0 } },
    eventLoopDelay: () => ({ count: 0, min: 0, mean: 0, max: 0, p50: 0, p90: 0, p99: 0 }),
  });
  const shards = new ShardSet([0], 1 << 20, 'allkeys-lru', { processStats });
  let text = '';
  info(shards, argsOf(['INFO', ...args]), new ReplyTo((_kind, payload) => (text = payload)));
  return text;
}

merge('two workers merge: calls and usec summed, usec_per_call worked out again, never-called commands left out', () => {
  const a = new CommandStats();
  a.calls[statIndex(GET, false)] += 3;
  a.seconds[statIndex(GET, false)] = 0.000_030;
  const b = new CommandStats();
  b.calls[statIndex(GET, true)] += 1;
  b.seconds[statIndex(GET, true)] = 0.000_010;
  b.calls[statIndex(SET, true)] += 2;
  b.seconds[statIndex(SET, true)] = 0.000_005;
  b.failed[statIndex(SET, true)] += 1;
  // Refused before it ran on both: not a call, still shown (Redis 7's rejected_calls).
  for (const s of [a, b]) {
    s.calls[statIndex(GETSET, true)]++;
    s.reject(statIndex(GETSET, true));
  }
  const merged = mergeInfo([infoOf(a, 'commandstats'), infoOf(b, 'commandstats')]);
  assert.is(
    merged,
    [
      '# Commandstats',
      'cmdstat_get:calls=4,usec=40,usec_per_call=10.00,text_calls=3,resp_calls=1,rejected_calls=0,failed_calls=0',
      'cmdstat_set:calls=2,usec=5,usec_per_call=2.50,text_calls=0,resp_calls=2,rejected_calls=0,failed_calls=1',
      'cmdstat_getset:calls=0,usec=0,usec_per_call=0.00,text_calls=0,resp_calls=0,rejected_calls=2,failed_calls=0',
      '',
    ].join('\r\n'),
  );
});

merge('errorstats: each worker\'s codes, summed, every code once and sorted; in the default INFO', () => {
  const out = new OutBuffer(64);
  replyCounts.reset();
  RESP_REPLIES.error(out, 'WRONGTYPE x');
  RESP_REPLIES.error(out, 'ERR x');
  const a = infoOf(new CommandStats(), 'errorstats');
  replyCounts.reset();
  RESP_REPLIES.error(out, 'NOSCRIPT x');
  RESP_REPLIES.error(out, 'ERR y');
  const b = infoOf(new CommandStats(), 'default');
  replyCounts.reset();
  const merged = mergeInfo([a, b.slice(b.indexOf('# Errorstats'), b.indexOf('# Cluster') - 2)]);
  assert.is(merged, ['# Errorstats', 'errorstat_ERR:count=2', 'errorstat_NOSCRIPT:count=1', 'errorstat_WRONGTYPE:count=1', ''].join('\r\n'));
});

merge('histograms are summed bucket by bucket; both extra sections stay out of the default INFO', () => {
  const a = new CommandStats();
  a.done(statIndex(GET, false), 0.002);
  const b = new CommandStats();
  b.done(statIndex(GET, false), 3);
  const fields = new Map(mergeInfo([infoOf(a, 'histograms'), infoOf(b, 'histograms')]).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
  const duration = new Map(fields.get('command_duration_usec')!.split(',').map((p) => p.split('=') as [string, string]));
  assert.is(duration.get('le_1'), '0');
  assert.is(duration.get('le_2.5'), '1', '2 us');
  assert.is(duration.get('le_2500'), '1');
  assert.is(duration.get('le_5000'), '2', '3 ms');
  assert.is(duration.get('le_inf'), '2');
  assert.is(duration.get('sum'), '3002');
  assert.is(fields.get('ipc_frame_commands'), 'le_1=0,le_2=0,le_4=2,le_8=2,le_16=2,le_32=2,le_64=2,le_128=2,le_256=2,le_512=2,le_1024=2,le_inf=2,sum=6,count=2');
  const plain = infoOf(a);
  assert.not.ok(plain.includes('# Commandstats') || plain.includes('# Histograms'));
  assert.ok(plain.includes('acl_access_denied_auth:1'));
  assert.ok(infoOf(a, 'all').includes('# Histograms'));
});

merge('latencystats: the workers\' buckets summed, then percentiles of the sum; off on a worker: none from it; no percentiles: an empty line', () => {
  const a = new CommandStats();
  for (let i = 0; i < 10; i++) a.done(statIndex(GET, false), 0.002);
  const b = new CommandStats();
  b.done(statIndex(GET, true), 3);
  b.done(statIndex(SET, true), 1);
  a.latency.percentiles = b.latency.percentiles = [0, 50, 100];
  const merged = mergeInfo([infoOf(a, 'latencystats'), infoOf(b, 'latencystats')]);
  const lines = merged.split('\r\n');
  assert.is(lines[0], '# Latencystats');
  assert.match(lines[1], /^latency_percentiles_usec_get:p0=2\.0\d\d,p50=2\.0\d\d,p100=30\d\d\.\d\d\d$/);
  assert.match(lines[2], /^latency_percentiles_usec_set:p0=10\d\d\.\d{3},p50=10\d\d\.\d{3},p100=10\d\d\.\d{3}$/);
  assert.is(lines.length, 4);
  b.latency.tracking = false;
  assert.match(mergeInfo([infoOf(a, 'latencystats'), infoOf(b, 'latencystats')]), /^# Latencystats\r\nlatency_percentiles_usec_get:p0=2\.0\d\d,p50=2\.0\d\d,p100=2\.0\d\d\r\n$/);
  a.latency.tracking = false;
  assert.is(mergeInfo([infoOf(a, 'latencystats'), infoOf(b, 'latencystats')]), '# Latencystats\r\n');
  a.latency.tracking = true;
  a.latency.percentiles = [];
  assert.is(mergeInfo([infoOf(a, 'latencystats')]), '# Latencystats\r\nlatency_percentiles_usec_get:\r\n');
  a.reset();
  assert.is(mergeInfo([infoOf(a, 'latencystats')]), '# Latencystats\r\n');
  assert.not.ok(infoOf(a).includes('# Latencystats'));
});

merge.run();
