import * as fs from 'node:fs';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from './cli';
import { connectSocket } from './client';
import { summarize, type BurstSpec, type MsSummary } from './burst';
import { burstInThread, type BurstFigures } from './burstThread';
import { burstInGo, goBurstBinary } from './burstGo';
import { cpuSecondsOf, processTree } from './procstat';
import type { Protocol } from './replyScanner';
import { runBench, type RunResult } from './run';
import type { StartedServer } from './servers';

/** One server as the accept benchmarks drive it. */
export interface Target {
  label: string;
  server: StartedServer;
  proto: Protocol;
  /** Another port of the server's (its TLS port), over TLS trusting `ca`. */
  port?: number;
  ca?: string;
}

export function endpointOf(t: Target): Endpoint {
  return { host: t.server.endpoint.host, port: t.port ?? t.server.endpoint.port, ...(t.ca !== undefined && { ca: t.ca }) };
}

/** kv's clients per worker, from its admin endpoint; null for a server without one. */
export async function clientsPerWorker(server: StartedServer): Promise<number[] | null> {
  if (server.adminPort === null) return null;
  try {
    const body = (await (await fetch(`http://127.0.0.1:${server.adminPort}/stats`)).json()) as { per_worker: { connected_clients?: number }[] };
    return body.per_worker.map((w) => w.connected_clients ?? -1);
  } catch {
    return null;
  }
}

/** Polls kv's per-worker clients until they sum to `total` (5 s at most). */
export async function settledPerWorker(server: StartedServer, total: number): Promise<number[] | null> {
  let counts = await clientsPerWorker(server);
  for (const until = Date.now() + 5000; counts !== null && counts.reduce((a, b) => a + b, 0) !== total && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    counts = await clientsPerWorker(server);
  }
  return counts;
}

export interface BurstRow {
  label: string;
  burst: BurstFigures;
  perWorker: number[] | null;
  /** The busy clients' own figures over the burst's window, when there were any. */
  busy: RunResult | null;
  /** CPU seconds the server's processes used from the burst's first connect to its last first reply. */
  serverCpuSeconds: number | null;
}

/** A burst from the Go generator where it could be built, else from a Node thread. */
function openBurst<T>(endpoint: Endpoint, spec: BurstSpec, whileHeld: () => Promise<T>): Promise<{ burst: BurstFigures; held: T }> {
  const go = goBurstBinary(() => {});
  return go === null ? burstInThread(endpoint, spec, whileHeld) : burstInGo(go, endpoint, spec, whileHeld);
}

/** A burst of `count` connections over `spreadMs`, alone or beside `busy` closed-loop clients. */
export async function measureBurst(t: Target, count: number, spreadMs: number, busy: number, resume = false): Promise<BurstRow> {
  const spec = { count, spreadMs, proto: t.proto, timeoutMs: 30_000, tag: `burst${Date.now()}`, resume };
  const pids = processTree(t.server.pid);
  let serverCpuSeconds: number | null = null;
  let cpuBefore = 0;
  const held = () => {
    serverCpuSeconds = pids.length === 0 ? null : cpuSecondsOf(pids) - cpuBefore;
    return settledPerWorker(t.server, count + busy);
  };
  if (busy === 0) {
    cpuBefore = cpuSecondsOf(pids);
    const { burst, held: perWorker } = await openBurst(endpointOf(t), spec, held);
    return { label: resume ? `${t.label}, sessions resumed (${burst.resumed ?? 'n/a'})` : t.label, burst, perWorker, busy: null, serverCpuSeconds };
  }
  let outcome: { burst: BurstFigures; held: number[] | null } | null = null;
  const result = await runBench(
    { proto: t.proto, connections: busy, pipeline: 1, getRatio: 0.5, keys: 100_000, valueSize: 32, durationSeconds: 2, warmupSeconds: 1, prefill: false, locality: 'any' },
    { label: t.label, endpoint: endpointOf(t), serverPid: t.server.pid },
    {
      atStart: async () => {
        cpuBefore = cpuSecondsOf(pids);
        outcome = await openBurst(endpointOf(t), spec, held);
      },
    },
  );
  return { label: t.label, burst: outcome!.burst, perWorker: outcome!.held, busy: result, serverCpuSeconds };
}

/** Closed-loop load as `npm run bench` runs it: `connections` clients, 50% GET, 100,000 keys of 32 bytes. */
export function measureLoad(t: Target, connections: number, warmupSeconds: number, durationSeconds: number, prefill = false): Promise<RunResult> {
  return runBench(
    { proto: t.proto, connections, pipeline: 1, getRatio: 0.5, keys: 100_000, valueSize: 32, durationSeconds, warmupSeconds, prefill, locality: 'any' },
    { label: t.label, endpoint: endpointOf(t), serverPid: t.server.pid },
  );
}

/** Resident memory of a process and its descendants, in bytes. */
export function treeRss(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'latin1'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

export interface IdleRow {
  label: string;
  idle: number;
  rssPerConnection: number;
  /** One busy client's figures while the idle ones are held. */
  busy: RunResult;
  perWorker: number[] | null;
}

/** Holds `idle` connections that send nothing, and measures RSS per connection and one busy client beside them. */
export async function measureIdle(t: Target, idle: number): Promise<IdleRow> {
  const endpoint = endpointOf(t);
  // Settle first: one client's round trip, so a lazily built part of the server is not counted.
  const warm = await measureLoad(t, 1, 0, 0.5);
  if (warm.errors.total > 0) throw new Error(`${t.label}: errors before the idle run`);
  const before = treeRss(t.server.pid);
  const sockets: net.Socket[] = [];
  try {
    for (let opened = 0; opened < idle; opened += 200) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, idle - opened) }, () => connectSocket(endpoint, 10_000)))));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = treeRss(t.server.pid);
    const perWorker = await settledPerWorker(t.server, idle);
    const busy = await measureLoad(t, 1, 0.5, 5);
    return { label: t.label, idle, rssPerConnection: (after - before) / idle, busy, perWorker };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

export interface NewConnRow {
  label: string;
  requests: number;
  perSecond: number;
  /** From the connect call to the reply, per request, in ms. */
  latency: MsSummary;
  errors: number;
}

/** `concurrency` loops, each connecting, sending one GET, reading its reply and closing, for `seconds`. */
export async function measureNewConnections(t: Target, concurrency: number, seconds: number): Promise<NewConnRow> {
  const endpoint = endpointOf(t);
  const request = t.proto === 'text' ? Buffer.from('GET newconn\n') : Buffer.from('*2\r\n$3\r\nGET\r\n$7\r\nnewconn\r\n');
  const times: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        if (ok) times.push(performance.now() - started);
        else errors++;
        socket.destroy();
        resolve();
      };
      socket.setNoDelay(true);
      socket.on('error', () => finish(false));
      socket.on('close', () => finish(false));
      socket.once('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        if (chunk.indexOf(0x0a) >= 0) finish(true);
      });
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await once();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { label: t.label, requests: times.length, perSecond: times.length / elapsed, latency: summarize(times), errors };
}
