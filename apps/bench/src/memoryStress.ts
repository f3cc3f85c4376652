import { performance } from 'node:perf_hooks';
import { BULK_KEY_BYTES, bulkClean, runBulk, type BulkResult } from './bulkLoad';
import type { BenchOptions } from './cli';
import { decimal, integer } from './format';
import { kvWorkerFigures, KV_ENTRY_OVERHEAD, MEMORY_DEFAULTS, MIB, mib, PASS_TIMEOUT_MS } from './memory';
import { RssSampler, SAMPLE_INTERVAL_MS } from './rssSampler';
import { processTree, treeRss } from './procstat';
import type { Protocol } from './replyScanner';
import { ServerStartError, startKvServer } from './servers';

/** --memory-stress: write 3x maxmemory into kv while sampling its RSS; check the bound, deaths, hit ratio. */

/** --memory-stress: bytes written, as a multiple of maxmemory, and the share read back. */
const STRESS_WRITE_FACTOR = 3;
const STRESS_RECENT_SHARE = 0.1;
/** --memory-stress bound: maxmemory plus this share of it, plus a fixed allowance per process. */
const BOUND_MAXMEMORY_SLACK = 0.4;
const BOUND_PER_PROCESS_BYTES = 60 * MIB;

export interface StressReport {
  server: string;
  workers: number;
  proto: Protocol;
  maxmemory: number;
  valueSize: number;
  keysWritten: number;
  bytesWritten: number;
  /** Peak of the summed RSS of primary and workers, sampled every 250 ms. */
  peakRss: number;
  peakAtSeconds: number;
  /** Peak RSS per process (PIDs, with role when known). */
  peakByProcess: { role: string; pid: number; rss: number }[];
  finalRss: number;
  bound: number;
  withinBound: boolean;
  samples: number;
  maxSampleGapMs: number;
  /** "worker died" log lines. */
  workerDeaths: number;
  /** PIDs of the tree at start that went away, and PIDs that appeared later. */
  pidsGone: number[];
  pidsNew: number[];
  serverExited: boolean;
  hitRatio: number;
  recentKeys: number;
  evictions: number | null;
  keysStored: number | null;
  accountedBytes: number | null;
  write: BulkResult;
  read: BulkResult;
  seconds: number;
  passed: boolean;
  problems: string[];
}

/** The RSS the whole server may reach: maxmemory + 40% + 60 MiB for each of primary and workers. */
export function stressBound(maxmemory: number, workers: number): number {
  return Math.round(maxmemory * (1 + BOUND_MAXMEMORY_SLACK) + BOUND_PER_PROCESS_BYTES * (1 + workers));
}

/** Keys of this value size that make `factor` x maxmemory at the LRU's charge per entry. */
export function stressKeyCount(maxmemory: number, valueSize: number, factor = STRESS_WRITE_FACTOR): number {
  return Math.ceil((factor * maxmemory) / (BULK_KEY_BYTES + valueSize + KV_ENTRY_OVERHEAD));
}

