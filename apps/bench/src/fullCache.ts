import type { BenchOptions } from './cli';
import { decimal, integer } from './format';
import { mib, parseInfo, respCommand } from './memory';
import { treeRss } from './procstat';
import { runBench, type RunResult, type RunSpec } from './run';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * --full-cache: issue 19's table. Each server is started fresh, filled with every key once
 * (200-byte values), then loaded for --duration seconds by 50 connections, one request in flight
 * each, half writes, over all its keys: once with 3,000,000 keys (a full cache) and once with
 * 100,000. Prints throughput, ops per server CPU-second, p99.9, the slowest reply, RSS full and
 * RSS per key, kv's garbage collections over the whole run (from INFO: kv_gc_seconds and
 * kv_gc_max_pause_seconds), and the ratios the targets compare.
 */

const FULL_KEYS = 3_000_000;
const SMALL_KEYS = 100_000;
const VALUE_SIZE = 200;

interface Row {
  server: string;
  keys: number;
  result: RunResult;
  rssEmpty: number;
  rssFull: number;
  /** kv only, over the measured window: GC time, GC pauses (a bound on the longest), and the server's CPU. */
  gcSeconds: number | null;
  gcPauses: number | null;
  gcLongest: string | null;
  cpuSeconds: number;
}

async function info(server: StartedServer): Promise<Map<string, string>> {
  return parseInfo(await respCommand(server.endpoint, ['INFO', 'memory', 'histograms']));
}

/** kv_gc_pause_usec's cumulative counts by bound (`le_<us>` -> count), summed over the workers. */
function pauseCounts(m: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const pair of (m.get('kv_gc_pause_usec') ?? '').split(',')) {
    const [le, n] = pair.split('=');
    if (le.startsWith('le_')) out.set(le.slice(3), Number(n));
  }
  return out;
}

/** The smallest bound that every pause in the window was under, as text (`<= 2.5 ms`). */
function longestBound(before: Map<string, number>, after: Map<string, number>): string {
  const total = (after.get('inf') ?? 0) - (before.get('inf') ?? 0);
  if (total === 0) return 'none';
  for (const [le, n] of after) {
    if (le === 'inf') continue;
    if (n - (before.get(le) ?? 0) === total) return `<= ${decimal(Number(le) / 1000, Number(le) < 1000 ? 3 : 1)} ms`;
  }
  return '> 10 s';
}

async function measure(start: () => Promise<StartedServer>, keys: number, options: BenchOptions, log: (line: string) => void): Promise<Row> {
  const server = await start();
  try {
    const rssEmpty = treeRss(server.pid).total;
    let before = new Map<string, string>();
    let after = new Map<string, string>();
    const spec: RunSpec = {
      proto: 'resp',
      connections: 50,
      pipeline: 1,
      getRatio: 0.5,
      keys,
      valueSize: VALUE_SIZE,
      durationSeconds: options.given.has('duration') ? options.duration : 15,
      warmupSeconds: 2,
      prefill: true,
      locality: 'any',
    };
    log(`${server.label}: ${integer(keys)} keys of ${VALUE_SIZE} bytes, prefill then ${spec.durationSeconds} s of load`);
    const hooks = {
      atStart: async () => void (before = await info(server)),
      atEnd: async () => void (after = await info(server)),
    };
    const result = await runBench(spec, { label: server.label, endpoint: server.endpoint, serverPid: server.pid }, hooks);
    const rssFull = treeRss(server.pid).total;
    const gc = (m: Map<string, string>, f: string) => (m.has(f) ? Number(m.get(f)) : null);
    const gcBefore = gc(before, 'kv_gc_seconds');
    const gcAfter = gc(after, 'kv_gc_seconds');
    const kv = gcBefore !== null && gcAfter !== null;
    const pausesBefore = pauseCounts(before);
    const pausesAfter = pauseCounts(after);
    return {
      server: server.label,
      keys,
      result,
      rssEmpty,
      rssFull,
      gcSeconds: kv ? gcAfter - gcBefore : null,
      gcPauses: kv ? (pausesAfter.get('inf') ?? 0) - (pausesBefore.get('inf') ?? 0) : null,
      gcLongest: kv ? longestBound(pausesBefore, pausesAfter) : null,
      cpuSeconds: result.serverCpuSeconds ?? 0,
    };
  } finally {
    await server.stop();
  }
}

