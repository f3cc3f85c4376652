import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { minValueSize } from './keyspace';
import type { Locality } from './locality';
import { SPECS } from './cliSpecs';
import { parseOnly, type ScenarioFilter } from './scenarioMatrix';
import type { Protocol } from './replyScanner';

export type TargetKind = 'kv' | 'redis';

export interface Endpoint {
  host: string;
  port: number;
  /** Connect over TLS trusting this PEM certificate (--tls-ca). */
  ca?: string;
}

export interface BenchOptions {
  addr: Endpoint | null;
  target: TargetKind;
  proto: Protocol;
  workers: number;
  maxmemory: string | null;
  connections: number;
  pipeline: number;
  getRatio: number;
  keys: number;
  valueSize: number;
  /** Seconds measured, after warmup. */
  duration: number;
  warmup: number;
  prefill: boolean;
  locality: Locality;
  json: boolean;
  scenarios: boolean;
  /** --scenarios: times to run the whole selection, interleaved; figures are medians. */
  rounds: number;
  /** --scenarios --only: the rows to run; null for all. */
  only: ScenarioFilter | null;
  /** --scenarios: a prebuilt seed binary instead of building one (or reusing the one built before). */
  seedBin: string | null;
  /** Run redis-benchmark against kv and redis-server side by side instead of this generator. */
  redisBenchmark: boolean;
  /** What MULTI/EXEC and EVAL cost against plain commands, on kv and redis-server. */
  transactions: boolean;
  /** What CLIENT TRACKING costs a GET (tracking.ts); BullMQ/Bull throughput (queues.ts); the new types' throughput (types.ts). */
  tracking: boolean;
  queues: boolean;
  types: boolean;
  /** Pub/Sub delivery, kv against redis-server (pubsub.ts). */
  pubsub: boolean;
  /** RSS per element of each collection type, kv against redis-server (elements.ts). */
  memoryPerElement: boolean;
  /** Bytes of RSS per stored key, kv against redis-server (memory.ts). */
  memoryPerKey: boolean;
  /** Write 3x maxmemory into kv while sampling its RSS; check the bound, deaths, hit ratio (memory.ts). */
  memoryStress: boolean;
  /** A full cache against 100,000 keys, kv 1 and 2 workers and redis-server (fullCache.ts). */
  fullCache: boolean;
  /** Keys kept at the same maxmemory, kv against redis-server (keysKept.ts). */
  keysKept: boolean;
  /** The accept path's figures beside the seed and redis-server (accept.ts); `parts` selects some. */
  accept: boolean;
  parts: string | null;
  /** Locust, distributed, against the seed and kv (locust.ts). */
  locust: boolean;
  serverPid: number | null;
  kvMain: string;
  /** --memory-per-element --shapes: only the shapes whose name contains it; null for all. */
  shapes: string | null;
  help: boolean;
  /** Names of the options given on the command line (so --scenarios keeps its own defaults for the rest). */
  given: ReadonlySet<string>;
}

export class UsageError extends Error {}

export function helpText(): string {
  const lines = ['usage: npm run bench -- [options]', '', 'Closed-loop load generator for the kv cache (and redis-server as reference).', '', 'options:'];
  for (const spec of SPECS) {
    const flag = spec.arg === null ? `--${spec.name}` : `--${spec.name} ${spec.arg}`;
    lines.push(`  ${flag.padEnd(32)} ${spec.help}`);
  }
  lines.push('', 'Exit status: 0 ok, 1 if any reply was an error or did not match what was written, 2 on usage or setup failure.');
  return lines.join('\n');
}

const LOOPBACK_NAMES = new Map([
  ['localhost', '127.0.0.1'],
  ['::1', '::1'],
]);

/** Accepts only loopback targets: this tool must never send load anywhere else. */
export function parseLoopbackAddr(text: string): Endpoint {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--addr must be host:port, got '${text}'`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--addr port out of range: ${match[2]}`);
  const named = LOOPBACK_NAMES.get(match[1].toLowerCase());
  if (named !== undefined) return { host: named, port };
  if (net.isIPv4(match[1]) && match[1].startsWith('127.')) return { host: match[1], port };
  throw new UsageError(`--addr must be a loopback address (127.0.0.0/8, localhost, [::1]), got '${match[1]}'`);
}