export async function runMemoryStress(options: BenchOptions, log: (line: string) => void): Promise<StressReport> {
  const valueSize = options.given.has('value-size') ? options.valueSize : MEMORY_DEFAULTS.stress.valueSize;
  const server = await startKvServer(options.kvMain, options.workers, options.maxmemory ?? MEMORY_DEFAULTS.stress.maxmemory);
  let deaths = 0;
  const unwatch = server.watchOutput((line) => {
    if (line.includes('worker died')) deaths++;
  });
  let exited = false;
  try {
    const maxmemory = Number(server.ready?.maxmemory);
    if (!Number.isFinite(maxmemory) || maxmemory <= 0) throw new ServerStartError(`kv ready line lacks maxmemory: ${JSON.stringify(server.ready)}`);
    const keys = stressKeyCount(maxmemory, valueSize);
    const recentFrom = keys - Math.ceil(keys * STRESS_RECENT_SHARE);
    const initialPids = processTree(server.pid);
    const began = performance.now();
    log(`kv: maxmemory ${mib(maxmemory)}; writing ${integer(keys)} keys with ${valueSize}-byte values (${STRESS_WRITE_FACTOR}x maxmemory at key + value + ${KV_ENTRY_OVERHEAD}), ${options.proto}, ${options.connections} x ${options.pipeline}`);
    const sampler = new RssSampler(server.pid);
    const common = { endpoint: server.endpoint, proto: options.proto, valueSize, connections: options.connections, pipeline: options.pipeline, timeoutMs: PASS_TIMEOUT_MS };
    const write = await runBulk({ ...common, op: 'set', from: 0, to: keys });
    log(`kv: wrote in ${decimal(write.seconds, 1)} s (${integer(write.requestsPerSecond)}/s), peak RSS so far ${mib(sampler.peakTotal)}; reading the last ${integer(keys - recentFrom)} keys`);
    const read = await runBulk({ ...common, op: 'get', from: recentFrom, to: keys });
    sampler.stop();
    const seconds = (performance.now() - began) / 1000;
    const finalTree = treeRss(server.pid);
    const figures = await kvWorkerFigures(server.endpoint, options.workers).catch(() => null);
    exited = processTree(server.pid).length === 0;
    const finalPids = new Set(finalTree.byPid.keys());
    const pidsGone = initialPids.filter((pid) => !finalPids.has(pid));
    const pidsNew = [...sampler.peakByPid.keys()].filter((pid) => !initialPids.includes(pid));
    const bound = stressBound(maxmemory, options.workers);
    const peakByProcess = [...sampler.peakByPid].map(([pid, rss]) => {
      const worker = figures?.find((f) => f.pid === pid);
      return { role: pid === server.pid ? 'primary' : worker ? `worker ${worker.worker}` : 'worker (gone)', pid, rss };
    });
    const problems: string[] = [];
    const withinBound = sampler.peakTotal <= bound;
    if (!withinBound) problems.push(`peak RSS ${mib(sampler.peakTotal)} is above the bound ${mib(bound)}`);
    if (deaths > 0 || pidsGone.length > 0 || pidsNew.length > 0) problems.push(`worker deaths: ${deaths} logged, PIDs gone ${pidsGone.join(',') || 'none'}, new ${pidsNew.join(',') || 'none'}`);
    if (exited) problems.push('the server exited');
    if (!bulkClean(write)) problems.push(`write pass: ${write.badReplies} bad replies, ${write.unanswered} unanswered (${write.firstProblem})`);
    if (!bulkClean(read)) problems.push(`read pass: ${read.badReplies} bad replies, ${read.unanswered} unanswered (${read.firstProblem})`);
    return {
      server: server.label,
      workers: options.workers,
      proto: options.proto,
      maxmemory,
      valueSize,
      keysWritten: keys,
      bytesWritten: keys * (BULK_KEY_BYTES + valueSize + KV_ENTRY_OVERHEAD),
      peakRss: sampler.peakTotal,
      peakAtSeconds: sampler.peakAt,
      peakByProcess,
      finalRss: finalTree.total,
      bound,
      withinBound,
      samples: sampler.samples,
      maxSampleGapMs: sampler.maxGapMs,
      workerDeaths: deaths,
      pidsGone,
      pidsNew,
      serverExited: exited,
      hitRatio: read.ok / (keys - recentFrom),
      recentKeys: keys - recentFrom,
      evictions: figures === null ? null : figures.reduce((sum, f) => sum + f.evictions, 0),
      keysStored: figures === null ? null : figures.reduce((sum, f) => sum + f.keys, 0),
      accountedBytes: figures === null ? null : figures.reduce((sum, f) => sum + f.bytes, 0),
      write,
      read,
      seconds,
      passed: problems.length === 0,
      problems,
    };
  } finally {
    unwatch();
    await server.stop();
  }
}

export function formatStress(r: StressReport): string {
  const orNa = (n: number | null, show: (v: number) => string): string => (n === null ? 'n/a' : show(n));
  const lines = [
    `kv, ${r.workers} workers, --maxmemory ${mib(r.maxmemory)}: ${integer(r.keysWritten)} unique keys with ${r.valueSize}-byte values (${mib(r.bytesWritten)} at key + value + ${KV_ENTRY_OVERHEAD}, ${decimal(r.bytesWritten / r.maxmemory, 1)}x maxmemory), ${r.proto} protocol, then GET of the last ${integer(r.recentKeys)} written.`,
    '',
    '| figure | value |',
    '|---|--:|',
    `| peak RSS, primary + workers (every ${SAMPLE_INTERVAL_MS} ms, ${r.samples} samples, longest gap ${integer(r.maxSampleGapMs)} ms) | ${mib(r.peakRss)} at ${decimal(r.peakAtSeconds, 1)} s |`,
    `| bound: maxmemory + ${BOUND_MAXMEMORY_SLACK * 100}% + ${BOUND_PER_PROCESS_BYTES / MIB} MiB x ${r.workers + 1} processes | ${mib(r.bound)} |`,
    `| within bound | ${r.withinBound ? 'yes' : 'NO'} (${decimal(r.peakRss / r.bound, 2)}x of it) |`,
    `| peak RSS by process | ${r.peakByProcess.map((p) => `${p.role} ${mib(p.rss)}`).join(', ')} |`,
    `| RSS at the end | ${mib(r.finalRss)} |`,
    `| worker deaths | ${r.workerDeaths}${r.pidsGone.length + r.pidsNew.length > 0 ? ` (PIDs gone: ${r.pidsGone.join(',') || 'none'}, new: ${r.pidsNew.join(',') || 'none'})` : ''} |`,
    `| hit ratio, last ${decimal(STRESS_RECENT_SHARE * 100, 0)}% written | ${decimal(r.hitRatio * 100, 2)}% (${integer(r.read.ok)} of ${integer(r.recentKeys)}) |`,
    `| evictions | ${orNa(r.evictions, integer)} |`,
    `| keys held at the end / LRU bytes charged | ${orNa(r.keysStored, integer)} / ${orNa(r.accountedBytes, mib)} |`,
    `| write pass | ${decimal(r.write.seconds, 1)} s, ${integer(r.write.requestsPerSecond)}/s |`,
    `| read pass | ${decimal(r.read.seconds, 1)} s, ${integer(r.read.requestsPerSecond)}/s |`,
    `| duration (write + read) | ${decimal(r.seconds, 1)} s |`,
    '',
    r.passed ? 'PASS' : `FAIL: ${r.problems.join('; ')}`,
  ];
  return lines.join('\n');
}
