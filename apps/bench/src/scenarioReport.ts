import * as fs from 'node:fs';
import * as os from 'node:os';
import type { BenchOptions, Locality } from './cli';
import { decimal, integer, orNa } from './format';
import type { RunResult } from './run';
import { serverLabel, type ScenarioOutcome, type ScenarioServer } from './scenarios';

export interface RatioRow {
  server: 'kv1' | 'kv2';
  /** kv ops/s ÷ redis ops/s at pipeline 1 and 16. */
  opsRatioPipeline1: number | null;
  opsRatioPipeline16: number | null;
  /** kv p99 ÷ redis p99 at pipeline 1. */
  p99RatioPipeline1: number | null;
}

export interface ForwardingRow {
  pipeline: number;
  localServerCpuUsPerOp: number | null;
  forwardedServerCpuUsPerOp: number | null;
  /** Forwarded minus local: the server CPU a forwarded request costs extra. */
  differenceUsPerOp: number | null;
  localOpsPerSecond: number | null;
  forwardedOpsPerSecond: number | null;
}

export interface ScenarioSummary {
  ratios: RatioRow[];
  forwarding: ForwardingRow[];
  notes: string[];
}

function find(outcomes: readonly ScenarioOutcome[], server: ScenarioServer, pipeline: number, locality: Locality = 'any'): RunResult | null {
  const match = outcomes.find(
    (o) => o.scenario.server === server && o.scenario.pipeline === pipeline && o.scenario.locality === locality && o.scenario.connections === 50,
  );
  return match?.result ?? null;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

export function summarizeScenarios(outcomes: readonly ScenarioOutcome[]): ScenarioSummary {
  const ratios: RatioRow[] = (['kv1', 'kv2'] as const).map((server) => ({
    server,
    opsRatioPipeline1: ratio(find(outcomes, server, 1)?.opsPerSecond, find(outcomes, 'redis', 1)?.opsPerSecond),
    opsRatioPipeline16: ratio(find(outcomes, server, 16)?.opsPerSecond, find(outcomes, 'redis', 16)?.opsPerSecond),
    p99RatioPipeline1: ratio(find(outcomes, server, 1)?.latencyUs.p99, find(outcomes, 'redis', 1)?.latencyUs.p99),
  }));
  const forwarding: ForwardingRow[] = [1, 16].map((pipeline) => {
    const local = find(outcomes, 'kv2', pipeline, 'local');
    const forwarded = find(outcomes, 'kv2', pipeline, 'forwarded');
    const localUs = local?.serverCpuUsPerOp ?? null;
    const forwardedUs = forwarded?.serverCpuUsPerOp ?? null;
    return {
      pipeline,
      localServerCpuUsPerOp: localUs,
      forwardedServerCpuUsPerOp: forwardedUs,
      differenceUsPerOp: localUs === null || forwardedUs === null ? null : forwardedUs - localUs,
      localOpsPerSecond: local?.opsPerSecond ?? null,
      forwardedOpsPerSecond: forwarded?.opsPerSecond ?? null,
    };
  });
  const notes: string[] = [];
  for (const o of outcomes) {
    if (o.problem !== null) notes.push(`${o.scenario.id}: ${o.problem}`);
    if (o.stopNote !== null) notes.push(`${o.scenario.id}: ${o.stopNote}`);
    if (o.result !== null && o.result.errors.total > 0) notes.push(`${o.scenario.id}: ${o.result.errors.total} errors; first: ${o.result.errors.samples[0] ?? ''}`);
    if (o.result !== null && o.result.idleConnections > 0) notes.push(`${o.scenario.id}: ${o.result.idleConnections} connections had no key and sent nothing`);
  }
  if (outcomes.some((o) => o.scenario.server === 'redis' && o.problem?.includes('not installed'))) {
    notes.push('redis-server is not installed, so its rows and the kv ÷ redis ratios are missing (apt-get install redis-server).');
  }
  return { ratios, forwarding, notes };
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown CPU';
  }
}

const x = (v: number | null): string => orNa(v, (n) => `${decimal(n, 2)}×`);
const us = (v: number | null): string => orNa(v, (n) => decimal(n, 1));

export function formatScenarioMarkdown(outcomes: readonly ScenarioOutcome[], summary: ScenarioSummary, options: BenchOptions): string {
  const out: string[] = [];
  out.push(`### Benchmark matrix — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} CPUs (${cpuModel()})`);
  out.push('');
  out.push(
    `Each row: a freshly started server on 127.0.0.1, ${options.duration} s measured after ${options.warmup} s warmup, ` +
      `${decimal(options.getRatio * 100, 0)}% GET over ${integer(options.keys)} keys${options.prefill ? ' (all prefilled)' : ''}, ${options.valueSize}-byte values, ` +
      'closed loop (a connection sends its next pipeline batch when the whole batch is answered), every reply verified. ' +
      'Server CPU is user+system time of the server process and its descendants over the measured window; the load generator shares the same cores.',
  );
  out.push('');
  out.push('| # | server | conns | pipeline | locality | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU s | ops per server CPU-s | server CPU µs/op | bench CPU s | errors |');
  out.push('|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const o of outcomes) {
    const s = o.scenario;
    const head = `| ${s.id} | ${serverLabel(s.server)} | ${s.connections} | ${s.pipeline} | ${s.locality} |`;
    const r = o.result;
    if (r === null) {
      out.push(`${head} ${o.problem} | | | | | | | | |`);
      continue;
    }
    out.push(
      `${head} ${integer(r.opsPerSecond)} | ${integer(r.latencyUs.p50)} | ${integer(r.latencyUs.p99)} | ${integer(r.latencyUs.p999)} | ` +
        `${orNa(r.serverCpuSeconds, (v) => decimal(v, 2))} | ${orNa(r.opsPerServerCpuSecond, integer)} | ${us(r.serverCpuUsPerOp)} | ${decimal(r.benchCpuSeconds, 2)} | ${integer(r.errors.total)} |`,
    );
  }
  out.push('');
  out.push('kv ÷ redis-server (50 connections, same run):');
  out.push('');
  out.push('| server | ops/s ratio, pipeline 1 | ops/s ratio, pipeline 16 | p99 ratio, pipeline 1 |');
  out.push('|---|--:|--:|--:|');
  for (const row of summary.ratios) {
    out.push(`| ${serverLabel(row.server)} | ${x(row.opsRatioPipeline1)} | ${x(row.opsRatioPipeline16)} | ${x(row.p99RatioPipeline1)} |`);
  }
  out.push('');
  out.push('Forwarding cost (kv, 2 workers, 50 connections): keys owned by the connection\'s worker (local) vs by the other worker (forwarded):');
  out.push('');
  out.push('| pipeline | local server CPU µs/op | forwarded server CPU µs/op | forwarded − local µs/op | local ops/s | forwarded ops/s |');
  out.push('|--:|--:|--:|--:|--:|--:|');
  for (const row of summary.forwarding) {
    out.push(
      `| ${row.pipeline} | ${us(row.localServerCpuUsPerOp)} | ${us(row.forwardedServerCpuUsPerOp)} | ${orNa(row.differenceUsPerOp, (v) => (v >= 0 ? '+' : '') + decimal(v, 1))} | ` +
        `${orNa(row.localOpsPerSecond, integer)} | ${orNa(row.forwardedOpsPerSecond, integer)} |`,
    );
  }
  if (summary.notes.length > 0) {
    out.push('');
    out.push('Notes:');
    for (const note of summary.notes) out.push(`- ${note}`);
  }
  return out.join('\n');
}
