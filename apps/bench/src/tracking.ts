import type { BenchOptions } from './cli';
import { loadAverage, runLoop, sendAll, type LoopResult } from './closedLoop';
import { decimal, integer } from './format';
import { prepareProcStat } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * --tracking (issue 23): what client-side caching costs a plain GET. 50 RESP3 connections, one
 * command in flight each, 90% GET and 10% SET over 10,000 keys (all written first), on kv and
 * redis-server in one run: no tracking, then every client with CLIENT TRACKING ON (default mode:
 * a key read is remembered for the reader, a SET of it pushes `invalidate` to every reader since
 * its last invalidation), then CLIENT TRACKING ON BCAST PREFIX user: (every SET pushes to all 50).
 * Clients read and drop the pushes. Ops/s and server CPU per op, and each tracked row against its
 * server's untracked row.
 */
const CONNECTIONS = 50;
const KEYS = 10_000;
const SET_SHARE = 0.1;
const VALUE = 'v'.repeat(32);

interface Mode {
  name: string;
  tracking: string[] | null;
}

const MODES: Mode[] = [
  { name: 'no tracking', tracking: null },
  { name: 'CLIENT TRACKING ON', tracking: ['CLIENT', 'TRACKING', 'ON'] },
  { name: 'CLIENT TRACKING ON BCAST PREFIX user:', tracking: ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:'] },
];

const key = (): string => `user:${Math.floor(Math.random() * KEYS)}`;

async function prefill(server: StartedServer): Promise<void> {
  const errors = await sendAll(server.endpoint, Array.from({ length: KEYS }, (_, i) => ['SET', `user:${i}`, VALUE]));
  if (errors > 0) throw new Error(`prefill: ${errors} error replies`);
}

export async function runTracking(options: BenchOptions): Promise<number> {
  prepareProcStat();
  const seconds = Math.min(options.duration, 8);
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory)];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer));
  const loadStart = loadAverage();
  const rows: { label: string; mode: Mode; result: LoopResult }[] = [];
  for (const start of targets) {
    const server = await start();
    try {
      await prefill(server);
      for (const mode of MODES) {
        process.stderr.write(`tracking: ${server.label}, ${mode.name}\n`);
        const result = await runLoop(server.endpoint, server.pid, {
          connections: CONNECTIONS,
          pipeline: 1,
          setup: () => [['HELLO', '3'], ...(mode.tracking === null ? [] : [mode.tracking])],
          command: () => (Math.random() < SET_SHARE ? ['SET', key(), VALUE] : ['GET', key()]),
          warmupSeconds: options.warmup,
          seconds,
        });
        rows.push({ label: server.label, mode, result });
      }
    } finally {
      await server.stop();
    }
  }
  const lines = [
    `Tracking: ${CONNECTIONS} RESP3 connections, 1 command in flight each, ${100 - SET_SHARE * 100}% GET / ${SET_SHARE * 100}% SET over ${integer(KEYS)} keys, ${seconds} s per row; kv with ${options.workers} workers; one run`,
    `load average at start: ${loadStart}; at end: ${loadAverage()}`,
    '',
    '| server | mode | ops/s | server CPU µs/op | invalidation pushes/s | ops/s vs untracked | CPU/op vs untracked |',
    '|---|---|--:|--:|--:|--:|--:|',
  ];
  let failed = false;
  for (const row of rows) {
    const base = rows.find((r) => r.label === row.label && r.mode.tracking === null)!.result;
    const r = row.result;
    if (r.errors > 0 || r.ops === 0) failed = true;
    lines.push(
      `| ${row.label} | ${row.mode.name} | ${integer(r.opsPerSecond)} | ${decimal(r.cpuUsPerOp, 2)} | ${integer(r.pushes / r.seconds)} | ${decimal(r.opsPerSecond / base.opsPerSecond, 2)}x | ${decimal(r.cpuUsPerOp / base.cpuUsPerOp, 2)}x |${r.errors > 0 ? ` ${r.errors} errors: ${r.firstError}` : ''}`,
    );
  }
  console.log(lines.join('\n'));
  return failed ? 1 : 0;
}
