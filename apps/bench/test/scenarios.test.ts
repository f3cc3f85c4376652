import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCli, UsageError } from '../src/cli';
import { median, medianFigures, type RowFigures } from '../src/figures';
import { parseOnly, SCENARIOS, selectScenarios } from '../src/scenarioMatrix';

test('the matrix: 3 loads x (seed text, kv1/kv2 text, redis RESP, kv1/kv2 RESP) plus 4 locality rows', () => {
  assert.is(SCENARIOS.length, 22);
  assert.is(new Set(SCENARIOS.map((s) => s.id)).size, 22);
  for (const s of SCENARIOS) {
    if (s.server === 'seed') assert.is(s.proto, 'text');
    if (s.server === 'redis') assert.is(s.proto, 'resp');
    if (s.locality !== 'any') assert.is(s.server, 'kv2');
  }
  const loads = SCENARIOS.map((s) => `${s.connections}x${s.pipeline}`);
  assert.equal([...new Set(loads)].sort(), ['1000x1', '50x1', '50x16']);
  assert.is(SCENARIOS.filter((s) => s.locality === 'forwarded').length, 2);
});

test('--only: kinds combine with AND, names of one kind with OR', () => {
  const ids = (text: string): string[] => selectScenarios(parseOnly(text)).map((s) => s.id);
  assert.equal(ids('seed'), ['a1', 'b1', 'c1']);
  assert.equal(ids('kv2,seed,c50p1'), ['a1', 'a3', 'a6', 'd1', 'd2']);
  assert.equal(ids('kv2,text,c50p1,local,forwarded'), ['d1', 'd2']);
  assert.equal(ids('redis, KV2 ,resp,c50p16'), ['b4', 'b6']);
  assert.equal(ids('a1,d4'), ['a1', 'd4']);
  assert.is(selectScenarios(null).length, SCENARIOS.length);
  assert.throws(() => parseOnly('kv3'), /unknown name 'kv3'/);
  assert.throws(() => parseOnly(' , '), /at least one/);
});

test('cli: --rounds, --only and --seed-bin belong to --scenarios', () => {
  const o = parseCli(['--scenarios', '--rounds', '3', '--only', 'kv1,seed']);
  assert.is(o.rounds, 3);
  assert.is(o.duration, 5);
  assert.is(o.warmup, 1);
  assert.equal([...o.only!.servers].sort(), ['kv1', 'seed']);
  assert.is(parseCli(['--scenarios']).rounds, 1);
  assert.is(parseCli(['--scenarios']).only, null);
  assert.throws(() => parseCli(['--rounds', '2']), (e: unknown) => e instanceof UsageError && /only applies with --scenarios/.test(e.message));
  assert.throws(() => parseCli(['--scenarios', '--rounds', '0']), (e: unknown) => e instanceof UsageError);
  assert.throws(() => parseCli(['--scenarios', '--only', 'nope']), (e: unknown) => e instanceof UsageError && /unknown name/.test(e.message));
});

function row(ops: number, cpu: number | null, errors = 0): RowFigures {
  return {
    opsPerSecond: ops,
    p50Us: ops / 10,
    p99Us: ops / 5,
    p999Us: ops / 2,
    serverCpuSeconds: cpu,
    opsPerServerCpuSecond: cpu === null ? null : ops / cpu,
    serverCpuUsPerOp: cpu === null ? null : (cpu * 1e6) / ops,
    benchCpuSeconds: 1,
    errors,
    rounds: 1,
  };
}

test('median: odd and even counts, empty', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(median([]), null);
});

test('medianFigures takes each figure median on its own, sums errors and rounds', () => {
  const m = medianFigures([row(100, 1), row(300, 2, 1), row(200, 4, 2)])!;
  assert.is(m.opsPerSecond, 200);
  assert.is(m.serverCpuSeconds, 2);
  assert.is(m.p99Us, 40);
  assert.is(m.errors, 3);
  assert.is(m.rounds, 3);
  assert.is(medianFigures([]), null);
  assert.is(medianFigures([row(1, null), row(2, 1)])!.serverCpuSeconds, null);
});

test.run();
