import type { BenchOptions } from './cli';
import { loadAverage, runLoop, type LoopResult } from './closedLoop';
import { decimal, integer } from './format';
import { prepareProcStat } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * --types (issue 22): throughput of the collection types beside redis-server. 50 RESP2
 * connections, 16 commands in flight each, half a write and half a read of one type over 1,000
 * keys of it (SET/GET first as the reference), on kv and redis-server in one run. The warm-up
 * fills the keys; lists stay short (as many RPOP as LPUSH), sets and sorted sets hold up to 100
 * members, hashes 16 fields, streams grow for the whole row (XADD without MAXLEN).
 */
const CONNECTIONS = 50;
const PIPELINE = 16;
const KEYS = 1000;
const VALUE = 'v'.repeat(16);

const pick = (n: number): number => Math.floor(Math.random() * n);

interface Row {
  name: string;
  write: () => string[];
  read: () => string[];
}

const ROWS: Row[] = [
  { name: 'SET / GET (reference)', write: () => ['SET', `str:${pick(KEYS)}`, VALUE], read: () => ['GET', `str:${pick(KEYS)}`] },
  { name: 'LPUSH / RPOP', write: () => ['LPUSH', `list:${pick(KEYS)}`, VALUE], read: () => ['RPOP', `list:${pick(KEYS)}`] },
  { name: 'SADD / SISMEMBER', write: () => ['SADD', `set:${pick(KEYS)}`, `m:${pick(100)}`], read: () => ['SISMEMBER', `set:${pick(KEYS)}`, `m:${pick(100)}`] },
  { name: 'ZADD / ZRANGE 0 9', write: () => ['ZADD', `zset:${pick(KEYS)}`, String(pick(10_000)), `m:${pick(100)}`], read: () => ['ZRANGE', `zset:${pick(KEYS)}`, '0', '9'] },
  { name: 'HSET / HGET (16 fields)', write: () => ['HSET', `hash:${pick(KEYS)}`, `f:${pick(16)}`, VALUE], read: () => ['HGET', `hash:${pick(KEYS)}`, `f:${pick(16)}`] },
  { name: 'XADD / XRANGE COUNT 10', write: () => ['XADD', `stream:${pick(KEYS)}`, '*', 'f', VALUE], read: () => ['XRANGE', `stream:${pick(KEYS)}`, '-', '+', 'COUNT', '10'] },
];

export async function runTypes(options: BenchOptions): Promise<number> {
  prepareProcStat();
  const seconds = Math.min(options.duration, 6);
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory)];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer));
  const loadStart = loadAverage();
  const results: { label: string; row: Row; result: LoopResult }[] = [];
  for (const start of targets) {
    const server = await start();
    try {
      for (const row of ROWS) {
        process.stderr.write(`types: ${server.label}, ${row.name}\n`);
        const result = await runLoop(server.endpoint, server.pid, {
          connections: CONNECTIONS,
          pipeline: PIPELINE,
          setup: () => [],
          command: () => (Math.random() < 0.5 ? row.write() : row.read()),
          warmupSeconds: options.warmup,
          seconds,
        });
        results.push({ label: server.label, row, result });
      }
    } finally {
      await server.stop();
    }
  }
  const redisLabel = results[results.length - 1].label;
  const lines = [
    `Types: ${CONNECTIONS} connections x ${PIPELINE} in flight, 50% write / 50% read over ${integer(KEYS)} keys per row, ${seconds} s per row; kv with ${options.workers} workers; one run`,
    `load average at start: ${loadStart}; at end: ${loadAverage()}`,
    '',
    '| commands | server | ops/s | server CPU µs/op | ops/s vs redis-server | CPU/op vs redis-server |',
    '|---|---|--:|--:|--:|--:|',
  ];
  let failed = false;
  for (const row of ROWS) {
    const redis = results.find((r) => r.row === row && r.label === redisLabel)!.result;
    for (const { label, result: r } of results.filter((x) => x.row === row)) {
      if (r.errors > 0 || r.ops === 0) failed = true;
      const versus = label === redisLabel ? '| 1.00x | 1.00x |' : `| ${decimal(r.opsPerSecond / redis.opsPerSecond, 2)}x | ${decimal(r.cpuUsPerOp / redis.cpuUsPerOp, 2)}x |`;
      lines.push(`| ${row.name} | ${label} | ${integer(r.opsPerSecond)} | ${decimal(r.cpuUsPerOp, 2)} ${versus}${r.errors > 0 ? ` ${r.errors} errors: ${r.firstError}` : ''}`);
    }
  }
  console.log(lines.join('\n'));
  return failed ? 1 : 0;
}
