import * as fs from 'node:fs';
import * as os from 'node:os';
import type { BenchOptions } from './cli';
import type { RowFigures } from './figures';
import { decimal, integer, orNa } from './format';
import type { LoadName } from './scenarioMatrix';
import { serverLabel } from './scenarioMatrix';
import { lookupFrom, type MatrixRun, type ScenarioOutcome } from './scenarios';
import { evaluateTargets, formatTargetTable, type TargetResult } from './targets';

export interface ForwardingRow {
  load: LoadName;
  localServerCpuUsPerOp: number | null;
  forwardedServerCpuUsPerOp: number | null;
  /** Forwarded minus local: the server CPU a forwarded request costs extra. */
  differenceUsPerOp: number | null;
  localOpsPerSecond: number | null;
  forwardedOpsPerSecond: number | null;
}

export interface ScenarioSummary {
  targets: TargetResult[];
  forwarding: ForwardingRow[];
  notes: string[];
}

function figures(outcomes: readonly ScenarioOutcome[], load: LoadName, locality: 'local' | 'forwarded'): RowFigures | null {
  return outcomes.find((o) => o.scenario.server === 'kv2' && o.scenario.proto === 'text' && o.scenario.load === load && o.scenario.locality === locality)?.figures ?? null;
}

export function summarizeScenarios(run: MatrixRun): ScenarioSummary {
  const { outcomes } = run;
  const forwarding: ForwardingRow[] = (['c50p1', 'c50p16'] as const).map((load) => {
    const local = figures(outcomes, load, 'local');
    const forwarded = figures(outcomes, load, 'forwarded');
    const localUs = local?.serverCpuUsPerOp ?? null;
    const forwardedUs = forwarded?.serverCpuUsPerOp ?? null;
    return {
      load,
      localServerCpuUsPerOp: localUs,
      forwardedServerCpuUsPerOp: forwardedUs,
      differenceUsPerOp: localUs === null || forwardedUs === null ? null : forwardedUs - localUs,
      localOpsPerSecond: local?.opsPerSecond ?? null,
      forwardedOpsPerSecond: forwarded?.opsPerSecond ?? null,
    };
  });
  const notes: string[] = [...run.setupNotes];
  for (const o of outcomes) {
    const id = o.scenario.id;
    for (const problem of o.problems) notes.push(`${id}: ${problem}`);
    for (const stopNote of o.stopNotes) notes.push(`${id}: ${stopNote}`);
    for (const r of o.runs) {
      if (r.errors.total > 0) notes.push(`${id}: ${r.errors.total} errors; first: ${r.errors.samples[0] ?? ''}`);
      if (r.idleConnections > 0) notes.push(`${id}: ${r.idleConnections} connections had no key and sent nothing`);
    }
  }
  return { targets: evaluateTargets(lookupFrom(outcomes)), forwarding, notes };
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown CPU';
  }
}

const us = (v: number | null): string => orNa(v, (n) => decimal(n, 2));

function rowCells(o: ScenarioOutcome): string {
  const f = o.figures;
  if (f === null) return `${o.skipped !== null ? `skipped: ${o.skipped}` : 'failed (see notes)'} | | | | | | | | |`;
  return (
    `${integer(f.opsPerSecond)} | ${integer(f.p50Us)} | ${integer(f.p99Us)} | ${integer(f.p999Us)} | ${orNa(f.serverCpuSeconds, (v) => decimal(v, 2))} | ` +
    `${us(f.serverCpuUsPerOp)} | ${orNa(f.opsPerServerCpuSecond, integer)} | ${decimal(f.benchCpuSeconds, 2)} | ${integer(f.errors)} |`
  );
}

export function formatScenarioMarkdown(run: MatrixRun, summary: ScenarioSummary, options: BenchOptions): string {
  const out: string[] = [];
  out.push(`### Benchmark matrix — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} CPUs (${cpuModel()})`);
  out.push('');
  out.push(
    `Each row: a freshly started server on 127.0.0.1, ${options.duration} s measured after ${options.warmup} s warmup, ` +
      `${decimal(options.getRatio * 100, 0)}% GET over ${integer(options.keys)} keys${options.prefill ? ' (all prefilled)' : ''}, ${options.valueSize}-byte values, ` +
      'closed loop (a connection sends its next pipeline batch when the whole batch is answered), every reply verified. ' +
      'Server CPU is user+system time of the server process and its descendants over the measured window; the load generator shares the same cores.' +
      (run.rounds > 1 ? ` ${run.rounds} rounds, run interleaved (every row once per round); each figure is the median over the rounds, errors are summed.` : ''),
  );
  out.push('');
  out.push('| # | server | proto | conns | pipeline | locality | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU s | server CPU µs/op | ops per server CPU-s | bench CPU s | errors |');
  out.push('|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const o of run.outcomes) {
    const s = o.scenario;
    out.push(`| ${s.id} | ${serverLabel(s.server)} | ${s.proto} | ${s.connections} | ${s.pipeline} | ${s.locality} | ${rowCells(o)}`);
  }
  out.push('');
  out.push('Targets (same run):');
  out.push('');
  out.push(...formatTargetTable(summary.targets));
  out.push('');
  out.push("Forwarding cost (kv, 2 workers, text, 50 connections): keys owned by the connection's worker (local) vs by the other worker (forwarded):");
  out.push('');
  out.push('| load | local server CPU µs/op | forwarded server CPU µs/op | forwarded − local µs/op | local ops/s | forwarded ops/s |');
  out.push('|---|--:|--:|--:|--:|--:|');
  for (const row of summary.forwarding) {
    out.push(
      `| ${row.load} | ${us(row.localServerCpuUsPerOp)} | ${us(row.forwardedServerCpuUsPerOp)} | ${orNa(row.differenceUsPerOp, (v) => (v >= 0 ? '+' : '') + decimal(v, 2))} | ` +
        `${orNa(row.localOpsPerSecond, integer)} | ${orNa(row.forwardedOpsPerSecond, integer)} |`,
    );
  }
  if (summary.notes.length > 0) {
    out.push('');
    out.push('Notes:');
    for (const note of summary.notes) out.push(`- ${note}`);
  }
  out.push('');
  out.push(
    `Matrix took ${decimal(run.elapsedSeconds, 0)} s. 1-minute load average ${decimal(run.loadAverage.start, 2)} before, ${decimal(run.loadAverage.end, 2)} after ` +
      `(${os.cpus().length} CPUs; the bench and one server account for about 2, more means other processes shared the cores).`,
  );
  return out.join('\n');
}
