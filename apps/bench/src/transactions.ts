import type * as net from 'node:net';
import type { BenchOptions } from './cli';
import { connectSocket } from './client';
import { shardOfKey } from './keyspace';
import { measureWindow, prepareProcStat, processTree } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/** One workload: what a connection sends per round trip, built for key pair i. */
interface Workload {
  name: string;
  /** Commands per round trip. */
  commands: number;
  build(a: string, b: string): Buffer;
}

const CONNECTIONS = 50;
const KEY_PAIRS = 1000;
const BUMP = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])";
const PAIR = "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return 1";

function resp(...argv: string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

const sha1 = (body: string): string => require('node:crypto').createHash('sha1').update(body).digest('hex');

const WORKLOADS: Workload[] = [
  { name: 'SET + GET, pipelined (no transaction)', commands: 2, build: (a) => Buffer.from(resp('SET', a, 'v') + resp('GET', a), 'latin1') },
  { name: 'MULTI SET GET EXEC, one key', commands: 4, build: (a) => Buffer.from(resp('MULTI') + resp('SET', a, 'v') + resp('GET', a) + resp('EXEC'), 'latin1') },
  { name: 'EVALSHA SET + GET, one key', commands: 1, build: (a) => Buffer.from(resp('EVALSHA', sha1(BUMP), '1', a, 'v'), 'latin1') },
  { name: 'SET a + SET b, pipelined (two workers)', commands: 2, build: (a, b) => Buffer.from(resp('SET', a, 'v') + resp('SET', b, 'v'), 'latin1') },
  { name: 'MSET a b (atomic, two workers)', commands: 1, build: (a, b) => Buffer.from(resp('MSET', a, 'v', b, 'v'), 'latin1') },
  { name: 'MULTI SET a SET b EXEC (two workers)', commands: 4, build: (a, b) => Buffer.from(resp('MULTI') + resp('SET', a, 'v') + resp('SET', b, 'v') + resp('EXEC'), 'latin1') },
  { name: 'EVALSHA SET a + SET b (two workers)', commands: 1, build: (a, b) => Buffer.from(resp('EVALSHA', sha1(PAIR), '2', a, b, 'v'), 'latin1') },
];

/** Counts whole top-level RESP replies in a stream (nested arrays count once). */
class ReplyCounter {
  private carry = '';
  count(chunk: Buffer): number {
    const text = this.carry + chunk.toString('latin1');
    let pos = 0;
    let n = 0;
    for (;;) {
      const end = skip(text, pos);
      if (end < 0) break;
      pos = end;
      n++;
    }
    this.carry = text.slice(pos);
    return n;
  }
}

/** The end of the reply at `pos`, or -1 when it is not all there yet. */
function skip(text: string, pos: number): number {
  const nl = text.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const type = text[pos];
  const n = Number(text.slice(pos + 1, nl));
  if (type === '$') return n < 0 ? nl + 2 : text.length >= nl + 2 + n + 2 ? nl + 2 + n + 2 : -1;
  if (type !== '*' || n <= 0) return nl + 2;
  let at = nl + 2;
  for (let i = 0; i < n; i++) {
    at = skip(text, at);
    if (at < 0) return -1;
  }
  return at;
}

/** Keys a (shard 0's worker) and b (another worker's) for pair i: one key per side. */
function pairs(workers: number): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; out.length < KEY_PAIRS; i++) {
    const a = `tx:a:${i}`;
    const b = `tx:b:${i}`;
    if (workers === 1 || shardOfKey(a) % workers !== shardOfKey(b) % workers) out.push([a, b]);
  }
  return out;
}

async function measure(server: StartedServer, workload: Workload, keys: [string, string][], seconds: number): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const sockets: net.Socket[] = [];
  for (let c = 0; c < CONNECTIONS; c++) sockets.push(await connectSocket(server.endpoint, 5000));
  const tree = processTree(server.pid);
  let done = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  const runs = sockets.map(
    (socket, c) =>
      new Promise<void>((resolve) => {
        const counter = new ReplyCounter();
        let owed = 0;
        let i = c;
        const send = (): void => {
          if (stop) return resolve();
          const [a, b] = keys[i++ % keys.length];
          owed = workload.commands;
          socket.write(workload.build(a, b));
        };
        socket.on('data', (chunk: Buffer) => {
          if (chunk.includes('-ERR') || chunk.includes('-NOSCRIPT') || chunk.includes('-EXECABORT')) errors++;
          owed -= counter.count(chunk);
          if (owed > 0) return;
          if (measuring) done++;
          send();
        });
        send();
      }),
  );
  const { elapsed, cpu } = await measureWindow(tree, seconds, (on) => (measuring = on));
  const count = done;
  stop = true;
  await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 2000))]);
  for (const s of sockets) s.destroy();
  return { rps: count / elapsed, cpuUs: count > 0 ? (cpu * 1e6) / count : 0, errors };
}

async function loadScripts(server: StartedServer): Promise<void> {
  const socket = await connectSocket(server.endpoint, 5000);
  await new Promise<void>((resolve) => {
    const counter = new ReplyCounter();
    let owed = 2;
    socket.on('data', (chunk: Buffer) => {
      owed -= counter.count(chunk);
      if (owed <= 0) resolve();
    });
    socket.write(resp('SCRIPT', 'LOAD', BUMP) + resp('SCRIPT', 'LOAD', PAIR));
  });
  socket.destroy();
}

/**
 * What MULTI/EXEC and EVAL cost against plain commands: 50 connections, one round trip at a
 * time, each workload for --duration seconds, on kv (--workers) and then redis-server, one run.
 * Prints round trips per second, server CPU per round trip, and each against its plain pipeline.
 */
export async function runTransactions(options: BenchOptions): Promise<number> {
  prepareProcStat();
  const seconds = Math.min(options.duration, 5);
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory)];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer));
  const lines = [`${CONNECTIONS} connections, one round trip at a time, ${seconds} s per workload; kv with ${options.workers} workers; one run`, ''];
  let failed = false;
  for (const start of targets) {
    const server = await start();
    try {
      await loadScripts(server);
      const keys = pairs(options.workers);
      lines.push(`${server.label}:`, '', '| workload | commands / round trip | round trips/s | server CPU µs / round trip | vs its plain pipeline |', '|---|--:|--:|--:|--:|');
      let plain = 0;
      for (const [i, w] of WORKLOADS.entries()) {
        const r = await measure(server, w, keys, seconds);
        if (r.errors > 0) failed = true;
        if (i === 0 || i === 3) plain = r.rps;
        lines.push(`| ${w.name} | ${w.commands} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.cpuUs.toFixed(1)} | ${(r.rps / plain).toFixed(2)}x${r.errors > 0 ? ` (${r.errors} errors)` : ''} |`);
      }
      lines.push('');
    } finally {
      await server.stop();
    }
  }
  console.log(lines.join('\n'));
  return failed ? 1 : 0;
}
