import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RowFigures } from '../src/figures';
import { SCENARIOS } from '../src/scenarioMatrix';
import { lookupFrom, type ScenarioOutcome } from '../src/scenarios';
import { evaluateTarget, evaluateTargets, formatTargetTable, TARGETS, type RowLookup, type RowRef, type TargetSpec } from '../src/targets';

function fig(ops: number, p99: number, cpuSeconds: number | null = null): RowFigures {
  return {
    opsPerSecond: ops,
    p50Us: p99 / 4,
    p99Us: p99,
    p999Us: p99 * 2,
    serverCpuSeconds: cpuSeconds,
    opsPerServerCpuSecond: cpuSeconds === null ? null : (ops * 5) / cpuSeconds,
    serverCpuUsPerOp: cpuSeconds === null ? null : (cpuSeconds * 1e6) / (ops * 5),
    benchCpuSeconds: 1,
    errors: 0,
    rounds: 1,
  };
}

const key = (r: Required<RowRef>): string => `${r.server}/${r.proto}/${r.load}/${r.locality}`;

function lookupOf(rows: Record<string, RowFigures | string>, fallback = 'not run'): RowLookup {
  return (ref) => rows[key(ref)] ?? fallback;
}

function target(name: string): TargetSpec {
  const spec = TARGETS.find((t) => t.name === name);
  if (!spec) throw new Error(`no target ${name}`);
  return spec;
}

test('every target names rows that the matrix has', () => {
  const ids = new Set(SCENARIOS.map((s) => `${s.server}/${s.proto}/${s.load}/${s.locality}`));
  for (const t of TARGETS) {
    for (const ref of [t.row, t.baseline]) assert.ok(ids.has(key({ locality: 'any', ...ref })), `${t.name}: ${JSON.stringify(ref)}`);
  }
  assert.is(TARGETS.length, 11);
});

test('ops ratio at and around its threshold: >= is met, just below is not', () => {
  const spec = target('kv 1 worker ÷ seed, text c50p16, ops/s');
  const at = evaluateTarget(spec, lookupOf({ 'kv1/text/c50p16/any': fig(200_000, 1), 'seed/text/c50p16/any': fig(100_000, 1) }));
  assert.is(at.value, 2);
  assert.is(at.met, true);
  assert.is(at.status, 'met');
  const below = evaluateTarget(spec, lookupOf({ 'kv1/text/c50p16/any': fig(199_000, 1), 'seed/text/c50p16/any': fig(100_000, 1) }));
  assert.is(below.met, false);
  assert.is(below.status, 'not met');
});

test('p99 targets want the ratio at most the threshold', () => {
  const spec = target('kv 2 workers ÷ seed, text c50p1, p99');
  const rows = (kvP99: number): RowLookup => lookupOf({ 'kv2/text/c50p1/any': fig(1, kvP99), 'seed/text/c50p1/any': fig(1, 1000) });
  assert.is(evaluateTarget(spec, rows(1200)).met, true);
  assert.is(evaluateTarget(spec, rows(1201)).met, false);
  assert.is(evaluateTarget(target('kv 2 workers ÷ seed, text c1000p1, p99'), lookupOf({ 'kv2/text/c1000p1/any': fig(1, 999), 'seed/text/c1000p1/any': fig(1, 1000) })).met, true);
});

test('CPU efficiency compares ops per server CPU-second, kv 2 workers over kv 1', () => {
  const spec = target('kv 2 workers ÷ kv 1 worker, text c50p1, ops per server CPU-second');
  // kv1: 100k ops/s for 5 s on 5 CPU-s = 100k ops/CPU-s; kv2: 120k ops/s on 6.5 CPU-s = 92.3k ops/CPU-s.
  const r = evaluateTarget(spec, lookupOf({ 'kv1/text/c50p1/any': fig(100_000, 1, 5), 'kv2/text/c50p1/any': fig(120_000, 1, 6.5) }));
  assert.ok(Math.abs(r.value! - 600_000 / 6.5 / 100_000) < 1e-9);
  assert.is(r.met, true);
  const worse = evaluateTarget(spec, lookupOf({ 'kv1/text/c50p1/any': fig(100_000, 1, 5), 'kv2/text/c50p1/any': fig(100_000, 1, 6) }));
  assert.is(worse.met, false);
});