function readCa(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new UsageError(`--tls-ca: cannot read ${file} (${(err as Error).message})`);
  }
}

function numberOption(raw: Map<string, string>, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const text = raw.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got '${text}'`);
  }
  return value;
}

function choiceOption<T extends string>(raw: Map<string, string>, name: string, choices: readonly T[], fallback: T): T {
  const text = raw.get(name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name} must be one of ${choices.join('|')}, got '${text}'`);
  return text as T;
}

function onlyOption(text: string): ScenarioFilter {
  try {
    return parseOnly(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseCli(argv: readonly string[]): BenchOptions {
  const raw = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '-h') {
      flags.add('help');
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (name === 'no-prefill') {
      raw.set('prefill', 'false');
      continue;
    }
    const spec = SPECS.find((s) => s.name === name);
    if (!spec) throw new UsageError(`unknown option --${name} (see --help)`);
    if (spec.arg === null) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value: string | undefined = eq >= 0 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value (${spec.arg})`);
    raw.set(name, value);
  }
  const given = new Set<string>([...raw.keys(), ...flags]);

  const addr = raw.has('addr') ? { ...parseLoopbackAddr(raw.get('addr')!), ...(raw.has('tls-ca') && { ca: readCa(raw.get('tls-ca')!) }) } : null;
  const target = choiceOption(raw, 'target', ['kv', 'redis'] as const, 'kv');
  const proto = choiceOption(raw, 'proto', ['text', 'resp'] as const, target === 'kv' ? 'text' : 'resp');
  const memoryMode = flags.has('memory-per-key') || flags.has('memory-stress');
  const keys = numberOption(raw, 'keys', flags.has('memory-per-key') ? 1_000_000 : 100_000, 1, 10_000_000, true);
  const options: BenchOptions = {
    addr,
    target,
    proto,
    workers: numberOption(raw, 'workers', 2, 1, 16, true),
    maxmemory: raw.get('maxmemory') ?? null,
    connections: numberOption(raw, 'connections', memoryMode ? 64 : 50, 1, 10_000, true),
    pipeline: numberOption(raw, 'pipeline', memoryMode ? 256 : 1, 1, 1024, true),
    getRatio: numberOption(raw, 'get-ratio', 0.5, 0, 1, false),
    keys,
    valueSize: numberOption(raw, 'value-size', flags.has('memory-stress') ? 100 : 32, memoryMode ? 10 : minValueSize(keys), 256, true),
    duration: numberOption(raw, 'duration', flags.has('scenarios') ? 5 : 10, 0.1, 3600, false),
    warmup: numberOption(raw, 'warmup', 1, 0, 600, false),
    prefill: raw.get('prefill') !== 'false',
    locality: choiceOption(raw, 'locality', ['any', 'local', 'forwarded'] as const, 'any'),
    json: flags.has('json'),
    scenarios: flags.has('scenarios'),
    rounds: numberOption(raw, 'rounds', 1, 1, 100, true),
    only: raw.has('only') ? onlyOption(raw.get('only')!) : null,
    seedBin: raw.has('seed-bin') ? path.resolve(raw.get('seed-bin')!) : null,
    redisBenchmark: flags.has('redis-benchmark'),
    transactions: flags.has('transactions'),
    pubsub: flags.has('pubsub'),
    tracking: flags.has('tracking'),
    queues: flags.has('queues'),
    types: flags.has('types'),
    memoryPerElement: flags.has('memory-per-element'),
    memoryPerKey: flags.has('memory-per-key'),
    memoryStress: flags.has('memory-stress'),
    fullCache: flags.has('full-cache'),
    keysKept: flags.has('keys-kept'),
    accept: flags.has('accept'),
    parts: raw.get('parts') ?? null,
    locust: flags.has('locust'),
    serverPid: raw.has('server-pid') ? numberOption(raw, 'server-pid', 0, 1, 2 ** 22, true) : null,
    shapes: raw.get('shapes') ?? null,
    kvMain: path.resolve(raw.get('kv-main') ?? path.join(__dirname, '..', '..', 'router', 'dist', 'main.js')),
    help: flags.has('help'),
    given,
  };
  validate(options);
  return options;
}

function validate(o: BenchOptions): void {
  if (o.help) return;
  if (!o.scenarios) {
    for (const name of ['rounds', 'only', 'seed-bin']) {
      if (o.given.has(name)) throw new UsageError(`--${name} only applies with --scenarios`);
    }
  }
  if (o.serverPid !== null && o.addr === null) throw new UsageError('--server-pid only applies with --addr (a started server is measured anyway)');
  if (o.parts !== null && !o.accept) throw new UsageError('--parts only applies with --accept');
  if (o.accept || o.locust) {
    for (const name of ['addr', 'target', 'proto', 'connections', 'pipeline', 'locality', 'scenarios', 'full-cache', 'keys-kept', 'memory-per-key', 'memory-stress', 'redis-benchmark', 'transactions', ...(o.accept ? ['locust'] : [])]) {
      if (o.given.has(name)) throw new UsageError(`--${name} does not apply to --${o.accept ? 'accept' : 'locust'}`);
    }
    return;
  }
  if (o.given.has('tls-ca') && o.addr === null) throw new UsageError('--tls-ca only applies with --addr (start the server with --tls-port yourself)');
  const sideBySide = o.pubsub ? 'pubsub' : o.memoryPerElement ? 'memory-per-element' : o.tracking ? 'tracking' : o.queues ? 'queues' : o.types ? 'types' : null;
  if (sideBySide !== null) {
    for (const name of ['addr', 'target', 'proto', 'connections', 'pipeline', 'keys', 'value-size', 'locality', 'scenarios', 'transactions', 'redis-benchmark']) {
      if (o.given.has(name)) throw new UsageError(`--${name} does not apply to --${sideBySide}`);
    }
    return;
  }
  if (o.fullCache || o.keysKept) {
    for (const name of ['addr', 'target', 'proto', 'workers', 'connections', 'pipeline', 'keys', 'value-size', 'locality', 'scenarios', 'memory-per-key', 'memory-stress']) {
      if (o.given.has(name) && !(o.keysKept && name === 'workers')) throw new UsageError(`--${name} is fixed by --${o.fullCache ? 'full-cache' : 'keys-kept'}`);
    }
    return;
  }
  if (o.memoryPerKey || o.memoryStress) {
    const mode = o.memoryPerKey ? 'memory-per-key' : 'memory-stress';
    for (const name of ['memory-per-key', 'memory-stress', 'scenarios', 'redis-benchmark', 'transactions']) {
      if (name !== mode && o.given.has(name)) throw new UsageError(`--${mode} and --${name} are separate runs`);
    }
    const fixed = ['addr', 'target', 'server-pid', 'locality', 'get-ratio', 'duration', 'warmup', 'prefill', ...(o.memoryPerKey ? ['proto'] : ['keys'])];
    for (const name of fixed) {
      if (o.given.has(name)) throw new UsageError(`--${name} does not apply to --${mode}`);
    }
    return;
  }
  if (o.scenarios) {
    for (const name of ['addr', 'target', 'proto', 'workers', 'connections', 'pipeline', 'locality', 'server-pid']) {
      if (o.given.has(name)) throw new UsageError(`--${name} is fixed by the --scenarios matrix`);
    }
    return;
  }
  if (o.locality !== 'any') {
    if (o.target !== 'kv' || o.proto !== 'text') throw new UsageError('--locality needs the kv target and text protocol (it asks STATS)');
    if (o.addr === null && o.workers < 2) throw new UsageError('--locality local|forwarded needs --workers 2 or more');
  }
  if (o.target === 'redis' && o.proto !== 'resp') throw new UsageError('redis-server has no PUT: use --proto resp');
}
