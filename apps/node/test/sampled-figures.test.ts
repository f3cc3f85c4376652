import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lru } from '@kv/lru';
import { del, memStore, put, setExpiry } from './store';
import { argsOf } from '@kv/wire';
import { avgTtlSeconds, sampleTtls } from '../src/figures/avg-ttl';
import { InstantRate, SampledFigures } from '../src/figures/sampled';
import { info, type ProcessStats } from '../src/commands/info';
import { sumPairs } from '../src/commands/info-format';
import { mergeInfo } from '../src/commands/info-merge';
import { CommandStats, FRAME_BUCKETS, Histogram } from '../src/figures/command-stats';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';

const rate = suite('node:instantaneous rate (Redis instantaneous_ops_per_sec)');

rate('the mean of the last 16 rates sampled, in per second', () => {
  const r = new InstantRate();
  r.sample(0, 0);
  assert.is(r.perSecond(), 0, 'one sample is no rate yet');
  r.sample(100, 100);
  assert.is(r.perSecond(), Math.round(1000 / 16), 'one rate of 1000/s among 16 slots');
  for (let i = 2; i <= 16; i++) r.sample(i * 100, i * 100);
  assert.is(r.perSecond(), 1000, '16 rates of 1000/s');
  // Idle for 16 samples: the rate falls to 0.
  for (let i = 17; i <= 32; i++) r.sample(1600, i * 100);
  assert.is(r.perSecond(), 0);
});

const ttl = suite('node:avg_ttl estimate');

function storeWith(now: number, ttls: { seconds: number; count: number }[], plain: number): Lru {
  const store = memStore(1 << 24);
  let n = 0;
  for (const { seconds, count } of ttls) for (let i = 0; i < count; i++) put(store, `ttl:${n++}`, 'v', now + seconds * 1000);
  for (let i = 0; i < plain; i++) put(store, `plain:${i}`, 'v');
  return store;
}

ttl('the first look sets it to the mean TTL of the keys it found; later ones move it 1/50 of the way', () => {
  // The store reads the clock itself (a key past its time is gone), so now is now.
  const now = Date.now();
  const store = storeWith(now, [{ seconds: 100, count: 5 }, { seconds: 300, count: 5 }], 10);
  assert.is(avgTtlSeconds(store), 0, 'no look yet');
  sampleTtls(store, now);
  assert.is(avgTtlSeconds(store), 200);
  // 50 s later every TTL would be 50 s less: the mean looked at is 150 s.
  sampleTtls(store, now + 50_000);
  assert.ok(Math.abs(avgTtlSeconds(store) - (200 * 49 + 150) / 50) < 1e-9, String(avgTtlSeconds(store)));
});

ttl('keys without a TTL are passed over; a sparse TTL is found within a few looks', () => {
  const now = Date.now();
  const store = storeWith(now, [], 2000);
  put(store, 'the-one', 'v', now + 60_000);
  let looks = 0;
  while (avgTtlSeconds(store) === 0 && looks < 100) sampleTtls(store, now + looks++);
  assert.ok(looks < 100, 'found');
  assert.ok(Math.abs(avgTtlSeconds(store) - 60) < 0.2, String(avgTtlSeconds(store)));
});

ttl('0 when the store has no key with a TTL (the estimate is dropped)', () => {
  const now = Date.now();
  const store = storeWith(now, [{ seconds: 100, count: 3 }], 0);
  sampleTtls(store, now);
  assert.ok(avgTtlSeconds(store) > 0);
  for (let i = 0; i < 3; i++) setExpiry(store, `ttl:${i}`, 0);
  sampleTtls(store, now);
  assert.is(avgTtlSeconds(store), 0);
  setExpiry(store, 'ttl:0', now + 10_000);
  assert.is(avgTtlSeconds(store), 0, 'not the old estimate');
  sampleTtls(store, now);
  assert.is(avgTtlSeconds(store), 10);
});

const merge = suite('node:INFO memory, clients and keyspace fields');

/** INFO `args` of a ShardSet, with made-up process figures (and its sampler, kept across calls). */
const samplers = new WeakMap<ShardSet, SampledFigures>();
function infoOf(shards: ShardSet, ...args: string[]): string {
  let text = '';
  info(shards, argsOf(['INFO', ...args]), new ReplyTo((_kind, payload) => (text = payload)));
  return text;
}

/** A ShardSet whose process figures are made up (its sampler kept across calls). */
function shardSet(owned: number[], maxmemory: number): ShardSet {
  const shards: ShardSet = new ShardSet(owned, maxmemory, 'allkeys-lru', { processStats: () => processStats(shards) });
  return shards;
}

