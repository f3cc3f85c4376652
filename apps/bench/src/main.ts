import { helpText, parseCli, UsageError, type BenchOptions } from './cli';
import { formatRunTable } from './report';
import { runBench, RunSetupError, type RunSpec, type RunTarget } from './run';
import { formatScenarioMarkdown, summarizeScenarios } from './scenarioReport';
import { runScenarios } from './scenarios';
import { runRedisBenchmark } from './redisBenchmark';
import { runTransactions } from './transactions';
import { runPubSub } from './pubsub';
import { runTracking } from './tracking';
import { runQueues } from './queues';
import { runTypes } from './types';
import { runMemoryPerElement } from './elements';
import { formatPerKey, perKeyClean, runMemoryPerKey } from './memory';
import { formatStress, runMemoryStress } from './memoryStress';
import { runFullCache } from './fullCache';
import { runKeysKept } from './keysKept';
import { parseParts, runAcceptMode } from './accept';
import { runLocust } from './locust';
import { findRedisServer, killAllServersNow, ServerStartError, startKvServer, startRedisServer, stopAllServers, type StartedServer } from './servers';

const EXIT_OK = 0;
const EXIT_ERRORS = 1;
const EXIT_SETUP = 2;

function specFrom(options: BenchOptions): RunSpec {
  return {
    proto: options.proto,
    connections: options.connections,
    pipeline: options.pipeline,
    getRatio: options.getRatio,
    keys: options.keys,
    valueSize: options.valueSize,
    durationSeconds: options.duration,
    warmupSeconds: options.warmup,
    prefill: options.prefill,
    locality: options.locality,
  };
}

async function startServerFor(options: BenchOptions): Promise<StartedServer> {
  if (options.target === 'kv') return startKvServer(options.kvMain, options.workers, options.maxmemory);
  const redisServer = findRedisServer();
  if (redisServer === null) throw new ServerStartError('redis-server is not installed (apt-get install redis-server), or use --addr');
  return startRedisServer(redisServer);
}

async function runSingle(options: BenchOptions): Promise<number> {
  let server: StartedServer | null = null;
  try {
    let target: RunTarget;
    if (options.addr !== null) {
      target = { label: options.target === 'kv' ? 'kv server' : 'redis server', endpoint: options.addr, serverPid: options.serverPid };
    } else {
      server = await startServerFor(options);
      target = { label: server.label, endpoint: server.endpoint, serverPid: server.pid };
    }
    const result = await runBench(specFrom(options), target);
    const stopped = server === null ? null : await server.stop();
    if (options.json) {
      console.log(JSON.stringify({ ...result, serverStop: stopped }));
    } else {
      console.log(formatRunTable(result));
      if (stopped !== null && (stopped.forced || (options.target === 'kv' && stopped.code !== 0))) {
        console.log(`note: ${server!.label} on SIGTERM: exit code ${stopped.code}, signal ${stopped.signal}${stopped.forced ? ', had to be SIGKILLed' : ''}`);
      }
    }
    return result.errors.total > 0 ? EXIT_ERRORS : EXIT_OK;
  } finally {
    await server?.stop();
  }
}

async function runMatrix(options: BenchOptions): Promise<number> {
  const run = await runScenarios(options, (line) => process.stderr.write(`${line}\n`));
  const summary = summarizeScenarios(run);
  if (options.json) console.log(JSON.stringify({ ...run, ...summary }));
  else console.log(formatScenarioMarkdown(run, summary, options));
  // A skipped server (not installed) is reported, not a failure; a failed run or a bad reply is.
  const failed = run.outcomes.some((o) => o.problems.length > 0 || (o.figures?.errors ?? 0) > 0);
  return failed ? EXIT_ERRORS : EXIT_OK;
}

async function runMemory(options: BenchOptions): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (options.memoryPerKey) {
    const report = await runMemoryPerKey(options, log);
    console.log(options.json ? JSON.stringify(report) : formatPerKey(report, options));
    return perKeyClean(report) ? EXIT_OK : EXIT_ERRORS;
  }
  const report = await runMemoryStress(options, log);
  console.log(options.json ? JSON.stringify(report) : formatStress(report));
  return report.passed ? EXIT_OK : EXIT_ERRORS;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    return EXIT_SETUP;
  }
  if (options.help) {
    console.log(helpText());
    return EXIT_OK;
  }
  try {
    if (options.accept) {
      let parts;
      try {
        parts = parseParts(options.parts);
      } catch (err) {
        process.stderr.write(`bench: ${(err as Error).message}\n`);
        return EXIT_SETUP;
      }
      return await runAcceptMode(options, parts, (line) => void process.stderr.write(`${line}\n`));
    }
    if (options.locust) return await runLocust(options, (line) => void process.stderr.write(`${line}\n`));
    if (options.redisBenchmark) return await runRedisBenchmark(options);
    if (options.transactions) return await runTransactions(options);
    if (options.pubsub) return await runPubSub(options);
    if (options.tracking) return await runTracking(options);
    if (options.queues) return await runQueues(options);
    if (options.types) return await runTypes(options);
    if (options.memoryPerElement) return await runMemoryPerElement(options);
    if (options.memoryPerKey || options.memoryStress) return await runMemory(options);
    if (options.fullCache) return await runFullCache(options, (line) => void process.stderr.write(`${line}\n`));
    if (options.keysKept) return await runKeysKept(options, (line) => void process.stderr.write(`${line}\n`));
    return options.scenarios ? await runMatrix(options) : await runSingle(options);
  } catch (err) {
    if (!(err instanceof ServerStartError || err instanceof RunSetupError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    return EXIT_SETUP;
  }
}

function onSignal(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping servers it started\n`);
    void stopAllServers().finally(() => process.exit(code));
  });
}

onSignal('SIGINT', 130);
onSignal('SIGTERM', 143);
process.on('exit', killAllServersNow);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    void stopAllServers().finally(() => process.exit(EXIT_SETUP));
  },
);