export async function runFullCache(options: BenchOptions, log: (line: string) => void): Promise<number> {
  const starts: [string, () => Promise<StartedServer>][] = [];
  const redis = findRedisServer();
  if (redis !== null) starts.push(['redis', () => startRedisServer(redis)]);
  else log('redis-server is not installed: no reference row');
  for (const workers of [2, 1]) starts.push([`kv${workers}`, () => startKvServer(options.kvMain, workers, options.maxmemory)]);
  const rows: Row[] = [];
  for (const [, start] of starts) for (const keys of [FULL_KEYS, SMALL_KEYS]) rows.push(await measure(start, keys, options, log));
  console.log(formatFullCache(rows));
  return rows.some((r) => r.result.errors.total > 0) ? 1 : 0;
}

function formatFullCache(rows: Row[]): string {
  const lines = [
    `Full cache: ${integer(FULL_KEYS)} keys (and ${integer(SMALL_KEYS)}) of ${VALUE_SIZE}-byte values, written first, then closed-loop RESP load (50 connections, 1 in flight, 50% SET) over them.`,
    '',
    '| server | keys | ops/s | ops per server CPU-second | p99.9 | slowest | RSS full | RSS bytes per key | GC in the window: share of server CPU, pauses, longest |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --- |',
  ];
  for (const r of rows) {
    const perKey = (r.rssFull - r.rssEmpty) / r.keys;
    const gc = r.gcSeconds === null ? 'n/a' : `${decimal((100 * r.gcSeconds) / r.cpuSeconds, 2)}%, ${integer(r.gcPauses ?? 0)}, ${r.gcLongest}`;
    lines.push(
      `| ${r.server} | ${integer(r.keys)} | ${integer(r.result.opsPerSecond)} | ${r.result.opsPerServerCpuSecond === null ? 'n/a' : integer(r.result.opsPerServerCpuSecond)} | ${decimal(r.result.latencyUs.p999 / 1000, 2)} ms | ${decimal(r.result.latencyUs.max / 1000, 1)} ms | ${mib(r.rssFull)} | ${decimal(perKey, 0)} | ${gc} |`,
    );
  }
  const find = (prefix: string, keys: number) => rows.find((r) => r.server.startsWith(prefix) && r.keys === keys);
  const drop = (prefix: string) => {
    const full = find(prefix, FULL_KEYS);
    const small = find(prefix, SMALL_KEYS);
    return full && small ? 1 - full.result.opsPerSecond / small.result.opsPerSecond : null;
  };
  const redisDrop = drop('redis');
  lines.push('');
  for (const prefix of ['kv (2', 'kv (1']) {
    const d = drop(prefix);
    const full = find(prefix, FULL_KEYS);
    const redisFull = find('redis', FULL_KEYS);
    if (d === null || full === undefined) continue;
    const parts = [`${full.server}: throughput drop full vs ${integer(SMALL_KEYS)} keys ${decimal(100 * d, 1)}%`];
    if (redisDrop !== null) parts.push(`redis-server's ${decimal(100 * redisDrop, 1)}% (target: no more)`);
    if (redisFull !== undefined) {
      parts.push(`p99.9 ${decimal(full.result.latencyUs.p999 / redisFull.result.latencyUs.p999, 2)}x redis-server's (target <= 2x)`);
      parts.push(`RSS per key ${decimal((full.rssFull - full.rssEmpty) / (redisFull.rssFull - redisFull.rssEmpty), 2)}x (target <= 1.0x)`);
    }
    lines.push(`- ${parts.join('; ')}.`);
  }
  return lines.join('\n');
}
