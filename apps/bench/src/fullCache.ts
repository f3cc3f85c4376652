import type { BenchOptions } from './cli';
import { decimal, integer } from './format';
import { mib, parseInfo, respCommand } from './memory';
import { cpuSecondsOf, processTree, treeRss } from './procstat';
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
  /** kv only: GC time and longest pause over the run, and the workers' CPU meanwhile. */
  gcSeconds: number | null;
  gcMaxPause: number | null;
  cpuSeconds: number;
}

async function info(server: StartedServer): Promise<Map<string, string>> {
  return parseInfo(await respCommand(server.endpoint, ['INFO', 'memory']));
}

async function measure(start: () => Promise<StartedServer>, keys: number, options: BenchOptions, log: (line: string) => void): Promise<Row> {
  const server = await start();
  try {
    const rssEmpty = treeRss(server.pid).total;
    const before = await info(server);
    const cpuBefore = cpuSecondsOf(processTree(server.pid));
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
    const result = await runBench(spec, { label: server.label, endpoint: server.endpoint, serverPid: server.pid });
    const rssFull = treeRss(server.pid).total;
    const after = await info(server);
    const gc = (m: Map<string, string>, f: string) => (m.has(f) ? Number(m.get(f)) : null);
    const gcBefore = gc(before, 'kv_gc_seconds');
    const gcAfter = gc(after, 'kv_gc_seconds');
    return {
      server: server.label,
      keys,
      result,
      rssEmpty,
      rssFull,
      gcSeconds: gcBefore === null || gcAfter === null ? null : gcAfter - gcBefore,
      gcMaxPause: gc(after, 'kv_gc_max_pause_seconds'),
      cpuSeconds: cpuSecondsOf(processTree(server.pid)) - cpuBefore,
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
    '| server | keys | ops/s | ops per server CPU-second | p99.9 | slowest | RSS full | RSS bytes per key | GC (share of CPU, longest pause) |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --- |',
  ];
  for (const r of rows) {
    const perKey = (r.rssFull - r.rssEmpty) / r.keys;
    const gc = r.gcSeconds === null ? 'n/a' : `${decimal((100 * r.gcSeconds) / r.cpuSeconds, 2)}%, ${decimal((r.gcMaxPause ?? 0) * 1000, 1)} ms`;
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
