import type { BenchOptions, Locality } from './cli';
import { decimal, integer } from './format';
import { runBench, type RunResult, type RunSpec } from './run';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

export type ScenarioServer = 'kv1' | 'kv2' | 'redis';

export interface Scenario {
  id: string;
  server: ScenarioServer;
  connections: number;
  pipeline: number;
  locality: Locality;
}

/** The matrix BENCHMARKS.md reports: (a) kv 1/2 workers vs redis, (b) 1000 connections, (c) forwarding cost. */
export const SCENARIOS: readonly Scenario[] = [
  { id: 'a1', server: 'kv1', connections: 50, pipeline: 1, locality: 'any' },
  { id: 'a2', server: 'kv1', connections: 50, pipeline: 16, locality: 'any' },
  { id: 'a3', server: 'kv2', connections: 50, pipeline: 1, locality: 'any' },
  { id: 'a4', server: 'kv2', connections: 50, pipeline: 16, locality: 'any' },
  { id: 'a5', server: 'redis', connections: 50, pipeline: 1, locality: 'any' },
  { id: 'a6', server: 'redis', connections: 50, pipeline: 16, locality: 'any' },
  { id: 'b1', server: 'kv2', connections: 1000, pipeline: 1, locality: 'any' },
  { id: 'c1', server: 'kv2', connections: 50, pipeline: 1, locality: 'local' },
  { id: 'c2', server: 'kv2', connections: 50, pipeline: 1, locality: 'forwarded' },
  { id: 'c3', server: 'kv2', connections: 50, pipeline: 16, locality: 'local' },
  { id: 'c4', server: 'kv2', connections: 50, pipeline: 16, locality: 'forwarded' },
];

const SERVER_LABELS: Record<ScenarioServer, string> = { kv1: 'kv, 1 worker', kv2: 'kv, 2 workers', redis: 'redis-server' };

export interface ScenarioOutcome {
  scenario: Scenario;
  result: RunResult | null;
  /** Why there is no result (skipped or failed). */
  problem: string | null;
  /** Anything odd about stopping the server, e.g. a non-zero exit on SIGTERM. */
  stopNote: string | null;
}

async function startScenarioServer(server: ScenarioServer, options: BenchOptions, redisPath: string | null): Promise<StartedServer> {
  if (server === 'redis') return startRedisServer(redisPath!);
  return startKvServer(options.kvMain, server === 'kv1' ? 1 : 2, options.maxmemory);
}

/** Runs every scenario on its own freshly started server, one after another. */
export async function runScenarios(options: BenchOptions, progress: (line: string) => void): Promise<ScenarioOutcome[]> {
  const redisPath = findRedisServer();
  const outcomes: ScenarioOutcome[] = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    const title = `[${index + 1}/${SCENARIOS.length}] ${scenario.id} ${SERVER_LABELS[scenario.server]}, ${scenario.connections} conns, pipeline ${scenario.pipeline}, locality ${scenario.locality}`;
    if (scenario.server === 'redis' && redisPath === null) {
      outcomes.push({ scenario, result: null, problem: 'redis-server not installed: skipped', stopNote: null });
      progress(`${title}: skipped (redis-server not installed)`);
      continue;
    }
    const spec: RunSpec = {
      proto: scenario.server === 'redis' ? 'resp' : 'text',
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
    let server: StartedServer | null = null;
    const outcome: ScenarioOutcome = { scenario, result: null, problem: null, stopNote: null };
    try {
      server = await startScenarioServer(scenario.server, options, redisPath);
      outcome.result = await runBench(spec, { label: SERVER_LABELS[scenario.server], endpoint: server.endpoint, serverPid: server.pid });
    } catch (err) {
      outcome.problem = `failed: ${(err as Error).message}`;
    } finally {
      if (server !== null) {
        const stopped = await server.stop();
        if (stopped.forced || (scenario.server !== 'redis' && stopped.code !== 0)) {
          outcome.stopNote = `${SERVER_LABELS[scenario.server]} on SIGTERM: exit code ${stopped.code}, signal ${stopped.signal}${stopped.forced ? ', had to be SIGKILLed' : ''}`;
        }
      }
    }
    outcomes.push(outcome);
    const r = outcome.result;
    progress(
      r === null
        ? `${title}: ${outcome.problem}`
        : `${title}: ${integer(r.opsPerSecond)} ops/s, p99 ${integer(r.latencyUs.p99)} µs, server CPU ${r.serverCpuSeconds === null ? 'n/a' : decimal(r.serverCpuSeconds, 2) + ' s'}, bench CPU ${decimal(r.benchCpuSeconds, 2)} s, errors ${r.errors.total}`,
    );
  }
  return outcomes;
}

export function serverLabel(server: ScenarioServer): string {
  return SERVER_LABELS[server];
}
