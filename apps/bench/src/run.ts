import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { BenchConnection, connectSocket } from './client';
import type { Endpoint } from './cli';
import type { Locality } from './locality';
import { assignKeys } from './keyAssignment';
import { Keyspace, randomRunTag } from './keyspace';
import { LoadState, type ErrorTally } from './loadState';
import { cpuSecondsOf, prepareProcStat, processTree } from './procstat';
import type { Protocol } from './replyScanner';
import { queryStats, shardOwners, workerInfoFrom, type WorkerInfo } from './serverStats';

const CONNECT_TIMEOUT_MS = 5_000;
const CONNECT_CONCURRENCY = 200;
const STATS_TIMEOUT_MS = 5_000;
const PREFILL_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 5_000;

/** How to load the server in one run. */
export interface RunSpec {
  proto: Protocol;
  connections: number;
  pipeline: number;
  getRatio: number;
  keys: number;
  valueSize: number;
  durationSeconds: number;
  warmupSeconds: number;
  prefill: boolean;
  locality: Locality;
}

/** Called around the measured window (after prefill and warmup; before the load stops). */
export interface RunHooks {
  atStart?: () => Promise<void>;
  atEnd?: () => Promise<void>;
}

export interface RunTarget {
  label: string;
  endpoint: Endpoint;
  /** Root of the server's process tree, for CPU accounting; null reports n/a. */
  serverPid: number | null;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface RunResult {
  target: RunTarget;
  spec: RunSpec;
  ops: number;
  measuredSeconds: number;
  opsPerSecond: number;
  latencyUs: LatencySummary;
  serverCpuSeconds: number | null;
  opsPerServerCpuSecond: number | null;
  serverCpuUsPerOp: number | null;
  benchCpuSeconds: number;
  benchCpuUserSeconds: number;
  benchCpuSystemSeconds: number;
  benchCpuUsPerOp: number | null;
  prefillSeconds: number | null;
  /** Connections per worker index, when STATS was asked (locality runs). */
  connectionsPerWorker: Record<string, number> | null;
  /** Connections left without keys (more connections than eligible keys); they send nothing. */
  idleConnections: number;
  errors: ErrorTally;
}

export class RunSetupError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RunSetupError(message)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(each))));
  return results;
}

export async function runBench(spec: RunSpec, target: RunTarget, hooks: RunHooks = {}): Promise<RunResult> {
  prepareProcStat();
  const keyspace = new Keyspace(spec.keys, spec.valueSize, spec.proto, randomRunTag());
  const state = new LoadState();
  const settings = { protocol: spec.proto, pipeline: spec.pipeline, getRatio: spec.getRatio };

  const sockets = await connectAll(target.endpoint, spec.connections);
  const connections: BenchConnection[] = [];
  try {
    let infos: WorkerInfo[] | null = null;
    if (spec.locality !== 'any') {
      infos = await inBatches(sockets, CONNECT_CONCURRENCY, async (socket) => {
        try {
          return workerInfoFrom(await queryStats(socket, STATS_TIMEOUT_MS));
        } catch (err) {
          throw new RunSetupError(`--locality needs STATS: ${(err as Error).message}`);
        }
      });
      if (infos[0].workers < 2) throw new RunSetupError(`--locality ${spec.locality} needs a server with 2 or more workers; STATS says ${infos[0].workers}`);
    }
    for (const socket of sockets) connections.push(new BenchConnection(socket, keyspace, state, settings));
    infos?.forEach((info, c) => (connections[c].worker = info.worker));

    const owners = shardOwners(infos ?? [], infos?.[0].workers ?? 1);
    const keysPerConnection = assignKeys(keyspace.shards, infos?.map((i) => i.worker) ?? connections.map(() => 0), spec.locality, owners);
    connections.forEach((connection, c) => connection.setKeys(keysPerConnection[c]));
    const idleConnections = connections.filter((c) => c.keyCount === 0).length;
    if (idleConnections === connections.length) throw new RunSetupError('no connection has a key to use (check --keys and --locality)');

    let prefillSeconds: number | null = null;
    if (spec.prefill) {
      const started = performance.now();
      await withTimeout(Promise.all(connections.map((c) => c.prefill())), PREFILL_TIMEOUT_MS, 'prefill did not finish in 120 s');
      prefillSeconds = (performance.now() - started) / 1000;
    }

    const serverProcesses = target.serverPid === null ? null : processTree(target.serverPid);
    for (const connection of connections) connection.startLoad();
    await sleep(spec.warmupSeconds * 1000);
    await hooks.atStart?.();

    const serverCpuAtStart = serverProcesses === null ? 0 : cpuSecondsOf(serverProcesses);
    const benchCpuAtStart = process.cpuUsage();
    const windowStart = performance.now();
    state.measuring = true;
    await sleep(spec.durationSeconds * 1000);
    state.measuring = false;
    const windowEnd = performance.now();
    const benchCpu = process.cpuUsage(benchCpuAtStart);
    const serverCpuSeconds = serverProcesses === null ? null : cpuSecondsOf(serverProcesses) - serverCpuAtStart;
    await hooks.atEnd?.();
    state.stopping = true;

    await Promise.race([Promise.all(connections.map((c) => c.waitForIdle())), sleep(DRAIN_TIMEOUT_MS)]);
    for (const connection of connections) {
      if (connection.busy) state.noteError('stalled', () => `a batch of ${spec.pipeline} was still unanswered ${DRAIN_TIMEOUT_MS / 1000} s after the window`);
    }

    const measuredSeconds = (windowEnd - windowStart) / 1000;
    const latency = state.latency;
    return {
      target,
      spec,
      ops: state.ops,
      measuredSeconds,
      opsPerSecond: state.ops / measuredSeconds,
      latencyUs: { p50: latency.percentile(0.5), p99: latency.percentile(0.99), p999: latency.percentile(0.999), max: latency.max, mean: latency.mean },
      serverCpuSeconds,
      opsPerServerCpuSecond: serverCpuSeconds ? state.ops / serverCpuSeconds : null,
      serverCpuUsPerOp: serverCpuSeconds !== null && state.ops > 0 ? (serverCpuSeconds * 1e6) / state.ops : null,
      benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
      benchCpuUserSeconds: benchCpu.user / 1e6,
      benchCpuSystemSeconds: benchCpu.system / 1e6,
      benchCpuUsPerOp: state.ops > 0 ? (benchCpu.user + benchCpu.system) / state.ops : null,
      prefillSeconds,
      connectionsPerWorker: infos === null ? null : countByWorker(infos),
      idleConnections,
      errors: state.errors,
    };
  } finally {
    for (const connection of connections) connection.close();
    for (const socket of sockets) socket.destroy();
  }
}

/** Opens count connections, a bounded number at a time so the listen backlog never overflows; all or none. */
async function connectAll(endpoint: Endpoint, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  let failure: Error | null = null;
  for (let opened = 0; opened < count && failure === null; opened += CONNECT_CONCURRENCY) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - opened) }, () => connectSocket(endpoint, CONNECT_TIMEOUT_MS)));
    for (const outcome of batch) {
      if (outcome.status === 'fulfilled') sockets.push(outcome.value);
      else failure ??= outcome.reason as Error;
    }
  }
  if (failure !== null) {
    for (const socket of sockets) socket.destroy();
    throw new RunSetupError(`cannot connect to ${endpoint.host}:${endpoint.port}: ${failure.message}`);
  }
  return sockets;
}

function countByWorker(infos: readonly WorkerInfo[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const info of infos) counts[String(info.worker)] = (counts[String(info.worker)] ?? 0) + 1;
  return counts;
}