function processStats(shards: ShardSet): ProcessStats {
  if (!samplers.has(shards)) samplers.set(shards, new SampledFigures(shards));
  return {
    port: 7171,
    limits: { maxmemory: 1 << 24, restarts: 0, maxclientsTotal: 10000 },
    workers: 2,
    mapVersion: 0,
    commands: 0,
    local: 0,
    refused: 0,
    outputLimitClosed: 0,
    queryLimitClosed: 0,
    authFailures: 0,
    net: { input: 10, output: 20 },
    totalConnections: 0,
    conns: { size: 0 },
    commandStats: new CommandStats(),
    peers: { forwarded: 0, framesSent: () => 0, frameCommands: new Histogram(FRAME_BUCKETS) },
    node: { servedForPeers: 0, peerFrames: 0, arenaBytes: 0 },
    sampled: samplers.get(shards)!,
    scripts: { figures: { count: 0, bytes: 0, vmBytes: 0, evicted: 0 } },
    eventLoopDelay: () => ({ count: 0, min: 0, mean: 0, max: 0, p50: 0, p90: 0, p99: 0 }),
  };
}

const fields = (text: string) => new Map(text.split('\r\n').filter((l) => l.includes(':') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));

merge('used_memory is the bytes charged over the shards (what eviction compares with maxmemory); RSS is used_memory_rss', () => {
  const shards = shardSet([0, 1], 1 << 24);
  put(shards.store(0)!, 'a', 'x'.repeat(100));
  put(shards.store(1)!, 'b', 'y'.repeat(50), Date.now() + 100_000);
  const f = fields(infoOf(shards, 'memory', 'clients', 'stats'));
  const bytes = shards.totals().bytes;
  assert.ok(bytes > 150);
  assert.is(f.get('used_memory'), String(bytes));
  assert.is(f.get('used_memory_dataset'), String(bytes));
  assert.is(f.get('used_memory_peak'), String(bytes));
  assert.ok(Number(f.get('used_memory_rss')) > 10 * bytes, 'RSS is the process, far more');
  assert.is(f.get('mem_fragmentation_ratio'), (Number(f.get('used_memory_rss')) / bytes).toFixed(2));
  assert.is(f.get('maxmemory'), String(1 << 24));
  assert.is(f.get('maxclients'), '10000');
  assert.is(f.get('total_net_input_bytes'), '10');
  assert.is(f.get('total_net_output_bytes'), '20');
  assert.ok(f.has('instantaneous_ops_per_sec') && f.has('total_error_replies'));
  // The peak stays when the data goes.
  del(shards.store(0)!, 'a');
  const after = fields(infoOf(shards, 'memory'));
  assert.is(after.get('used_memory_peak'), String(bytes));
  assert.ok(Number(after.get('used_memory')) < bytes);
});

merge("workers merge: used_memory and RSS summed, the ratio worked out from the sums, avg_ttl averaged by each worker's keys with a TTL", () => {
  const worker = (used: number, rss: number, db0: string) =>
    ['# Memory', `used_memory:${used}`, `used_memory_human:${used}B`, `used_memory_rss:${rss}`, `used_memory_rss_human:${rss}B`, `mem_fragmentation_ratio:${(rss / used).toFixed(2)}`, '', '# Keyspace', `db0:${db0}`, ''].join('\r\n');
  const merged = fields(mergeInfo([worker(100, 1000, 'keys=3,expires=1,avg_ttl=1000'), worker(300, 1000, 'keys=5,expires=3,avg_ttl=2000'), worker(100, 500, 'keys=2,expires=0,avg_ttl=0')]));
  assert.is(merged.get('used_memory'), '500');
  assert.is(merged.get('used_memory_human'), '500B');
  assert.is(merged.get('used_memory_rss'), '2500');
  assert.is(merged.get('mem_fragmentation_ratio'), '5.00');
  assert.is(merged.get('db0'), 'keys=10,expires=4,avg_ttl=1750');
  assert.equal([...sumPairs(['keys=1,expires=0,avg_ttl=0'], { avg_ttl: 'expires' })], [['keys', 1], ['expires', 0], ['avg_ttl', 0]]);
});

merge('db0 reports avg_ttl in ms from the estimate, averaged over the shards by their keys with a TTL', () => {
  const now = Date.now();
  const shards = shardSet([0, 1], 1 << 24);
  for (let i = 0; i < 3; i++) put(shards.store(0)!, `a${i}`, 'v', now + 100_000);
  put(shards.store(1)!, 'b', 'v', now + 500_000);
  new SampledFigures(shards).sample(0, now);
  const db0 = fields(infoOf(shards, 'keyspace')).get('db0')!;
  const avg = Number(/avg_ttl=(\d+)/.exec(db0)![1]);
  assert.match(db0, /^keys=4,expires=4,avg_ttl=\d+$/);
  assert.ok(Math.abs(avg - 200_000) <= 5, `${db0}: (3 x 100 s + 500 s) / 4`);
});

rate.run();
ttl.run();
merge.run();
