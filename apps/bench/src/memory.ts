import * as net from 'node:net';
import { BULK_KEY_BYTES, bulkClean, runBulk, type BulkResult } from './bulkLoad';
import type { BenchOptions, Endpoint } from './cli';
import { connectSocket } from './client';
import { decimal, integer } from './format';
import { processTree, treeRss } from './procstat';
import { RssSampler } from './rssSampler';
import type { Protocol } from './replyScanner';
import { queryStats } from './serverStats';
import { findRedisServer, ServerStartError, startKvServer, startRedisServer, type StartedServer } from './servers';

/** --memory-per-key and --memory-stress: what the server's processes hold in RAM for what it stores (the stress run is in memoryStress.ts). */

export const MIB = 1024 * 1024;
/** Bytes the kv LRU charges per entry besides key and value (libs/lru ENTRY_OVERHEAD). */
export const KV_ENTRY_OVERHEAD = 232;
/** Idle time before the empty-server reading and before the reading after the writes. */
const BASELINE_SETTLE_MS = 1_000;
const AFTER_SETTLE_MS = 2_000;
export const PASS_TIMEOUT_MS = 100_000;
const QUERY_TIMEOUT_MS = 5_000;

export const MEMORY_DEFAULTS = {
  perKey: { keys: 1_000_000, valueSize: 32, maxmemory: '4gb' },
  stress: { valueSize: 100, maxmemory: '256mb' },
  connections: 64,
  pipeline: 256,
} as const;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function mib(bytes: number): string {
  return `${decimal(bytes / MIB, 1)} MiB`;
}

/** One kv worker's STATS figures. */
export interface WorkerFigures {
  worker: number;
  pid: number;
  keys: number;
  bytes: number;
  evictions: number;
  rss: number;
}

/**
 * STATS from every worker: the primary hands each new connection to the next worker, so a few
 * connections per worker reach them all. Null if some worker never answered.
 */
export async function kvWorkerFigures(endpoint: Endpoint, workers: number): Promise<WorkerFigures[] | null> {
  const found = new Map<number, WorkerFigures>();
  const sockets: net.Socket[] = [];
  try {
    for (let attempt = 0; attempt < workers * 8 && found.size < workers; attempt++) {
      const socket = await connectSocket(endpoint, QUERY_TIMEOUT_MS);
      sockets.push(socket);
      const stats = await queryStats(socket, QUERY_TIMEOUT_MS);
      const num = (name: string): number => Number(stats.get(name) ?? NaN);
      found.set(num('worker'), { worker: num('worker'), pid: num('pid'), keys: num('keys'), bytes: num('bytes'), evictions: num('evictions'), rss: num('rss') });
    }
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  return found.size >= workers ? [...found.values()].sort((a, b) => a.worker - b.worker) : null;
}

/** Sends one RESP command and returns its reply: a bulk's data, a line's text; rejects on an error reply. */
export function respCommand(endpoint: Endpoint, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(endpoint.port, endpoint.host);
    let data = Buffer.alloc(0);
    const done = (err: Error | null, value = ''): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`no reply to ${args[0]}`)), QUERY_TIMEOUT_MS);
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const lineEnd = data.indexOf('\r\n');
      if (lineEnd < 0) return;
      const head = data.toString('latin1', 1, lineEnd);
      if (data[0] === 0x2d) return done(new Error(head));
      if (data[0] !== 0x24) return done(null, head);
      const size = Number(head);
      if (size < 0) return done(null, '');
      if (data.length >= lineEnd + 2 + size + 2) done(null, data.toString('latin1', lineEnd + 2, lineEnd + 2 + size));
    });
  });
}

