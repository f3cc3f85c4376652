import { spawnSync } from 'node:child_process';
import type { BenchOptions } from './cli';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/** One redis-benchmark test's figures. */
export interface BenchmarkRow {
  test: string;
  rps: number;
  p50ms: number;
  p99ms: number;
}

const ARGS = ['-t', 'set,get', '-c', '50', '-P', '16', '-n', '1000000', '--csv'];

/**
 * redis-benchmark (Redis's own load generator, in C) against kv and against redis-server on the
 * same machine, one after the other in one run, reported side by side with kv / redis ratios.
 */
export async function runRedisBenchmark(options: BenchOptions): Promise<number> {
  const redisServer = findRedisServer();
  if (redisServer === null || spawnSync('sh', ['-c', 'command -v redis-benchmark']).status !== 0) {
    process.stderr.write('bench: redis-server and redis-benchmark are needed (Debian: redis-server redis-tools)\n');
    return 2;
  }
  const kv = await measure(await startKvServer(options.kvMain, options.workers, options.maxmemory));
  const redis = await measure(await startRedisServer(redisServer));
  const lines = [
    `redis-benchmark ${ARGS.join(' ')}, kv with ${options.workers} workers, same machine, one run:`,
    '',
    '| test | kv requests/s | redis-server requests/s | kv / redis | kv p50 ms | redis p50 ms | kv p99 ms | redis p99 ms |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of kv) {
    const ref = redis.find((r) => r.test === row.test);
    if (ref === undefined) continue;
    lines.push(
      `| ${row.test} | ${Math.round(row.rps).toLocaleString('en-US')} | ${Math.round(ref.rps).toLocaleString('en-US')} | ${(row.rps / ref.rps).toFixed(2)}x | ${row.p50ms} | ${ref.p50ms} | ${row.p99ms} | ${ref.p99ms} |`,
    );
  }
  console.log(lines.join('\n'));
  return kv.length === 2 && redis.length === 2 ? 0 : 1;
}

async function measure(server: StartedServer): Promise<BenchmarkRow[]> {
  try {
    const run = spawnSync('redis-benchmark', ['-h', server.endpoint.host, '-p', String(server.endpoint.port), ...ARGS], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`redis-benchmark failed against ${server.label}: ${run.stderr}`);
    return parseCsv(run.stdout);
  } finally {
    await server.stop();
  }
}

/** redis-benchmark --csv: a header line, then "test","rps","avg","min","p50","p95","p99","max". */
export function parseCsv(text: string): BenchmarkRow[] {
  const rows: BenchmarkRow[] = [];
  const lines = text.trim().split('\n');
  const header = lines[0].split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string) => header.indexOf(name);
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    rows.push({ test: cells[0], rps: Number(cells[col('rps')]), p50ms: Number(cells[col('p50_latency_ms')]), p99ms: Number(cells[col('p99_latency_ms')]) });
  }
  return rows;
}