test('forwarding cost is forwarded minus local µs/op, at most 1 µs', () => {
  const spec = target('forwarding cost, kv 2 workers text c50p1: forwarded − local server CPU µs/op');
  const rows = (forwardedCpu: number): RowLookup =>
    lookupOf({ 'kv2/text/c50p1/local': fig(100_000, 1, 5), 'kv2/text/c50p1/forwarded': fig(100_000, 1, forwardedCpu) });
  // local: 5 CPU-s over 500k ops = 10 µs/op; forwarded 5.4 CPU-s = 10.8 µs/op.
  const ok = evaluateTarget(spec, rows(5.4));
  assert.ok(Math.abs(ok.value! - 0.8) < 1e-9);
  assert.is(ok.met, true);
  assert.is(evaluateTarget(spec, rows(5.6)).met, false);
  assert.is(evaluateTarget(spec, rows(4)).met, true, 'forwarded cheaper than local is met');
});

test('a skipped baseline makes its targets n/a with the reason, and the others still count', () => {
  const rows: Record<string, RowFigures | string> = {
    'seed/text/c50p1/any': 'seed skipped',
    'seed/text/c50p16/any': 'seed skipped',
    'seed/text/c1000p1/any': 'seed skipped',
    'redis/resp/c50p16/any': 'redis-server skipped',
    'kv1/text/c50p1/any': fig(100_000, 1000, 5),
    'kv2/text/c50p1/any': fig(110_000, 1000, 5.5),
    'kv2/resp/c50p16/any': fig(300_000, 1000, 5),
  };
  const results = evaluateTargets(lookupOf(rows, 'kv failed'));
  const seedOnes = results.filter((r) => r.spec.baseline.server === 'seed');
  assert.is(seedOnes.length, 8);
  for (const r of seedOnes) {
    assert.is(r.met, null);
    assert.is(r.value, null);
    assert.ok(r.status.startsWith('n/a (seed skipped'), r.status);
  }
  assert.is(results.find((r) => r.spec.baseline.server === 'redis')!.status, 'n/a (redis-server skipped)');
  assert.is(results.find((r) => r.spec.figure === 'opsPerServerCpuSecond')!.met, true);
  const table = formatTargetTable(results).join('\n');
  assert.ok(table.includes('| n/a | ≥ 1.00× | n/a (seed skipped) |'), table);
  assert.ok(table.includes('Targets: 1 met, 0 not met, 10 n/a.'), table);
});

test('a figure that could not be measured (no server CPU) is n/a, not a failure', () => {
  const spec = target('kv 2 workers ÷ kv 1 worker, text c50p1, ops per server CPU-second');
  const r = evaluateTarget(spec, lookupOf({ 'kv1/text/c50p1/any': fig(1, 1, null), 'kv2/text/c50p1/any': fig(1, 1, 5) }));
  assert.is(r.met, null);
  assert.is(r.status, 'n/a (no ops per server CPU-second)');
});

test('lookupFrom says why a row has no figures: skipped, failed, or not selected', () => {
  const byId = (id: string) => SCENARIOS.find((s) => s.id === id)!;
  const base = { runs: [], problems: [], stopNotes: [] };
  const a1 = byId('a1');
  const a2 = byId('a2');
  const a3 = byId('a3');
  assert.is(a1.server, 'seed');
  const outcomes: ScenarioOutcome[] = [
    { ...base, scenario: a1, figures: null, skipped: 'go is not installed' },
    { ...base, scenario: a2, figures: fig(5, 5), skipped: null },
    { ...base, scenario: a3, figures: null, skipped: null, problems: ['failed: boom'] },
  ];
  const lookup = lookupFrom(outcomes);
  assert.is(lookup({ server: 'seed', proto: 'text', load: 'c50p1', locality: 'any' }), 'seed skipped');
  assert.is((lookup({ server: 'kv1', proto: 'text', load: 'c50p1', locality: 'any' }) as RowFigures).opsPerSecond, 5);
  assert.is(lookup({ server: 'kv2', proto: 'text', load: 'c50p1', locality: 'any' }), 'kv 2 workers failed');
  assert.is(lookup({ server: 'kv2', proto: 'text', load: 'c50p1', locality: 'local' }), 'kv 2 workers text c50p1 local not selected (--only)');
  const r = evaluateTarget(target('kv 1 worker ÷ seed, text c50p1, ops/s'), lookup);
  assert.is(r.status, 'n/a (seed skipped)');
});

test.run();