/** `name:value` lines of an INFO reply. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function infoNumber(endpoint: Endpoint, section: string, field: string): Promise<number | null> {
  try {
    const value = parseInfo(await respCommand(endpoint, ['INFO', section])).get(field);
    return value === undefined ? null : Number(value);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// --memory-per-key

export interface PerKeyMeasurement {
  server: string;
  keys: number;
  valueSize: number;
  /** Summed RSS of the server's process tree when empty, and after the writes and a settle. */
  rssBefore: number;
  rssAfter: number;
  /** Highest summed RSS seen while writing (sampled). */
  rssPeak: number;
  /** (rssAfter - rssBefore) / keys. */
  rssPerKey: number;
  /** RSS after the writes by process: primary or worker N. */
  processes: { role: string; pid: number; rss: number }[];
  /** Keys the server says it holds (kv: STATS keys summed; redis: DBSIZE). */
  keysStored: number | null;
  /** kv: sum of STATS bytes (what the LRU charges); redis: INFO used_memory - used_memory at start. */
  accountedBytes: number | null;
  accountedPerKey: number | null;
  /** kv: INFO kv_heap_memory, V8 heap used summed over the workers (its used_memory is the accounted bytes); redis: INFO used_memory, its allocator's figure. */
  usedMemory: number | null;
  write: BulkResult;
}

export interface PerKeyReport {
  kv: PerKeyMeasurement | null;
  redis: PerKeyMeasurement | null;
  redisProblem: string | null;
  /** kv rssPerKey / redis rssPerKey. */
  ratio: number | null;
  target: number;
}

async function measurePerKey(server: StartedServer, kind: 'kv' | 'redis', options: BenchOptions, log: (line: string) => void): Promise<PerKeyMeasurement> {
  try {
    const keys = options.keys;
    const workers = kind === 'kv' ? options.workers : 0;
    await sleep(BASELINE_SETTLE_MS);
    const before = treeRss(server.pid);
    const usedBefore = await infoNumber(server.endpoint, 'memory', 'used_memory');
    log(`${server.label}: empty, RSS ${mib(before.total)}; writing ${integer(keys)} keys (RESP SET, ${options.connections} x ${options.pipeline})`);
    const sampler = new RssSampler(server.pid);
    const write = await runBulk({
      endpoint: server.endpoint,
      proto: 'resp',
      op: 'set',
      from: 0,
      to: keys,
      valueSize: options.valueSize,
      connections: options.connections,
      pipeline: options.pipeline,
      timeoutMs: PASS_TIMEOUT_MS,
    });
    sampler.stop();
    log(`${server.label}: wrote in ${decimal(write.seconds, 1)} s (${integer(write.requestsPerSecond)}/s); settling ${AFTER_SETTLE_MS / 1000} s`);
    await sleep(AFTER_SETTLE_MS);
    const after = treeRss(server.pid);
    const usedMemory = await infoNumber(server.endpoint, 'memory', kind === 'kv' ? 'kv_heap_memory' : 'used_memory');
    let keysStored: number | null = null;
    let accountedBytes: number | null = null;
    const processes: PerKeyMeasurement['processes'] = [];
    if (kind === 'kv') {
      const figures = await kvWorkerFigures(server.endpoint, workers);
      if (figures !== null) {
        keysStored = figures.reduce((sum, f) => sum + f.keys, 0);
        accountedBytes = figures.reduce((sum, f) => sum + f.bytes, 0);
      }
      for (const [pid, rss] of after.byPid) {
        const worker = figures?.find((f) => f.pid === pid);
        processes.push({ role: pid === server.pid ? 'primary' : worker ? `worker ${worker.worker}` : 'other', pid, rss });
      }
    } else {
      try {
        keysStored = Number(await respCommand(server.endpoint, ['DBSIZE']));
      } catch {
        keysStored = null;
      }
      accountedBytes = usedMemory !== null && usedBefore !== null ? usedMemory - usedBefore : null;
      for (const [pid, rss] of after.byPid) processes.push({ role: pid === server.pid ? 'redis-server' : 'other', pid, rss });
    }
    return {
      server: server.label,
      keys,
      valueSize: options.valueSize,
      rssBefore: before.total,
      rssAfter: after.total,
      rssPeak: Math.max(sampler.peakTotal, after.total),
      rssPerKey: (after.total - before.total) / keys,
      processes,
      keysStored,
      accountedBytes,
      accountedPerKey: accountedBytes === null ? null : accountedBytes / keys,
      usedMemory,
      write,
    };
  } finally {
    await server.stop();
  }
}

