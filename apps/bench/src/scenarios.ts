import * as os from 'node:os';
import type { BenchOptions } from './cli';
import { figuresOf, medianFigures, type RowFigures } from './figures';
import { decimal, integer } from './format';
import { runBench, type RunResult, type RunSpec } from './run';
import { selectScenarios, serverLabel, type Scenario, type ScenarioServer } from './scenarioMatrix';
import { ensureSeedBinary, startSeedServer } from './seedServer';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';
import type { RowLookup } from './targets';

export interface ScenarioOutcome {
  scenario: Scenario;
  /** One per round that produced figures. */
  runs: RunResult[];
  /** The row's figures: its one run, or per-figure medians over the rounds; null if no run produced figures. */
  figures: RowFigures | null;
  /** Why the row never ran (its server is not available), e.g. 'go is not installed'. */
  skipped: string | null;
  /** Failed runs, with their round. */
  problems: string[];
  /** Anything odd about stopping the server, e.g. a non-zero exit on SIGTERM. */
  stopNotes: string[];
}

export interface MatrixRun {
  outcomes: ScenarioOutcome[];
  rounds: number;
  /** Setup facts worth printing: which seed binary, what was skipped and why. */
  setupNotes: string[];
  elapsedSeconds: number;
  /** 1-minute load average before and after: on a shared machine, a sign of other work competing for the cores. */
  loadAverage: { start: number; end: number };
}

const SHORT_NAMES: Record<ScenarioServer, string> = { seed: 'seed', kv1: 'kv 1 worker', kv2: 'kv 2 workers', redis: 'redis-server' };

interface ServerSource {
  skipped: Partial<Record<ScenarioServer, string>>;
  redisPath: string | null;
  seedPath: string | null;
  log: (line: string) => void;
}

function prepareServers(scenarios: readonly Scenario[], options: BenchOptions, notes: string[], log: (line: string) => void): ServerSource {
  const wanted = new Set(scenarios.map((s) => s.server));
  const source: ServerSource = { skipped: {}, redisPath: null, seedPath: null, log };
  if (wanted.has('redis')) {
    source.redisPath = findRedisServer();
    if (source.redisPath === null) source.skipped.redis = 'redis-server is not installed (apt-get install redis-server)';
  }
  if (wanted.has('seed')) {
    const seed = ensureSeedBinary(options.seedBin, log);
    if (seed.path === null) source.skipped.seed = seed.skipped;
    else {
      source.seedPath = seed.path;
      notes.push(seed.note);
    }
  }
  for (const [server, why] of Object.entries(source.skipped)) {
    const line = `${serverLabel(server as ScenarioServer)} skipped: ${why}`;
    notes.push(line);
    log(line);
  }
  return source;
}

function startScenarioServer(server: ScenarioServer, options: BenchOptions, source: ServerSource): Promise<StartedServer> {
  if (server === 'redis') return startRedisServer(source.redisPath!);
  if (server === 'seed') return startSeedServer(source.seedPath!, source.log);
  return startKvServer(options.kvMain, server === 'kv1' ? 1 : 2, options.maxmemory);
}

function specFor(scenario: Scenario, options: BenchOptions): RunSpec {
  return {
    proto: scenario.proto,
    connections: scenario.connections,
    pipeline: scenario.pipeline,
    getRatio: options.getRatio,
    keys: options.keys,
    valueSize: options.valueSize,
    durationSeconds: options.duration,
    warmupSeconds: options.warmup,
    prefill: options.prefill,
    locality: scenario.locality,
  };
}

async function runOnce(scenario: Scenario, options: BenchOptions, source: ServerSource, outcome: ScenarioOutcome, round: string): Promise<RunResult | null> {
  let server: StartedServer | null = null;
  const label = serverLabel(scenario.server);
  try {
    server = await startScenarioServer(scenario.server, options, source);
    const result = await runBench(specFor(scenario, options), { label, endpoint: server.endpoint, serverPid: server.pid });
    outcome.runs.push(result);
    return result;
  } catch (err) {
    outcome.problems.push(`${round}failed: ${(err as Error).message}`);
    return null;
  } finally {
    if (server !== null) {
      const stopped = await server.stop();
      if (stopped.forced || (scenario.server.startsWith('kv') && stopped.code !== 0)) {
        outcome.stopNotes.push(`${round}${label} on SIGTERM: exit code ${stopped.code}, signal ${stopped.signal}${stopped.forced ? ', had to be SIGKILLed' : ''}`);
      }
    }
  }
}

export function describeScenario(s: Scenario): string {
  return `${s.id} ${serverLabel(s.server)} ${s.proto}, ${s.connections} conns, pipeline ${s.pipeline}${s.locality === 'any' ? '' : `, locality ${s.locality}`}`;
}

/**
 * Runs the selected rows, each on its own freshly started server, one after another; with
 * --rounds N the whole selection N times over (round 1 of every row, then round 2...), so slow
 * drift of a shared machine spreads over all rows instead of landing on a few.
 */
export async function runScenarios(options: BenchOptions, progress: (line: string) => void): Promise<MatrixRun> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const scenarios = selectScenarios(options.only);
  const setupNotes: string[] = [];
  const source = prepareServers(scenarios, options, setupNotes, progress);
  const outcomes: ScenarioOutcome[] = scenarios.map((scenario) => ({
    scenario,
    runs: [],
    figures: null,
    skipped: source.skipped[scenario.server] ?? null,
    problems: [],
    stopNotes: [],
  }));
  const runnable = outcomes.filter((o) => o.skipped === null);
  const total = runnable.length * options.rounds;
  let step = 0;
  for (let round = 1; round <= options.rounds; round++) {
    const roundTag = options.rounds > 1 ? `round ${round}: ` : '';
    for (const outcome of runnable) {
      const title = `[${++step}/${total}] ${roundTag}${describeScenario(outcome.scenario)}`;
      const r = await runOnce(outcome.scenario, options, source, outcome, roundTag);
      progress(
        r === null
          ? `${title}: ${outcome.problems[outcome.problems.length - 1]}`
          : `${title}: ${integer(r.opsPerSecond)} ops/s, p99 ${integer(r.latencyUs.p99)} µs, server CPU ${r.serverCpuSeconds === null ? 'n/a' : decimal(r.serverCpuSeconds, 2) + ' s'}, bench CPU ${decimal(r.benchCpuSeconds, 2)} s, errors ${r.errors.total}`,
      );
    }
  }
  for (const outcome of outcomes) outcome.figures = medianFigures(outcome.runs.map(figuresOf));
  return { outcomes, rounds: options.rounds, setupNotes, elapsedSeconds: (Date.now() - started) / 1000, loadAverage: { start: loadAtStart, end: os.loadavg()[0] } };
}

/** The targets' view of the rows: figures, or why a row has none ('seed skipped', 'kv 2 workers failed'...). */
export function lookupFrom(outcomes: readonly ScenarioOutcome[]): RowLookup {
  return (ref) => {
    const outcome = outcomes.find((o) => o.scenario.server === ref.server && o.scenario.proto === ref.proto && o.scenario.load === ref.load && o.scenario.locality === ref.locality);
    const name = SHORT_NAMES[ref.server];
    if (outcome === undefined) return `${name} ${ref.proto} ${ref.load}${ref.locality === 'any' ? '' : ` ${ref.locality}`} not selected (--only)`;
    if (outcome.skipped !== null) return `${name} skipped`;
    return outcome.figures ?? `${name} failed`;
  };
}
