import type { Locality } from './locality';
import type { RowFigures } from './figures';
import { decimal } from './format';
import type { LoadName, ScenarioServer } from './scenarioMatrix';
import type { Protocol } from './replyScanner';

export interface RowRef {
  server: ScenarioServer;
  proto: Protocol;
  load: LoadName;
  locality?: Locality;
}

/** A row's figures, or why it has none, e.g. 'seed skipped' (shown as "n/a (seed skipped)"). */
export type RowLookup = (ref: Required<RowRef>) => RowFigures | string;

type Figure = 'opsPerSecond' | 'p99Us' | 'opsPerServerCpuSecond' | 'serverCpuUsPerOp';

export interface TargetSpec {
  name: string;
  /** The measured row and the baseline it is compared with. */
  row: RowRef;
  baseline: RowRef;
  figure: Figure;
  /** ratio: row ÷ baseline; difference: row − baseline. */
  compare: 'ratio' | 'difference';
  op: '>=' | '<=';
  threshold: number;
}

const text = (server: ScenarioServer, load: LoadName, locality: Locality = 'any'): RowRef => ({ server, proto: 'text', load, locality });

/** The targets the --scenarios run checks (see the task: kv against the seed, redis-server, itself). */
export const TARGETS: readonly TargetSpec[] = [
  { name: 'kv 1 worker ÷ seed, text c50p1, ops/s', row: text('kv1', 'c50p1'), baseline: text('seed', 'c50p1'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 1.0 },
  { name: 'kv 1 worker ÷ seed, text c50p16, ops/s', row: text('kv1', 'c50p16'), baseline: text('seed', 'c50p16'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 2.0 },
  { name: 'kv 1 worker ÷ seed, text c1000p1, ops/s', row: text('kv1', 'c1000p1'), baseline: text('seed', 'c1000p1'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 1.1 },
  { name: 'kv 2 workers ÷ seed, text c50p1, ops/s', row: text('kv2', 'c50p1'), baseline: text('seed', 'c50p1'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 0.8 },
  { name: 'kv 2 workers ÷ seed, text c50p1, p99', row: text('kv2', 'c50p1'), baseline: text('seed', 'c50p1'), figure: 'p99Us', compare: 'ratio', op: '<=', threshold: 1.2 },
  { name: 'kv 2 workers ÷ seed, text c50p16, ops/s', row: text('kv2', 'c50p16'), baseline: text('seed', 'c50p16'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 2.0 },
  { name: 'kv 2 workers ÷ seed, text c1000p1, ops/s', row: text('kv2', 'c1000p1'), baseline: text('seed', 'c1000p1'), figure: 'opsPerSecond', compare: 'ratio', op: '>=', threshold: 1.0 },
  { name: 'kv 2 workers ÷ seed, text c1000p1, p99', row: text('kv2', 'c1000p1'), baseline: text('seed', 'c1000p1'), figure: 'p99Us', compare: 'ratio', op: '<=', threshold: 1.0 },
  {
    name: 'kv 2 workers ÷ redis-server, RESP c50p16, ops/s',
    row: { server: 'kv2', proto: 'resp', load: 'c50p16' },
    baseline: { server: 'redis', proto: 'resp', load: 'c50p16' },
    figure: 'opsPerSecond',
    compare: 'ratio',
    op: '>=',
    threshold: 0.65,
  },
  { name: 'kv 2 workers ÷ kv 1 worker, text c50p1, ops per server CPU-second', row: text('kv2', 'c50p1'), baseline: text('kv1', 'c50p1'), figure: 'opsPerServerCpuSecond', compare: 'ratio', op: '>=', threshold: 0.9 },
  {
    name: 'forwarding cost, kv 2 workers text c50p1: forwarded − local server CPU µs/op',
    row: text('kv2', 'c50p1', 'forwarded'),
    baseline: text('kv2', 'c50p1', 'local'),
    figure: 'serverCpuUsPerOp',
    compare: 'difference',
    op: '<=',
    threshold: 1.0,
  },
];

export interface TargetResult {
  spec: TargetSpec;
  /** row ÷ baseline or row − baseline; null when n/a. */
  value: number | null;
  /** true met, false not met, null n/a. */
  met: boolean | null;
  /** 'met', 'not met' or 'n/a (why)'. */
  status: string;
}

const FIGURE_NAMES: Record<Figure, string> = {
  opsPerSecond: 'ops/s',
  p99Us: 'p99',
  opsPerServerCpuSecond: 'ops per server CPU-second',
  serverCpuUsPerOp: 'server CPU µs/op',
};

function full(ref: RowRef): Required<RowRef> {
  return { ...ref, locality: ref.locality ?? 'any' };
}

/** Checks one target against the rows; a missing row or figure makes it n/a with the reason. */
export function evaluateTarget(spec: TargetSpec, lookup: RowLookup): TargetResult {
  const row = lookup(full(spec.row));
  const baseline = lookup(full(spec.baseline));
  const missing = [baseline, row].filter((r): r is string => typeof r === 'string');
  if (missing.length > 0) return { spec, value: null, met: null, status: `n/a (${[...new Set(missing)].join('; ')})` };
  const a = (row as RowFigures)[spec.figure];
  const b = (baseline as RowFigures)[spec.figure];
  if (a === null || b === null) return { spec, value: null, met: null, status: `n/a (no ${FIGURE_NAMES[spec.figure]})` };
  if (spec.compare === 'ratio' && b === 0) return { spec, value: null, met: null, status: `n/a (baseline ${FIGURE_NAMES[spec.figure]} is 0)` };
  const value = spec.compare === 'ratio' ? a / b : a - b;
  const met = spec.op === '>=' ? value >= spec.threshold : value <= spec.threshold;
  return { spec, value, met, status: met ? 'met' : 'not met' };
}

export function evaluateTargets(lookup: RowLookup, specs: readonly TargetSpec[] = TARGETS): TargetResult[] {
  return specs.map((spec) => evaluateTarget(spec, lookup));
}

function showValue(spec: TargetSpec, value: number): string {
  if (spec.compare === 'ratio') return `${decimal(value, 2)}×`;
  return `${value >= 0 ? '+' : ''}${decimal(value, 2)} µs`;
}

export function showTarget(spec: TargetSpec): string {
  return `${spec.op === '>=' ? '≥' : '≤'} ${spec.compare === 'ratio' ? `${decimal(spec.threshold, 2)}×` : `${decimal(spec.threshold, 1)} µs`}`;
}

/** The markdown table of targets: what, measured, wanted, met / not met / n/a. */
export function formatTargetTable(results: readonly TargetResult[]): string[] {
  const out = ['| target | measured | wanted | result |', '|---|--:|--:|---|'];
  for (const r of results) {
    out.push(`| ${r.spec.name} | ${r.value === null ? 'n/a' : showValue(r.spec, r.value)} | ${showTarget(r.spec)} | ${r.met === true ? '**met**' : r.status} |`);
  }
  const met = results.filter((r) => r.met === true).length;
  const notMet = results.filter((r) => r.met === false).length;
  out.push('', `Targets: ${met} met, ${notMet} not met, ${results.length - met - notMet} n/a.`);
  return out;
}