export async function runMemoryPerKey(options: BenchOptions, log: (line: string) => void): Promise<PerKeyReport> {
  const maxmemory = options.maxmemory ?? MEMORY_DEFAULTS.perKey.maxmemory;
  const kv = await measurePerKey(await startKvServer(options.kvMain, options.workers, maxmemory), 'kv', options, log);
  let redis: PerKeyMeasurement | null = null;
  let redisProblem: string | null = null;
  const redisServer = findRedisServer();
  if (redisServer === null) redisProblem = 'redis-server is not installed';
  else {
    try {
      redis = await measurePerKey(await startRedisServer(redisServer), 'redis', options, log);
    } catch (err) {
      if (!(err instanceof ServerStartError)) throw err;
      redisProblem = err.message;
    }
  }
  return { kv, redis, redisProblem, ratio: redis === null ? null : kv.rssPerKey / redis.rssPerKey, target: 1.5 };
}

export function perKeyClean(report: PerKeyReport): boolean {
  return [report.kv, report.redis].every((m) => m === null || (bulkClean(m.write) && (m.keysStored === null || m.keysStored === m.keys)));
}

function perKeyRow(m: PerKeyMeasurement): string {
  const cells = [
    m.server,
    integer(m.keysStored ?? NaN),
    mib(m.rssBefore),
    mib(m.rssPeak),
    mib(m.rssAfter),
    decimal(m.rssPerKey, 1),
    m.accountedPerKey === null ? 'n/a' : decimal(m.accountedPerKey, 1),
    m.usedMemory === null ? 'n/a' : mib(m.usedMemory),
    `${decimal(m.write.seconds, 1)} s (${integer(m.write.requestsPerSecond)}/s)`,
    bulkClean(m.write) ? '0' : `${m.write.badReplies + m.write.unanswered} (${m.write.firstProblem})`,
  ];
  return `| ${cells.join(' | ')} |`;
}

export function formatPerKey(report: PerKeyReport, options: BenchOptions): string {
  const m = report.kv!;
  const lines = [
    `${integer(options.keys)} keys of ${BULK_KEY_BYTES} bytes (key:000000000...), ${options.valueSize}-byte values, RESP SET, ${options.connections} connections x pipeline ${options.pipeline}; RSS summed over the server's process tree (VmRSS), ${AFTER_SETTLE_MS / 1000} s after the last reply.`,
    '',
    '| server | keys stored | RSS empty | RSS peak (writing) | RSS after | RSS bytes per key | accounted bytes per key | heap (kv) or INFO used_memory (redis) | write time | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    perKeyRow(m),
  ];
  if (report.redis !== null) lines.push(perKeyRow(report.redis));
  lines.push('');
  lines.push(`kv RSS by process after the writes: ${m.processes.map((p) => `${p.role} ${mib(p.rss)}`).join(', ')}.`);
  lines.push(
    `kv accounted = sum of STATS bytes (key + value + ${KV_ENTRY_OVERHEAD} per entry); kv heap = INFO kv_heap_memory, V8 heap used summed over workers (kv's INFO used_memory is the accounted bytes, as eviction counts them). redis accounted = INFO used_memory growth.`,
  );
  if (report.ratio !== null) {
    const verdict = report.ratio <= report.target ? 'meets' : 'misses';
    lines.push(`kv / redis-server, RSS bytes per key: ${decimal(report.ratio, 2)}x (target <= ${report.target}x: ${verdict} it).`);
  } else {
    lines.push(`no redis-server comparison: ${report.redisProblem}`);
  }
  if (m.accountedPerKey !== null) lines.push(`kv RSS per key / LRU charge per key: ${decimal(m.rssPerKey / m.accountedPerKey, 2)}x.`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// --memory-stress
